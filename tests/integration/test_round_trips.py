"""Fewer round trips (issue 12), the replay protections unchanged (THREATS 9, 13).

- PAR is one transaction: the client assertion's and the DPoP proof's ``jti`` records ride with
  the new grant. A replayed assertion is ``invalid_client`` and a replayed proof
  ``invalid_dpop_proof``, nothing stored; a request refused for anything else still uses up
  its assertion (as when the assertion was recorded on its own).
- Userinfo with a DPoP-bound token is one conditional write on the grant (which records the
  proof's ``jti``: ``ath`` binds the proof to this token) and the account's read. Its records
  follow two-minute windows (a proof lives ±60 s), checked here with explicit clocks.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from oidc_helpers import (
    PUBLIC_URL,
    RP,
    Browser,
    Http,
    aws_calls,
    op_aws,  # noqa: F401 - fixture
    query_of,
    remember_consent,
    sso_session,
)

pytestmark = pytest.mark.usefixtures("op_aws")
PAR_URL = PUBLIC_URL + "/v1/oidc/par"
USERINFO_URL = PUBLIC_URL + "/v1/oidc/userinfo"


def _par(rp: RP, form: dict[str, str], proof: str | None = None) -> tuple[int, Any]:
    status, _, body = rp.http.form("/v1/oidc/par", form, {"DPoP": proof} if proof else None)
    return status, body


def _tokens(browser: Browser, rp: RP) -> dict[str, Any]:
    status, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri()))
    assert status == 302, headers
    status, _, answer = rp.redeem(query_of(headers["location"])["code"])
    assert status == 200, answer
    return dict(answer)


# --- PAR --------------------------------------------------------------------------------

def test_par_is_one_transaction_with_its_replay_checks(rp: RP) -> None:
    rp.request_uri()  # warm: the client registration
    form, proof = rp.par_form(), rp.proof("POST", PAR_URL)
    with aws_calls() as calls:
        status, body = _par(rp, form, proof)
    assert status == 201, body
    assert calls == ["dynamodb.TransactWriteItems"]


def test_par_replayed_assertion_or_proof_is_refused_and_nothing_stored(rp: RP) -> None:
    form = rp.par_form()
    assert _par(rp, form)[0] == 201
    again = rp.par_form(client_assertion=form["client_assertion"])
    status, body = _par(rp, again)
    assert status == 401 and body["error"] == "invalid_client"
    proof = rp.proof("POST", PAR_URL)
    assert _par(rp, rp.par_form(), proof)[0] == 201
    fresh = rp.par_form()
    status, body = _par(rp, fresh, proof)
    assert status == 400 and body["error"] == "invalid_dpop_proof"
    # The assertion that came with the replayed proof is used up, as when checked first.
    status, body = _par(rp, rp.par_form(client_assertion=fresh["client_assertion"]))
    assert status == 401 and body["error"] == "invalid_client"


def test_par_refused_request_still_uses_up_its_assertion(rp: RP) -> None:
    form = rp.par_form(redirect_uri="https://attacker.example/cb")
    status, body = _par(rp, form)
    assert status == 400 and body["error"] == "invalid_request"
    status, body = _par(rp, rp.par_form(client_assertion=form["client_assertion"]))
    assert status == 401 and body["error"] == "invalid_client"


# --- userinfo ---------------------------------------------------------------------------

def test_userinfo_is_two_aws_calls_and_a_replayed_proof_is_refused(browser: Browser,
                                                                   rp: RP) -> None:
    token = _tokens(browser, rp)["access_token"]
    proof = rp.proof("GET", USERINFO_URL, token)
    with aws_calls() as calls:
        status, _, info = rp.userinfo(token, proof=proof)
    assert status == 200 and info["sub"]
    assert sorted(calls) == ["dynamodb.GetItem", "dynamodb.UpdateItem"]
    status, headers, _ = rp.userinfo(token, proof=proof)
    assert status == 401 and 'error="invalid_dpop_proof"' in headers["www-authenticate"]
    assert rp.userinfo(token)[0] == 200  # a fresh proof


def test_userinfo_nonce_policy_is_the_clients(http: Http) -> None:
    from iamsmart.oidc import dpop

    rp = RP(http, dpop_nonce_required=True)
    browser = Browser(http)
    sso_session(browser)
    remember_consent(rp)
    status, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri()))
    code = query_of(headers["location"])["code"]
    nonce = dpop.nonce()
    status, _, answer = rp.token(
        {"grant_type": "authorization_code", "code": code,
         "redirect_uri": rp.client.redirect_uris[0], "code_verifier": rp.verifier},
        proof=rp.proof("POST", PUBLIC_URL + "/v1/oidc/token", nonce=nonce))
    assert status == 200, answer
    token = answer["access_token"]
    status, headers, body = rp.userinfo(token)  # no nonce
    assert status == 401 and body["error"] == "use_dpop_nonce"
    assert headers["dpop-nonce"] == nonce
    proof = rp.proof("GET", USERINFO_URL, token, nonce=nonce)
    assert rp.userinfo(token, proof=proof)[0] == 200
    assert rp.userinfo(token, proof=proof)[0] == 401  # replayed


def _grant_and_key(browser: Browser, rp: RP) -> tuple[str, str, str]:
    from iamsmart.oidc import dpop, grants

    token = _tokens(browser, rp)["access_token"]
    gid, secret = token.split(".")
    return gid, grants.digest(secret), dpop.thumbprint(rp.dpop_key.as_dict(private=False))


def test_proof_records_follow_the_windows(browser: Browser, rp: RP) -> None:
    from iamsmart.oidc import dal

    gid, at_hash, jkt = _grant_and_key(browser, rp)
    base = int(time.time()) // 120 * 120

    def use(proof: str, at: int) -> bool:
        new, old = dal.use_access_token(gid, at_hash=at_hash, jkt=jkt, proof=proof, at=at,
                                        window=120)
        if new is None:
            assert dal.replayed(old, at_hash=at_hash, jkt=jkt, proof=proof, at=at)
        return new is not None

    assert use("k#p1", base)
    assert not use("k#p1", base + 119)
    assert not use("k#p1", base + 120)  # the window before is still checked
    assert use("k#p2", base + 120)
    assert not use("k#p2", base + 240)
    assert use("k#p3", base + 240)
    item = dal.grant(gid)
    assert item is not None and item["pja"] == {"k#p3"} and item["pjb"] == {"k#p2"}

    gid, at_hash, jkt = _grant_and_key(browser, rp)
    assert use("k#p1", base)
    assert use("k#p4", base + 240)  # two windows on: the old records go
    item = dal.grant(gid)
    assert item is not None and item["pja"] == {"k#p4"} and "pjb" not in item


def test_proof_records_need_the_live_token_and_its_key(browser: Browser, rp: RP) -> None:
    from iamsmart.oidc import dal, grants

    gid, at_hash, jkt = _grant_and_key(browser, rp)
    now = int(time.time())
    new, old = dal.use_access_token(gid, at_hash=at_hash, jkt="another-key", proof="k#p",
                                    at=now, window=120)
    assert new is None and not dal.replayed(old, at_hash=at_hash, jkt="another-key",
                                            proof="k#p", at=now)
    new, old = dal.use_access_token(gid, at_hash="x" * 43, jkt=jkt, proof="k#p", at=now,
                                    window=120)
    assert new is None and old is not None
    grants.revoke(gid)
    new, old = dal.use_access_token(gid, at_hash=at_hash, jkt=jkt, proof="k#p", at=now,
                                    window=120)
    assert new is None and not dal.replayed(old, at_hash=at_hash, jkt=jkt, proof="k#p",
                                            at=now)
    assert "pja" not in (dal.grant(gid) or {})
