"""A citizen in Chromium (with its virtual WebAuthn authenticator) logs in to the sandbox
department service: first by approving with the device simulator, then adds a passkey on the
account page, logs out, logs in again with the passkey; and one-click login from the portal's
catalogue lands signed in with no prompt."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from login_helpers import DeviceSimulator, department_url
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.e2e

CITIZEN_CODE = "SANDBOX-CHAN-TAI-MAN"
TD_SERVICE = "iamsmart-2023-47"


@pytest.fixture(scope="module")
def device(platform_url: str, tmp_path_factory: pytest.TempPathFactory) -> DeviceSimulator:
    simulator = DeviceSimulator(platform_url, tmp_path_factory.mktemp("browser") / "device.json")
    simulator.enrol(CITIZEN_CODE)
    return simulator


@pytest.fixture
def department(local_platform: dict[str, Any]) -> str:
    return department_url(local_platform)


@pytest.fixture
def citizen(web_context: BrowserContext) -> Iterator[Page]:
    """A page whose browser has a platform authenticator (user-verifying, resident keys)."""
    page = web_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    cdp = web_context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})
    page.js_errors = errors  # type: ignore[attr-defined]
    yield page
    assert errors == [], errors


def approve_on_login_page(page: Page, device: DeviceSimulator) -> None:
    """On our login page: read the number and the app link, approve with the simulator."""
    expect(page.locator("#login")).to_have_attribute("data-state", "pending")
    number = int(page.locator("#login-number").inner_text())
    assert 10 <= number <= 99
    qr = page.locator("#login-qr")
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml")
    payload = page.locator("#login-app-link").get_attribute("href")
    assert payload and payload.startswith("iamsmart://approve?")
    device.approve(payload, number)


def expect_signed_in(page: Page, department: str, amr: str) -> None:
    expect(page).to_have_url(f"{department}/me", timeout=15_000)
    expect(page.locator("#welcome")).to_contain_text("CHAN Tai Man")
    expect(page.locator('tr[data-claim="amr"] td')).to_have_text(amr)
    expect(page.locator('tr[data-claim="acr"] td')).to_have_text("urn:iamsmart:acr:basic")
    expect(page.locator('tr[data-claim="email"] td')).to_have_text(
        "chan.tai.man@sandbox.iamsmart.local")
    expect(page.locator('tr[data-item="token_type"] td')).to_have_text("DPoP")


def test_device_login_passkey_logout_and_passkey_login(
        citizen: Page, platform_url: str, department: str, device: DeviceSimulator) -> None:
    page = citizen
    # 1. The department's home page: bilingual "Login with iAM Smart".
    page.goto(department + "/")
    button = page.locator("#login")
    expect(button).to_contain_text("Login with iAM Smart")
    expect(button).to_contain_text("以「智方便」登入")
    button.click()

    # 2. Our login page (QR + number); approve with the device simulator; the page moves on.
    expect(page).to_have_url(re.compile(re.escape(platform_url) + r"/login\.html\?txn="))
    expect(page.locator("#login-service")).to_contain_text("運輸署沙盒服務")
    approve_on_login_page(page, device)

    # 3. First time: the consent screen, in plain words; allow.
    expect(page).to_have_url(re.compile(re.escape(platform_url) + r"/consent\.html\?txn="))
    expect(page.locator("#consent-items li")).to_have_count(4)
    expect(page.locator("#consent-items")).to_contain_text("你的電郵地址")
    page.locator("#consent-allow").click()
    expect_signed_in(page, department, "hwk, mca")

    # 4. The account page: the service is connected; add a passkey (virtual authenticator).
    page.goto(platform_url + "/account.html")
    expect(page.locator("#account-who")).to_contain_text("陳大文")
    expect(page.locator('#connections-list li[data-client-id="sandbox-td"]')).to_be_visible()
    page.locator("#passkey-label").fill("我的電腦")
    page.locator("#passkey-add").click()
    expect(page.locator("#passkeys-list li")).to_have_count(1)
    expect(page.locator("#passkeys-list")).to_contain_text("我的電腦")
    expect(page.locator("#account-status")).to_contain_text("已加入通行密鑰")

    # 5. Log out at the department: RP-initiated logout ends the single sign-on session too.
    page.goto(department + "/me")
    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(re.escape(department) + r"/(\?.*)?$"))
    expect(page.locator("#login")).to_be_visible()
    page.goto(platform_url + "/account.html")
    expect(page.locator("#account-out")).to_be_visible()

    # 6. Log in again with the passkey: no app needed, no consent asked again.
    page.goto(department + "/")
    page.locator("#login").click()
    expect(page.locator("#login")).to_have_attribute("data-state", "pending")
    page.locator("#login-passkey").click()
    expect_signed_in(page, department, "hwk, user")


def test_one_click_login_from_the_portal_with_a_session(
        citizen: Page, web_context: BrowserContext, platform_url: str, department: str,
        device: DeviceSimulator) -> None:
    page = citizen
    # Log in once (device approval; consent may already be remembered from another test).
    page.goto(department + "/login")
    approve_on_login_page(page, device)
    page.wait_for_url(re.compile(r"/(consent\.html\?txn=|me$)"))
    if "/consent.html" in page.url:
        page.locator("#consent-allow").click()
    expect_signed_in(page, department, "hwk, mca")

    # The department forgets us; the platform's session remains.
    web_context.clear_cookies(domain="127.0.0.1")
    page.goto(department + "/me")
    expect(page.locator("#login")).to_be_visible()

    # The portal knows we are logged in: header link and the service's one-click action.
    page.goto(platform_url + "/")
    expect(page.locator("#account-link")).to_have_text("我的帳戶")
    card = page.locator(f'#service-list li[data-id="{TD_SERVICE}"]')
    action = card.locator("a.btn-iam")
    expect(action).to_contain_text("登入此服務")
    href = action.get_attribute("href") or ""
    assert href.startswith(department + "/login?") and "iss=" in href

    seen: list[str] = []
    page.on("framenavigated", lambda frame: seen.append(frame.url))
    action.click()
    expect_signed_in(page, department, "hwk, mca")
    assert not any("/login.html" in url or "/consent.html" in url for url in seen), seen
