"""THREATS 1-8, 10, 14, 15 (and DPoP binding at userinfo, 9) against the real endpoints on moto.
Each test fails if its protection is removed."""

from __future__ import annotations

import hashlib
import logging
import time

import pytest
from joserfc.jwk import ECKey
from oidc_helpers import (
    LOGOUT_TARGET,
    PUBLIC_URL,
    REDIRECT,
    RP,
    Browser,
    Http,
    b64,
    op_aws,  # noqa: F401 - fixture
    query_of,
    remember_consent,
)

pytestmark = pytest.mark.usefixtures("op_aws")


def _code(browser: Browser, rp: RP, **par: str) -> str:
    status, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri(**par)))
    assert status == 302, headers
    return query_of(headers["location"])["code"]


# --- 1. code replay revokes what the code gave ------------------------------------------

def test_1_code_replayed_is_refused_and_revokes_its_tokens(browser: Browser, rp: RP) -> None:
    code = _code(browser, rp)
    status, _, first = rp.redeem(code)
    assert status == 200
    assert rp.userinfo(first["access_token"])[0] == 200
    status, _, again = rp.redeem(code)
    assert status == 400 and again["error"] == "invalid_grant"
    assert rp.userinfo(first["access_token"])[0] == 401
    status, _, refreshed = rp.token({"grant_type": "refresh_token",
                                     "refresh_token": first["refresh_token"]})
    assert status == 400 and refreshed["error"] == "invalid_grant"


# --- 2. another client, or too late -----------------------------------------------------

def test_2_code_redeemed_by_another_client_is_refused(http: Http, browser: Browser,
                                                       rp: RP) -> None:
    code = _code(browser, rp)
    thief = RP(http, "other-rp")
    thief.verifier = rp.verifier
    status, _, answer = thief.redeem(code)
    assert status == 400 and answer["error"] == "invalid_grant"
    assert rp.redeem(code)[0] == 200  # the rightful client still can


def test_2_code_after_sixty_seconds_is_refused(browser: Browser, rp: RP,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    code = _code(browser, rp)
    from iamsmart.oidc import grants

    later = time.time() + 61
    monkeypatch.setattr(grants, "now", lambda: int(later))
    status, _, answer = rp.redeem(code)
    assert status == 400 and answer["error"] == "invalid_grant"


# --- 3, 4. PKCE -------------------------------------------------------------------------

@pytest.mark.parametrize("par", [
    {"code_challenge": None, "code_challenge_method": None},  # 3: no challenge at all
    {"code_challenge_method": None},
    {"code_challenge_method": "plain"},  # 4
    {"code_challenge": "short"},
])
def test_3_4_pkce_s256_is_required_at_par(rp: RP, par: dict[str, str | None]) -> None:
    status, body = rp.par(**par)
    assert status == 400 and body["error"] == "invalid_request"


def test_3_token_without_verifier_is_refused(browser: Browser, rp: RP) -> None:
    code = _code(browser, rp)
    status, _, answer = rp.token({"grant_type": "authorization_code", "code": code,
                                  "redirect_uri": REDIRECT})
    assert status == 400 and answer["error"] == "invalid_request"


def test_4_wrong_verifier_is_refused(browser: Browser, rp: RP) -> None:
    code = _code(browser, rp)
    status, _, answer = rp.redeem(code, code_verifier="x" * 43)
    assert status == 400 and answer["error"] == "invalid_grant"
    # The plain verifier (= challenge, the downgrade) does not work either.
    challenge = b64(hashlib.sha256(rp.verifier.encode()).digest())
    assert rp.redeem(code, code_verifier=challenge)[2]["error"] == "invalid_grant"


# --- 5. exact redirect URI --------------------------------------------------------------

@pytest.mark.parametrize("uri", [
    REDIRECT + "/more", "http://127.0.0.1:8001/callbac", "http://127.0.0.1:8001/CALLBACK",
    REDIRECT + "?x=1", REDIRECT + "#f", "HTTP://127.0.0.1:8001/callback",
    "http://127.0.0.1:8001/callback/../callback", "https://evil.example/callback",
])
def test_5_redirect_uri_must_match_exactly_and_nothing_redirects(rp: RP, http: Http,
                                                                 uri: str) -> None:
    status, body = rp.par(redirect_uri=uri)
    assert status == 400 and body["error"] == "invalid_request"


def test_5_token_redirect_uri_must_match(browser: Browser, rp: RP) -> None:
    code = _code(browser, rp)
    assert rp.redeem(code, redirect_uri=REDIRECT + "?x=1")[2]["error"] == "invalid_grant"


def test_5_authorize_errors_are_our_own_page_never_a_redirect(browser: Browser,
                                                              rp: RP) -> None:
    for path in ("/v1/oidc/authorize?client_id=sandbox-rp&request_uri=urn:ietf:params:oauth:"
                 "request_uri:nope1234567890abcdef",
                 "/v1/oidc/authorize?client_id=nobody&request_uri=x",
                 "/v1/oidc/authorize?" + "client_id=sandbox-rp&redirect_uri="
                 "https%3A%2F%2Fevil.example&response_type=code&scope=openid"):
        status, headers, raw = browser.go("GET", path)
        assert status in (400, 401), (path, status)
        assert "location" not in headers
        assert headers["content-type"].startswith("text/html")
        assert "evil.example" not in raw.decode()
        assert "請返回有關服務重新開始" in raw.decode() and "start again" in raw.decode()


# --- 6. no open redirect through logout -------------------------------------------------

def test_6_logout_redirects_only_to_registered_uris(http: Http, rp: RP) -> None:
    for target, client_id in (("https://evil.example/", "sandbox-rp"),
                              (LOGOUT_TARGET + "x", "sandbox-rp"),
                              (LOGOUT_TARGET, None),  # nobody says whose URI it is
                              (LOGOUT_TARGET, "nobody")):
        query = f"post_logout_redirect_uri={target}&state=s1"
        if client_id:
            query += f"&client_id={client_id}"
        status, headers, raw = Browser(http).go("GET", f"/v1/oidc/logout?{query}")
        assert status == 200 and "location" not in headers, target
        assert "已登出" in raw.decode() and "evil" not in raw.decode()
    status, headers, _ = Browser(http).go(
        "GET", f"/v1/oidc/logout?post_logout_redirect_uri={LOGOUT_TARGET}&state=s1"
               "&client_id=sandbox-rp")
    assert status == 302 and headers["location"] == LOGOUT_TARGET + "?state=s1"


def test_6_logout_with_hint_ends_the_session(browser: Browser, rp: RP) -> None:
    code = _code(browser, rp)
    id_token = rp.redeem(code)[2]["id_token"]
    status, headers, _ = browser.go(
        "GET", f"/v1/oidc/logout?id_token_hint={id_token}"
               f"&post_logout_redirect_uri={LOGOUT_TARGET}&state=abc")
    assert status == 302 and headers["location"] == LOGOUT_TARGET + "?state=abc"
    assert "iamsmart_sid" not in browser.cookies
    # Logged out: the next authorization needs a login.
    status, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri()))
    assert headers["location"].startswith("/login.html")


