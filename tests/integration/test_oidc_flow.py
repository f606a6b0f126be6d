"""The whole OpenID Provider flow over HTTP on moto: PAR -> authorize -> (login by the device
simulator) -> consent -> token -> userinfo, SSO one-click, consent remembered and asked again
when the scopes widen, step-up, and the AWS calls a login costs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from oidc_helpers import (
    CITIZEN,
    PUBLIC_URL,
    REDIRECT,
    RP,
    Browser,
    Http,
    aws_calls,
    op_aws,  # noqa: F401 - fixture
    query_of,
    remember_consent,
    sso_session,
)

from iamsmart.identity import assurance
from iamsmart.oidc import signing

pytestmark = pytest.mark.usefixtures("op_aws")


def _code(browser: Browser, rp: RP, request_uri: str) -> str:
    status, headers, _ = browser.go("GET", rp.authorize_path(request_uri))
    assert status == 302, headers
    params = query_of(headers["location"])
    assert headers["location"].startswith(REDIRECT + "?")
    assert params["iss"] == PUBLIC_URL and params["state"] == rp.state
    return params["code"]


def test_sso_one_click_login_and_tokens(http: Http, rp: RP) -> None:
    browser = Browser(http)
    session = sso_session(browser)
    remember_consent(rp)
    code = _code(browser, rp, rp.request_uri())
    status, headers, answer = rp.redeem(code)
    assert status == 200, answer
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert answer["token_type"] == "DPoP" and answer["scope"] == "openid profile"
    assert answer["expires_in"] == 300
    claims = signing.verify(answer["id_token"])
    assert claims["iss"] == PUBLIC_URL and claims["aud"] == rp.client_id
    assert claims["nonce"] == rp.nonce and claims["sid"] == session.id
    assert claims["acr"] == assurance.ACR_BASIC and claims["amr"] == list(assurance.AMR_DEVICE)
    assert claims["auth_time"] == session.auth_time
    assert claims["name"] == "CHAN Tai Man" and claims["name#zh-Hant"] == "陳大文"
    assert "email" not in claims  # not asked for
    assert claims["sub"] != CITIZEN and len(claims["sub"]) == 43  # pairwise, not the id

    status, headers, info = rp.userinfo(answer["access_token"])
    assert status == 200, info
    assert info == {"sub": claims["sub"], "name": "CHAN Tai Man", "name#zh-Hant": "陳大文"}


def test_claims_parameter_releases_an_allowed_claim_only(http: Http, rp: RP) -> None:
    browser = Browser(http)
    sso_session(browser)
    remember_consent(rp, scopes=("openid",), claims=("birthdate",))
    asked = '{"userinfo": {"birthdate": null}, "id_token": {"acr": {"essential": true}}}'
    code = _code(browser, rp, rp.request_uri(scope="openid", claims=asked))
    _, _, answer = rp.redeem(code)
    assert signing.verify(answer["id_token"])["birthdate"] == "1985-03-14"
    status, _, info = rp.userinfo(answer["access_token"])
    assert info == {"sub": info["sub"], "birthdate": "1985-03-14"}
    # THREATS 18: a claim outside the client's registration is refused at PAR.
    status, body = rp.par(claims='{"userinfo": {"phone_number": null}}', scope="openid")
    assert status == 400 and body["error"] == "invalid_request"


def test_sso_login_costs_at_most_six_aws_calls_warm(http: Http, rp: RP) -> None:
    browser = Browser(http)
    sso_session(browser)
    remember_consent(rp)
    # Warm: the first login resolves the signing key and the client registration.
    code = _code(browser, rp, rp.request_uri())
    assert rp.redeem(code)[0] == 200
    with aws_calls() as calls:
        code = _code(browser, rp, rp.request_uri())
        status, _, answer = rp.redeem(code)
    assert status == 200, answer
    print("SSO login AWS calls:", len(calls), calls)
    assert calls.count("kms.Sign") == 1
    assert len(calls) <= 6


def _device(http: Http, tmp_path: Path) -> Any:
    """A device simulator enrolled for the sandbox citizen, talking to the same app."""
    from identity_helpers import PUBLIC_URL as DEVICE_URL
    from identity_helpers import Gateway, enrolled_device

    assert DEVICE_URL == PUBLIC_URL
    gateway = Gateway.__new__(Gateway)
    gateway._gateway = http._gateway  # the same app, for the device's own requests
    gateway.source_ip = "198.51.100.9"
    return enrolled_device(gateway, tmp_path)


def _device_login(http: Http, browser: Browser, location: str, tmp_path: Path,
                  device: Any = None) -> str:
    """The login page's part: show the number, approve on the device simulator; the resume
    URL the page then goes to."""
    assert location.startswith("/login.html?txn=")
    txn = query_of(location)["txn"]
    status, page = browser.json("GET", f"/v1/login/{txn}")
    assert status == 200, page
    device = device or _device(http, tmp_path)
    device.approve(page["qr"]["payload"], number=page["number"])
    status, page = browser.json("GET", f"/v1/login/{txn}")
    assert page["status"] == "authenticated"
    return str(page["next"])


def test_fresh_login_with_device_then_consent_then_sso(http: Http, rp: RP,
                                                       tmp_path: Path) -> None:
    device = _device(http, tmp_path)
    # Warm the function (signing key, client registration) with another citizen's SSO login.
    warm = Browser(http)
    sso_session(warm, "sandbox-lee-siu-mei")
    remember_consent(rp, "sandbox-lee-siu-mei")
    _code(warm, rp, rp.request_uri())

    browser = Browser(http)
    phases: dict[str, int] = {}

    def step(name: str, calls: list[str]) -> None:
        phases[name] = len(calls) - sum(phases.values())

    with aws_calls() as calls:
        request_uri = rp.request_uri()
        step("par", calls)
        status, headers, _ = browser.go("GET", rp.authorize_path(request_uri))
        assert status == 302
        assert headers["referrer-policy"] == "no-referrer"
        step("authorize", calls)
        resume = _device_login(http, browser, headers["location"], tmp_path, device)
        step("login page + device approval (identity)", calls)
        status, headers, _ = browser.go("GET", resume)
        assert status == 302 and "iamsmart_sid" in browser.cookies
        step("resume", calls)
        location = headers["location"]
        assert location.startswith("/consent.html?txn=")
        handle = query_of(location)["txn"]
        status, asked = browser.json("GET", f"/v1/oidc/consent/{handle}")
        assert status == 200, asked
        assert asked["client"]["name_tc"] == "沙盒部門服務"
        assert [s["scope"] for s in asked["scopes"]] == ["openid", "profile"]
        assert {c["claim"] for c in asked["claims"]} == {"name", "name#zh-Hant"}
        step("consent view", calls)
        status, decided = browser.json("POST", f"/v1/oidc/consent/{handle}",
                                       {"decision": "allow"})
        assert status == 200, decided
        step("consent allow", calls)
        params = query_of(decided["next"])
        assert params["state"] == rp.state and params["iss"] == PUBLIC_URL
        status, _, answer = rp.redeem(params["code"])
        assert status == 200, answer
        step("token", calls)
    print("fresh login AWS calls:", len(calls), phases, calls)
    assert calls.count("kms.Sign") == 1
    # PAR one transaction; resume: one read (the login with the grant, account and consent
    # its resume hint names), then the login taken and the session opened in the grant's own
    # transaction; token: a read and one transaction.
    assert phases["par"] == 1 and phases["resume"] == 2 and phases["token"] == 2
    claims = signing.verify(answer["id_token"])
    assert claims["acr"] == assurance.ACR_BASIC

    # Next time: SSO, consent remembered, no page at all.
    code = _code(browser, rp, rp.request_uri())
    status, _, again = rp.redeem(code)
    assert signing.verify(again["id_token"])["sub"] == claims["sub"]


@pytest.mark.parametrize("hint", ["forged", "none"])
def test_the_resume_hint_is_only_a_hint(http: Http, rp: RP, tmp_path: Path,
                                        hint: str) -> None:
    """The resume reads what the browser's ``iamsmart_resume`` cookie names, but the login
    transaction decides: a hint naming another citizen, grant and service (or no hint)
    costs one more read, and the code is for the citizen who approved, once."""
    remember_consent(rp, "sandbox-chan-tai-man")
    victim_grant = query_of(rp.authorize_path(rp.request_uri()))["request_uri"].rsplit(":", 1)[1]
    browser = Browser(http)
    status, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri()))
    assert status == 302
    resume = _device_login(http, browser, headers["location"], tmp_path)
    txn = query_of(resume)["txn"]
    assert browser.cookies["iamsmart_resume"].split("~")[:2] == [txn, "sandbox-chan-tai-man"]
    if hint == "forged":
        browser.cookies["iamsmart_resume"] = "~".join(
            (txn, "sandbox-lee-siu-mei", victim_grant, "sandbox-other"))
    else:
        del browser.cookies["iamsmart_resume"]
    with aws_calls() as calls:
        status, headers, _ = browser.go("GET", resume)
    assert status == 302, headers
    assert len([c for c in calls if c.startswith("dynamodb.")]) == 3  # one read more
    assert "iamsmart_resume" not in browser.cookies  # cleared
    params = query_of(headers["location"])
    status, _, answer = rp.redeem(params["code"])
    assert status == 200, answer
    assert signing.verify(answer["id_token"])["name"] == "CHAN Tai Man"
    status, headers, _ = browser.go("GET", resume)  # used once
    assert status != 302 or "code=" not in headers.get("location", "")


def test_wider_scope_asks_consent_again(http: Http, rp: RP) -> None:
    """THREATS 17: consent given for openid+profile does not cover email."""
    browser = Browser(http)
    sso_session(browser)
    remember_consent(rp)
    status, headers, _ = browser.go("GET", rp.authorize_path(
        rp.request_uri(scope="openid profile email")))
    assert status == 302 and headers["location"].startswith("/consent.html?txn=")
    handle = query_of(headers["location"])["txn"]
    status, asked = browser.json("GET", f"/v1/oidc/consent/{handle}")
    assert "email" in [s["scope"] for s in asked["scopes"]]
    status, decided = browser.json("POST", f"/v1/oidc/consent/{handle}", {"decision": "allow"})
    code = query_of(decided["next"])["code"]
    _, _, answer = rp.redeem(code)
    assert signing.verify(answer["id_token"])["email"] == "chan.tai.man@sandbox.iamsmart.local"
    # Now remembered with email too: straight through.
    _code(browser, rp, rp.request_uri(scope="openid email"))


def test_consent_denied_goes_back_with_access_denied(http: Http, rp: RP) -> None:
    browser = Browser(http)
    sso_session(browser)
    status, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri()))
    handle = query_of(headers["location"])["txn"]
    status, decided = browser.json("POST", f"/v1/oidc/consent/{handle}", {"decision": "deny"})
    assert status == 200
    params = query_of(decided["next"])
    assert decided["next"].startswith(REDIRECT)
    assert params["error"] == "access_denied" and params["iss"] == PUBLIC_URL
    assert params["state"] == rp.state and "code" not in params


def test_consent_page_needs_the_session_that_logged_in(http: Http, rp: RP) -> None:
    browser = Browser(http)
    sso_session(browser)
    _, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri()))
    handle = query_of(headers["location"])["txn"]
    other = Browser(http)
    sso_session(other, "sandbox-lee-siu-mei")
    assert other.json("GET", f"/v1/oidc/consent/{handle}")[0] == 404
    assert other.json("POST", f"/v1/oidc/consent/{handle}", {"decision": "allow"})[0] == 404
    assert Browser(http).json("GET", f"/v1/oidc/consent/{handle}")[0] == 401
    # A cross-site form post (not JSON) is refused even with the right session.
    status, _, _ = browser.go("POST", f"/v1/oidc/consent/{handle}", raw=b"decision=allow",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status in (400, 415)


@pytest.mark.parametrize("extra", [
    {"prompt": "login"},
    {"max_age": "60"},
    {"acr_values": assurance.ACR_PLUS},
])
def test_step_up_forces_a_new_login(http: Http, rp: RP, extra: dict[str, str]) -> None:
    browser = Browser(http)
    sso_session(browser, auth_time=int(time.time()) - 600)
    remember_consent(rp)
    status, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri(**extra)))
    assert status == 302 and headers["location"].startswith("/login.html?txn=")


def test_max_age_zero_forces_a_new_login_even_in_the_same_second(
        http: Http, rp: RP, monkeypatch: pytest.MonkeyPatch) -> None:
    from iamsmart.oidc import grants

    second = int(time.time())
    monkeypatch.setattr(grants, "now", lambda: second)  # the session and the request share it
    browser = Browser(http)
    sso_session(browser, auth_time=second)
    remember_consent(rp)
    status, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri(max_age="0")))
    assert status == 302 and headers["location"].startswith("/login.html?txn=")
    # Without max_age the same session is used (a code goes straight back).
    status, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri()))
    assert status == 302 and "code=" in headers["location"]


def test_session_that_satisfies_max_age_and_acr_is_used(http: Http, rp: RP) -> None:
    browser = Browser(http)
    sso_session(browser, "sandbox-lee-siu-mei", acr=assurance.ACR_PLUS)
    remember_consent(rp, "sandbox-lee-siu-mei")
    code = _code(browser, rp, rp.request_uri(max_age="60", acr_values=assurance.ACR_PLUS))
    _, _, answer = rp.redeem(code)
    assert signing.verify(answer["id_token"])["acr"] == assurance.ACR_PLUS


def test_plus_asked_but_basic_done_claims_basic(http: Http, rp: RP, tmp_path: Path) -> None:
    """The ID token's acr is what was done, never what was asked (issue item 9)."""
    browser = Browser(http)
    status, headers, _ = browser.go("GET", rp.authorize_path(
        rp.request_uri(acr_values=assurance.ACR_PLUS)))
    resume = _device_login(http, browser, headers["location"], tmp_path)
    _, headers, _ = browser.go("GET", resume)
    handle = query_of(headers["location"])["txn"]
    _, decided = browser.json("POST", f"/v1/oidc/consent/{handle}", {"decision": "allow"})
    _, _, answer = rp.redeem(query_of(decided["next"])["code"])
    assert signing.verify(answer["id_token"])["acr"] == assurance.ACR_BASIC


