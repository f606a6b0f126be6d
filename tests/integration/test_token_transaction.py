"""The token endpoint's one transaction (issue 12): the client assertion's and the DPoP
proof's ``jti`` records ride with the code's redemption. Replays stay refused (THREATS 1, 9,
13) with the error they had when each check was its own write: the assertion first
(``invalid_client``), then the proof (``invalid_dpop_proof``), then the code
(``invalid_grant``); a refused request burns no code, and a presented assertion is used up
even when the code is refused. Two AWS calls per redemption."""

from __future__ import annotations

from typing import Any

import pytest
from oidc_helpers import (
    ASSERTION_TYPE,
    PUBLIC_URL,
    REDIRECT,
    RP,
    Browser,
    aws_calls,
    op_aws,  # noqa: F401 - fixture
    query_of,
)

pytestmark = pytest.mark.usefixtures("op_aws")
TOKEN_URL = PUBLIC_URL + "/v1/oidc/token"


def _code(browser: Browser, rp: RP) -> str:
    status, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri()))
    assert status == 302, headers
    return query_of(headers["location"])["code"]


def _redeem(rp: RP, code: str, *, assertion: str | None = None,
            proof: str | None = None) -> tuple[int, Any]:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "code_verifier": rp.verifier, "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion or rp.assertion()}
    status, _, body = rp.http.form("/v1/oidc/token", form,
                                   {"DPoP": proof or rp.proof("POST", TOKEN_URL)})
    return status, body


def test_replayed_assertion_is_invalid_client_and_burns_no_code(browser: Browser,
                                                                rp: RP) -> None:
    assertion = rp.assertion()
    # A wrong code with a fresh assertion: invalid_grant, and the assertion is used up.
    status, body = _redeem(rp, "g0000000000000000000000.nope", assertion=assertion)
    assert status == 400 and body["error"] == "invalid_grant"
    # Replayed with a wrong code again: the replay is told first.
    status, body = _redeem(rp, "g0000000000000000000000.nope", assertion=assertion)
    assert status == 401 and body["error"] == "invalid_client"
    code = _code(browser, rp)
    status, body = _redeem(rp, code, assertion=assertion)
    assert status == 401 and body["error"] == "invalid_client"
    status, body = _redeem(rp, code)  # the refused request left the code as it was
    assert status == 200 and body["access_token"]


def test_replayed_proof_is_invalid_dpop_proof_and_burns_no_code(browser: Browser,
                                                                rp: RP) -> None:
    proof = rp.proof("POST", TOKEN_URL)
    assert _redeem(rp, _code(browser, rp), proof=proof)[0] == 200
    code = _code(browser, rp)
    status, body = _redeem(rp, code, proof=proof)
    assert status == 400 and body["error"] == "invalid_dpop_proof"
    assert _redeem(rp, code)[0] == 200


def test_assertion_replay_is_told_before_a_code_replay(browser: Browser, rp: RP) -> None:
    code = _code(browser, rp)
    assertion = rp.assertion()
    status, first = _redeem(rp, code, assertion=assertion)
    assert status == 200
    # Everything replayed at once: the client is refused first, as when the assertion was
    # checked on its own; the code's tokens live on (no one proved to hold the code).
    status, body = _redeem(rp, code, assertion=assertion)
    assert status == 401 and body["error"] == "invalid_client"
    assert rp.userinfo(first["access_token"])[0] == 200
    # The code replayed by the client itself: invalid_grant, and its tokens are revoked.
    status, body = _redeem(rp, code)
    assert status == 400 and body["error"] == "invalid_grant"
    assert rp.userinfo(first["access_token"])[0] == 401


def test_a_redemption_is_two_aws_calls(browser: Browser, rp: RP) -> None:
    code = _code(browser, rp)
    assertion, proof = rp.assertion(), rp.proof("POST", TOKEN_URL)
    with aws_calls() as calls:
        status, _ = _redeem(rp, code, assertion=assertion, proof=proof)
    assert status == 200
    assert sorted(calls) == ["dynamodb.GetItem", "dynamodb.TransactWriteItems"]