def test_6_logout_without_hint_asks_and_a_cross_site_post_is_refused(browser: Browser,
                                                                     rp: RP) -> None:
    status, headers, raw = browser.go("GET", "/v1/oidc/logout")
    assert status == 200 and "iamsmart_sid" in browser.cookies  # not ended by a bare GET
    assert 'action="/v1/oidc/logout"' in raw.decode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, _ = browser.go("POST", "/v1/oidc/logout", raw=b"x=1",
                              headers={**form, "Origin": "https://evil.example"})
    assert status == 403 and "iamsmart_sid" in browser.cookies
    status, _, _ = browser.go("POST", "/v1/oidc/logout", raw=b"x=1",
                              headers={**form, "Origin": PUBLIC_URL})
    assert status == 200 and "iamsmart_sid" not in browser.cookies


# --- 7. mix-up: iss on every authorization response -------------------------------------

def test_7_every_authorization_response_carries_iss(browser: Browser, rp: RP,
                                                    http: Http) -> None:
    _, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri()))
    assert query_of(headers["location"])["iss"] == PUBLIC_URL
    _, headers, _ = Browser(http).go("GET", rp.authorize_path(rp.request_uri(prompt="none")))
    assert query_of(headers["location"])["iss"] == PUBLIC_URL


# --- 8. PAR only; request_uri single use, short-lived, bound to its client --------------

def test_8_authorization_request_not_pushed_is_refused(browser: Browser, rp: RP) -> None:
    uri = rp.request_uri()
    status, headers, _ = browser.go("GET", rp.authorize_path(uri) + "&scope=openid+email")
    assert status == 400 and "location" not in headers


def test_8_request_uri_reused_is_refused(browser: Browser, rp: RP) -> None:
    uri = rp.request_uri()
    assert browser.go("GET", rp.authorize_path(uri))[0] == 302
    status, headers, _ = browser.go("GET", rp.authorize_path(uri))
    assert status == 400 and "location" not in headers


def test_8_request_uri_of_another_client_is_refused(http: Http, browser: Browser,
                                                    rp: RP) -> None:
    other = RP(http, "other-rp")
    remember_consent(other)
    uri = rp.request_uri()
    status, headers, _ = browser.go("GET", other.authorize_path(uri))
    assert status == 400 and "location" not in headers


