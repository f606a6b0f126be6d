"""Passkeys over the real API on moto (H2): registration by a logged-in citizen, login with a
discoverable credential against the transaction's own challenge; wrong challenge, wrong
origin, no user verification, unknown credential, replayed assertion all refused."""

from __future__ import annotations

import pytest
from identity_helpers import (  # noqa: F401 - fixtures
    Browser,
    Gateway,
    SoftAuthenticator,
    gateway,
    identity_aws,
    logged_in,
    start_login,
)

from iamsmart.identity import assurance, login


def _register(browser: Browser, authenticator: SoftAuthenticator) -> dict:
    status, options, _ = browser.call("POST", "/v1/me/passkeys/options", {})
    assert status == 200, options
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    status, created, _ = browser.call("POST", "/v1/me/passkeys",
                                      {"credential": authenticator.create(options),
                                       "label": "Laptop"})
    assert status == 201, created
    return created


@pytest.fixture
def with_passkey(gateway: Gateway) -> tuple[SoftAuthenticator, Browser]:  # noqa: F811
    citizen = Browser(gateway)
    logged_in(citizen)
    authenticator = SoftAuthenticator()
    _register(citizen, authenticator)
    return authenticator, citizen


def _login_page(gateway: Gateway) -> tuple[Browser, str, dict]:  # noqa: F811
    browser = Browser(gateway)
    txn = start_login(browser)
    status, page, _ = browser.call("GET", f"/v1/login/{txn}")
    assert status == 200
    return browser, txn, page


def test_register_list_and_delete_passkeys(gateway: Gateway):  # noqa: F811
    citizen = Browser(gateway)
    logged_in(citizen)
    authenticator = SoftAuthenticator()
    created = _register(citizen, authenticator)
    status, listed, _ = citizen.call("GET", "/v1/me/passkeys")
    assert status == 200 and [p["id"] for p in listed["passkeys"]] == [created["id"]]
    assert listed["passkeys"][0]["label"] == "Laptop"
    # the next registration excludes the existing credential
    _, options, _ = citizen.call("POST", "/v1/me/passkeys/options", {})
    assert [c["id"] for c in options["excludeCredentials"]] == [created["id"]]
    # a registration response is single use (its challenge was consumed)
    second = authenticator.create(options)
    assert citizen.call("POST", "/v1/me/passkeys", {"credential": second})[0] == 201
    assert citizen.call("POST", "/v1/me/passkeys", {"credential": second})[0] == 403
    status, _, _ = citizen.call("DELETE", f"/v1/me/passkeys/{created['id']}",
                                headers={"Content-Type": "application/json"})
    assert status == 200
    _, listed, _ = citizen.call("GET", "/v1/me/passkeys")
    assert len(listed["passkeys"]) == 1


def test_registration_needs_a_session_and_json(gateway: Gateway):  # noqa: F811
    stranger = Browser(gateway)
    status, answer, _ = stranger.call("POST", "/v1/me/passkeys/options", {})
    assert status == 401 and answer["message"]["tc"]
    citizen = Browser(gateway)
    logged_in(citizen)
    status, _, _ = citizen.call("POST", "/v1/me/passkeys/options",
                                headers={"Content-Type": "text/plain"})
    assert status == 415  # chalice itself refuses a form-like body
    status, answer, _ = citizen.call("POST", "/v1/me/passkeys/options")  # no Content-Type
    assert status == 400 and answer["error"] == "json_required"


def test_registration_from_another_origin_is_refused(gateway: Gateway):  # noqa: F811
    citizen = Browser(gateway)
    logged_in(citizen)
    _, options, _ = citizen.call("POST", "/v1/me/passkeys/options", {})
    credential = SoftAuthenticator(origin="https://evil.example").create(options)
    assert citizen.call("POST", "/v1/me/passkeys", {"credential": credential})[0] == 403


def test_passkey_login(gateway: Gateway, with_passkey):  # noqa: F811
    authenticator, _ = with_passkey
    browser, txn, page = _login_page(gateway)
    status, answer, _ = browser.call("POST", f"/v1/login/{txn}/passkey",
                                     {"credential": authenticator.get(page["passkey"])})
    assert status == 200, answer
    assert answer == {"status": "authenticated",
                      "next": f"/v1/oidc/authorize/resume?txn={txn}"}
    result = login.result(txn, f"iamsmart_login={browser.cookies['iamsmart_login']}")
    assert result.account_id == "sandbox-chan-tai-man"
    assert result.amr == assurance.AMR_PASSKEY and result.acr == assurance.ACR_BASIC


def test_assertion_for_another_transactions_challenge_fails(gateway: Gateway,  # noqa: F811
                                                            with_passkey):
    authenticator, _ = with_passkey
    _, _, other_page = _login_page(gateway)
    browser, txn, _ = _login_page(gateway)
    status, answer, _ = browser.call("POST", f"/v1/login/{txn}/passkey",
                                     {"credential": authenticator.get(other_page["passkey"])})
    assert status == 403 and answer["error"] == "passkey_rejected"
    assert browser.call("GET", f"/v1/login/{txn}")[1]["status"] == "pending"


@pytest.mark.parametrize("attack", ["origin", "rp_id", "no_uv", "user_handle", "replay"])
def test_bad_assertions_are_refused(gateway: Gateway, with_passkey, attack: str):  # noqa: F811
    authenticator, _ = with_passkey
    browser, txn, page = _login_page(gateway)
    options = dict(page["passkey"])
    if attack == "origin":
        credential = authenticator.get(options, origin="https://evil.example")
    elif attack == "rp_id":
        credential = authenticator.get({**options, "rpId": "evil.example"})
    elif attack == "no_uv":
        credential = authenticator.get(options, user_verified=False)
    elif attack == "user_handle":  # someone else's account named as the owner
        credential = authenticator.get(options, user_handle=b"sandbox-lee-siu-mei")
    else:  # an assertion already used (sign count not advancing), on a new transaction
        first = authenticator.get(options)
        assert browser.call("POST", f"/v1/login/{txn}/passkey", {"credential": first})[0] == 200
        browser, txn, page = _login_page(gateway)
        credential = first
    status, answer, _ = browser.call("POST", f"/v1/login/{txn}/passkey",
                                     {"credential": credential})
    assert status == 403, answer
    assert browser.call("GET", f"/v1/login/{txn}")[1]["status"] == "pending"


def test_passkey_post_needs_the_login_cookie(gateway: Gateway, with_passkey):  # noqa: F811
    authenticator, _ = with_passkey
    browser, txn, page = _login_page(gateway)
    other = Browser(gateway)
    status, _, _ = other.call("POST", f"/v1/login/{txn}/passkey",
                              {"credential": authenticator.get(page["passkey"])})
    assert status == 404


def test_a_passkey_name_of_spaces_only_is_refused_and_nothing_is_kept(gateway: Gateway):  # noqa: F811
    citizen = Browser(gateway)
    logged_in(citizen)
    authenticator = SoftAuthenticator()
    _, options, _ = citizen.call("POST", "/v1/me/passkeys/options", {})
    status, answer, _ = citizen.call("POST", "/v1/me/passkeys",
                                     {"credential": authenticator.create(options), "label": "   "})
    assert status == 400 and answer["message"]["tc"] and answer["message"]["en"]
    assert citizen.call("GET", "/v1/me/passkeys")[1]["passkeys"] == []
