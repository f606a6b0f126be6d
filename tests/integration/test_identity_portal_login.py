"""Logging in to the portal itself (the account page): the same login transaction, no
relying party behind it, a session at the end; and the two resumes never cross."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from identity_helpers import (  # noqa: F401 - fixtures
    Browser,
    Gateway,
    enrolled_device,
    gateway,
    identity_aws,
    start_login,
)


def _approve(browser: Browser, device, txn: str) -> dict:
    view = browser.call("GET", f"/v1/login/{txn}")[1]
    device.approve(view["qr"]["payload"], number=view["number"])
    return browser.call("GET", f"/v1/login/{txn}")[1]


def test_the_portal_login_ends_on_the_account_page_with_a_session(
        gateway: Gateway, tmp_path: Path) -> None:  # noqa: F811
    device = enrolled_device(gateway, tmp_path)
    citizen = Browser(gateway)
    status, _, headers = citizen.call("GET", "/v1/me/login")
    assert status == 302 and headers["Location"].startswith("/login.html?txn=")
    txn = parse_qs(urlsplit(headers["Location"]).query)["txn"][0]
    view = citizen.call("GET", f"/v1/login/{txn}")[1]
    assert view["service"]["name_en"].startswith("iAM Smart portal")
    done = _approve(citizen, device, txn)
    assert done["status"] == "authenticated"
    assert done["next"] == f"/v1/me/login/resume?txn={txn}"
    status, _, headers = citizen.call("GET", done["next"])
    assert (status, headers["Location"]) == (302, "/account.html")
    assert "iamsmart_login" not in citizen.cookies and "iamsmart_sid" in citizen.cookies
    me = citizen.call("GET", "/v1/me")[1]
    assert me["authenticated"] is True and me["name_en"] == "CHAN Tai Man"
    # Once only: the transaction is consumed.
    assert citizen.call("GET", done["next"])[0] == 404


def test_an_authorization_login_does_not_end_at_the_portal(
        gateway: Gateway, tmp_path: Path) -> None:  # noqa: F811
    device = enrolled_device(gateway, tmp_path)
    citizen = Browser(gateway)
    txn = start_login(citizen, grant_id="grant-1")
    assert _approve(citizen, device, txn)["next"].startswith("/v1/oidc/authorize/resume?")
    assert citizen.call("GET", f"/v1/me/login/resume?txn={txn}")[0] == 404
    assert "iamsmart_sid" not in citizen.cookies