def test_8_request_uri_expired_is_refused(browser: Browser, rp: RP,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    uri = rp.request_uri()
    from iamsmart.oidc import grants

    later = time.time() + 91
    monkeypatch.setattr(grants, "now", lambda: int(later))
    status, headers, _ = browser.go("GET", rp.authorize_path(uri))
    assert status == 400 and "location" not in headers


def test_8_par_needs_client_authentication(rp: RP) -> None:
    data = rp.par_form()
    del data["client_assertion"], data["client_assertion_type"]
    status, _, body = rp.http.form("/v1/oidc/par", data)
    assert status == 401 and body["error"] == "invalid_client"


# --- 9. DPoP binding end to end ---------------------------------------------------------

def test_9_access_token_needs_its_own_dpop_key_at_userinfo(browser: Browser, rp: RP) -> None:
    _, _, answer = rp.redeem(_code(browser, rp))
    token = answer["access_token"]
    status, headers, _ = rp.userinfo(token, proof=None)  # no proof
    assert status == 401 and headers["www-authenticate"].startswith("DPoP")
    status, headers, _ = rp.userinfo(token, scheme="Bearer", proof=None)  # downgrade
    assert status == 401
    other = ECKey.generate_key("P-256", private=True)
    proof = rp.proof("GET", PUBLIC_URL + "/v1/oidc/userinfo", token, key=other)
    status, headers, _ = rp.userinfo(token, proof=proof)  # another key
    assert status == 401 and 'error="invalid_dpop_proof"' in headers["www-authenticate"]
    proof = rp.proof("GET", PUBLIC_URL + "/v1/oidc/userinfo", token)
    assert rp.userinfo(token, proof=proof)[0] == 200
    assert rp.userinfo(token, proof=proof)[0] == 401  # replayed proof
    proof = rp.proof("POST", PUBLIC_URL + "/v1/oidc/userinfo", token)
    assert rp.userinfo(token, proof=proof)[0] == 401  # wrong htm


def test_9_dpop_jkt_pushed_at_par_binds_the_code(browser: Browser, rp: RP) -> None:
    other = ECKey.generate_key("P-256", private=True)
    code = _code(browser, rp, dpop_jkt=other.thumbprint())
    status, _, answer = rp.redeem(code)  # proof by rp.dpop_key, not the pushed one
    assert status == 400 and answer["error"] == "invalid_grant"


def test_9_refresh_of_a_bound_grant_needs_the_same_key(browser: Browser, rp: RP) -> None:
    _, _, answer = rp.redeem(_code(browser, rp))
    other = ECKey.generate_key("P-256", private=True)
    proof = rp.proof("POST", PUBLIC_URL + "/v1/oidc/token", key=other)
    status, _, body = rp.token({"grant_type": "refresh_token",
                                "refresh_token": answer["refresh_token"]}, proof=proof)
    assert status == 400 and body["error"] == "invalid_grant"


# --- 10. refresh token reuse revokes the family -----------------------------------------

def test_10_refresh_rotation_and_reuse_revokes_the_family(browser: Browser, rp: RP) -> None:
    _, _, first = rp.redeem(_code(browser, rp))
    status, _, second = rp.token({"grant_type": "refresh_token",
                                  "refresh_token": first["refresh_token"]})
    assert status == 200 and second["refresh_token"] != first["refresh_token"]
    assert second["token_type"] == "DPoP" and "id_token" not in second
    assert rp.userinfo(second["access_token"])[0] == 200
    status, _, reused = rp.token({"grant_type": "refresh_token",
                                  "refresh_token": first["refresh_token"]})
    assert status == 400 and reused["error"] == "invalid_grant"
    assert rp.userinfo(second["access_token"])[0] == 401
    status, _, _ = rp.token({"grant_type": "refresh_token",
                             "refresh_token": second["refresh_token"]})
    assert status == 400


# --- 14, 15. framing, Referer and logs --------------------------------------------------

def test_14_our_html_pages_cannot_be_framed(browser: Browser, http: Http) -> None:
    for path in ("/v1/oidc/authorize?client_id=x", "/v1/oidc/logout"):
        _, headers, _ = browser.go("GET", path)
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"


def test_15_no_referrer_on_every_oidc_answer_and_no_secret_in_logs(
        browser: Browser, rp: RP, caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.INFO)  # what the functions log at (botocore wire logs are DEBUG)
    seen: list[dict[str, str]] = []
    status, headers, raw = browser.go("GET", rp.authorize_path(rp.request_uri()))
    seen.append(headers)
    code = query_of(headers["location"])["code"]
    status, headers, answer = rp.redeem(code)
    seen.append(headers)
    rp.redeem(code)  # a replay: logged as an event, without the code
    seen.append(rp.userinfo(answer["access_token"])[1])
    for path in ("/.well-known/openid-configuration", "/v1/oidc/jwks", "/v1/oidc/logout",
                 "/v1/oidc/authorize?client_id=x"):
        seen.append(browser.go("GET", path)[1])
    for h in seen:
        assert h["referrer-policy"] == "no-referrer"
    logs = caplog.text + capsys.readouterr().out
    secrets_seen = [code, code.split(".")[1], answer["access_token"],
                    answer["refresh_token"], answer["id_token"], rp.verifier]
    assert "token replay" in logs  # the logs did capture the flow
    for secret in secrets_seen:
        assert secret not in logs
