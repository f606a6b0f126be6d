"""Discovery, JWKS, introspection (RFC 7662), revocation (RFC 7009), the connected services
API, and consent withdrawal ending the service's tokens."""

from __future__ import annotations

import json
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from oidc_helpers import (
    PUBLIC_URL,
    RP,
    Browser,
    Http,
    op_aws,  # noqa: F401 - fixture
    query_of,
    sso_session,
)

from iamsmart.identity import assurance

pytestmark = pytest.mark.usefixtures("op_aws")


def _tokens(browser: Browser, rp: RP, **par: str) -> dict[str, Any]:
    _, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri(**par)))
    status, _, answer = rp.redeem(query_of(headers["location"])["code"])
    assert status == 200, answer
    return dict(answer)


def test_discovery_document(http: Http) -> None:
    status, headers, raw = http.request("GET", "/.well-known/openid-configuration")
    doc = json.loads(raw)
    assert status == 200 and doc["issuer"] == PUBLIC_URL
    assert doc["require_pushed_authorization_requests"] is True
    assert doc["pushed_authorization_request_endpoint"] == PUBLIC_URL + "/v1/oidc/par"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["ES256"]
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert doc["subject_types_supported"] == ["pairwise"]
    assert doc["acr_values_supported"] == list(assurance.ORDER)
    assert doc["response_types_supported"] == ["code"]
    assert "private_key_jwt" in doc["token_endpoint_auth_methods_supported"]
    assert "ES256" in doc["dpop_signing_alg_values_supported"]
    assert doc["end_session_endpoint"] == PUBLIC_URL + "/v1/oidc/logout"
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                 "revocation_endpoint", "introspection_endpoint"):
        path = doc[name][len(PUBLIC_URL):]
        assert path.startswith("/v1/oidc/")


def test_discovery_leaves_empty_lists_out(http: Http) -> None:
    doc = json.loads(http.request("GET", "/.well-known/openid-configuration")[2])
    assert "userinfo_signing_alg_values_supported" not in doc  # userinfo is plain JSON
    assert not [name for name, value in doc.items() if value in ([], {}, "")]


def test_unknown_or_expired_bearer_token_gets_both_challenges(http: Http, browser: Browser,
                                                              rp: RP) -> None:
    for scheme, token in [("Bearer", "not-a-token"), ("Bearer", "x" * 60)]:
        status, headers, body = rp.userinfo(token, scheme=scheme, proof=False)
        challenge = headers["www-authenticate"]
        assert status == 401 and body["error"] == "invalid_token"
        assert 'Bearer realm="iamsmart", error="invalid_token"' in challenge, challenge
        assert challenge.startswith("DPoP algs=")
    # No credentials at all: both schemes offered, without an error code (RFC 6750 §3.1).
    status, headers, _ = http.request("GET", "/v1/oidc/userinfo")
    assert status == 401 and "Bearer realm=" in headers["www-authenticate"]
    assert "error=" not in headers["www-authenticate"]
    # An expired access token presented as Bearer (the grant's token lifetime is over).
    answer = _tokens(browser, rp)
    from iamsmart.oidc import grants

    real_now = grants.now
    try:
        grants.now = lambda: real_now() + 24 * 3600  # type: ignore[assignment]
        status, headers, _ = rp.userinfo(answer["access_token"], scheme="Bearer", proof=False)
    finally:
        grants.now = real_now  # type: ignore[assignment]
    assert status == 401 and "Bearer realm=" in headers["www-authenticate"]


def test_id_token_verifies_with_the_published_jwks(http: Http, browser: Browser,
                                                   rp: RP) -> None:
    answer = _tokens(browser, rp)
    status, _, raw = http.request("GET", "/v1/oidc/jwks")
    keys = KeySet.import_key_set(json.loads(raw))
    token = jwt.decode(answer["id_token"], keys, algorithms=["ES256"])
    assert token.header["kid"] in [k["kid"] for k in json.loads(raw)["keys"]]
    assert token.claims["iss"] == PUBLIC_URL


