"""Accessibility of the login, consent and account pages: axe-core in both languages and in
elderly mode, nothing overflowing at 360 px, targets at least 44 px tall.

One citizen (who never allows the consent here, so the consent page comes back each time)
walks once: the department's login link -> our login page -> device approval -> the consent
page -> the account page (the single sign-on session exists once the login is approved) -> the
logged-out page; each page is checked in every display mode (display_modes.MODES).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_helpers import Axe
from display_modes import each_mode
from login_helpers import DeviceSimulator, department_url
from playwright.sync_api import Page, expect
from test_web_accessibility import overflowing

pytestmark = pytest.mark.e2e

CITIZEN_CODE = "SANDBOX-CHEUNG-CHI-KEUNG"


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.fixture(scope="module")
def device(platform_url: str, tmp_path_factory: pytest.TempPathFactory) -> DeviceSimulator:
    simulator = DeviceSimulator(platform_url, tmp_path_factory.mktemp("a11y") / "device.json")
    simulator.enrol(CITIZEN_CODE)
    return simulator


def set_mode(page: Page, mode: str) -> None:
    """Switch language / elderly mode with the page's own buttons (remembered per origin)."""
    if "en" in mode.split("-"):
        page.locator("#lang-toggle").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    if mode.startswith("elderly"):
        page.locator("#elderly-toggle").click()
        expect(page.locator("html")).to_have_class("elderly")


def check(page: Page, axe: Axe, phone: bool) -> None:
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    if phone:
        assert overflowing(page) == []
        small = page.evaluate(
            """() => [...document.querySelectorAll('button, select, input, .btn')]
                  .filter((n) => n.offsetParent !== null && n.getBoundingClientRect().height < 44)
                  .map((n) => n.id || n.textContent.trim())""")
        assert small == []


def test_login_consent_and_account_pages_pass_axe(
        web_page: Page, local_platform: dict[str, Any], platform_url: str, axe: Axe,
        device: DeviceSimulator) -> None:
    page = web_page
    page.goto(department_url(local_platform) + "/login")
    expect(page.locator("#login")).to_have_attribute("data-state", "pending")
    expect(page.locator("#login-number")).not_to_be_empty()
    for mode, phone in each_mode(page):
        check(page, axe, phone)
        if mode == "elderly-en":
            size = page.locator("#login-number").evaluate(
                "(n) => parseFloat(getComputedStyle(n).fontSize)")
            assert size >= 80, "the number is larger still in elderly mode"

    payload = page.locator("#login-app-link").get_attribute("href") or ""
    device.approve(payload, int(page.locator("#login-number").inner_text()))
    expect(page).to_have_url(re.compile(r"/consent\.html\?txn="))
    expect(page.locator("#consent")).to_have_attribute("data-state", "ready")
    expect(page.locator("#consent-items li").first).to_be_visible()
    for _, phone in each_mode(page):
        check(page, axe, phone)

    page.goto(platform_url + "/account.html")
    expect(page.locator("#account-in")).to_be_visible()
    expect(page.locator("#account-who")).not_to_be_empty()
    for _, phone in each_mode(page):
        check(page, axe, phone)

    page.goto(platform_url + "/logged-out.html?all=1")
    for _, phone in each_mode(page):
        check(page, axe, phone)
    assert page.problems.unexpected() == []  # type: ignore[attr-defined]


def test_login_page_without_a_transaction_says_so(web_page: Page, platform_url: str,
                                                   axe: Axe) -> None:
    web_page.goto(platform_url + "/login.html?txn=not-a-real-transaction")
    expect(web_page.locator("#login")).to_have_attribute("data-state", "invalid")
    expect(web_page.locator("#login-end-text")).to_contain_text("無法在這個瀏覽器繼續此登入")
    expect(web_page.locator("#login-end-text")).to_be_focused()
    check(web_page, axe, False)