@pytest.mark.parametrize(("situation", "error"), [
    ("no-session", "login_required"),
    ("no-consent", "consent_required"),
])
def test_prompt_none_answers_with_an_error_redirect(http: Http, rp: RP, situation: str,
                                                    error: str) -> None:
    browser = Browser(http)
    if situation == "no-consent":
        sso_session(browser)
    status, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri(prompt="none")))
    assert status == 302
    params = query_of(headers["location"])
    assert headers["location"].startswith(REDIRECT)
    assert params == {"error": error, "error_description": params["error_description"],
                      "state": rp.state, "iss": PUBLIC_URL}


def test_an_expired_login_leads_back_to_the_service_with_access_denied(
        http: Http, rp: RP, monkeypatch: pytest.MonkeyPatch) -> None:
    """The login page's "Back to the service" on an expired login: its ``next`` takes the
    citizen to the service's redirect URI with ``access_denied`` and the service's state."""
    from iamsmart.identity import dal

    browser = Browser(http)
    status, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri()))
    assert status == 302
    txn = query_of(headers["location"])["txn"]
    later = dal.now() + 301
    monkeypatch.setattr(dal, "now", lambda: later)
    status, page = browser.json("GET", f"/v1/login/{txn}")  # the cookie outlives the login
    assert status == 200 and page["status"] == "expired", page
    status, headers, _ = browser.go("GET", page["next"])
    assert status == 302, headers
    params = query_of(headers["location"])
    assert params["error"] == "access_denied" and params["state"] == rp.state