def test_introspection_only_for_the_tokens_own_client(http: Http, browser: Browser,
                                                      rp: RP) -> None:
    answer = _tokens(browser, rp)
    status, headers, body = http.form("/v1/oidc/introspect",
                                      {"token": answer["access_token"], **rp.auth()})
    assert status == 200 and body["active"] is True
    assert body["client_id"] == rp.client_id and body["token_type"] == "DPoP"
    assert body["cnf"]["jkt"] == rp.dpop_key.thumbprint()
    assert body["scope"] == "openid profile" and body["iss"] == PUBLIC_URL
    other = RP(http, "other-rp")
    status, _, body = http.form("/v1/oidc/introspect",
                                {"token": answer["access_token"], **other.auth()})
    assert status == 200 and body == {"active": False}
    status, _, body = http.form("/v1/oidc/introspect", {"token": answer["access_token"]})
    assert status == 401  # client authentication required
    status, _, body = http.form("/v1/oidc/introspect", {"token": "nonsense", **rp.auth()})
    assert body == {"active": False}


def test_revocation_of_refresh_token_ends_the_grant(http: Http, browser: Browser,
                                                    rp: RP) -> None:
    answer = _tokens(browser, rp)
    other = RP(http, "other-rp")
    # Another client's attempt is a 200 that does nothing.
    status, _, _ = http.form("/v1/oidc/revoke", {"token": answer["refresh_token"],
                                                 **other.auth()})
    assert status == 200 and rp.userinfo(answer["access_token"])[0] == 200
    status, _, _ = http.form("/v1/oidc/revoke", {"token": answer["refresh_token"],
                                                 **rp.auth()})
    assert status == 200
    assert rp.userinfo(answer["access_token"])[0] == 401
    assert http.form("/v1/oidc/revoke", {"token": "unknown.token", **rp.auth()})[0] == 200
    assert http.form("/v1/oidc/revoke", {"token": "x"})[0] == 401


def test_revocation_of_an_access_token_keeps_the_refresh_token(http: Http, browser: Browser,
                                                               rp: RP) -> None:
    answer = _tokens(browser, rp)
    assert http.form("/v1/oidc/revoke", {"token": answer["access_token"], **rp.auth()})[0] == 200
    assert rp.userinfo(answer["access_token"])[0] == 401
    status, _, again = rp.token({"grant_type": "refresh_token",
                                 "refresh_token": answer["refresh_token"]})
    assert status == 200 and rp.userinfo(again["access_token"])[0] == 200


def test_connected_services_list_and_withdraw_revokes_tokens(http: Http, browser: Browser,
                                                             rp: RP) -> None:
    answer = _tokens(browser, rp)
    status, listed = browser.json("GET", "/v1/me/connections")
    assert status == 200
    [item] = listed["items"]
    assert item["client_id"] == rp.client_id and item["name_tc"] == "沙盒部門服務"
    assert [s["scope"] for s in item["scopes"]] == ["openid", "profile"]
    status, _ = browser.json("DELETE", f"/v1/me/connections/{rp.client_id}", {})
    assert status == 200
    assert rp.userinfo(answer["access_token"])[0] == 401
    status, _, body = rp.token({"grant_type": "refresh_token",
                                "refresh_token": answer["refresh_token"]})
    assert status == 400
    assert browser.json("GET", "/v1/me/connections")[1] == {"items": []}
    # Consent must be given again.
    _, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri()))
    assert headers["location"].startswith("/consent.html")


def test_connections_belong_to_the_session_only(http: Http, browser: Browser, rp: RP) -> None:
    """THREATS 16: the owner comes from the session; someone else's id is a 404."""
    other = Browser(http)
    sso_session(other, "sandbox-lee-siu-mei")
    assert other.json("GET", "/v1/me/connections")[1] == {"items": []}
    assert other.json("DELETE", f"/v1/me/connections/{rp.client_id}", {})[0] == 404
    assert browser.json("GET", "/v1/me/connections")[1]["items"]  # untouched
    assert Browser(http).json("GET", "/v1/me/connections")[0] == 401


def test_unknown_grant_type_and_bad_code(http: Http, rp: RP) -> None:
    status, _, body = rp.token({"grant_type": "password", "username": "x"})
    assert status == 400 and body["error"] == "unsupported_grant_type"
    status, _, body = rp.redeem("garbage")
    assert status == 400 and body["error"] == "invalid_grant"
