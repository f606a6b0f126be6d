"""Accessibility of the data-exchange pages: the consent page asking for departments' data,
"My consents" (with a receipt opened), "Who read my data" and "My data": axe-core in both
languages and in elderly mode, nothing overflowing at 360 px, targets at least 44 px tall, no
console errors (CSP violations log as errors).

One citizen walks once: the department's e-ME form -> login (device approval) -> the consent
page -> the filled form -> the three portal pages and the account page, then revokes the
consent on "My consents"; each page is checked in every display mode (display_modes.MODES;
the department's form, a site of its own, at both sizes).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_helpers import Axe
from display_modes import each_mode, each_viewport
from login_helpers import DeviceSimulator, department_url
from playwright.sync_api import Page, expect
from test_login_accessibility import check
from test_login_browser import approve_on_login_page

pytestmark = pytest.mark.e2e

CITIZEN_CODE = "SANDBOX-WONG-KA-YAN"


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.fixture(scope="module")
def device(platform_url: str, tmp_path_factory: pytest.TempPathFactory) -> DeviceSimulator:
    simulator = DeviceSimulator(platform_url, tmp_path_factory.mktemp("x-a11y") / "device.json")
    simulator.enrol(CITIZEN_CODE)
    return simulator


def test_exchange_pages_pass_axe(web_page: Page, local_platform: dict[str, Any],
                                 platform_url: str, axe: Axe, device: DeviceSimulator) -> None:
    page = web_page
    department = department_url(local_platform)
    page.goto(department + "/apply")
    page.locator("#fill").click()
    expect(page.locator("#login")).to_have_attribute("data-state", "pending")
    approve_on_login_page(page, device)

    expect(page).to_have_url(re.compile(r"/consent\.html\?txn="), timeout=15_000)
    expect(page.locator("#consent")).to_have_attribute("data-state", "ready")
    expect(page.locator("#consent-exchange")).to_be_visible()
    for _, phone in each_mode(page):
        check(page, axe, phone)
    page.locator("#consent-allow").click()
    expect(page).to_have_url(f"{department}/apply", timeout=15_000)
    expect(page.locator('[data-field="address"]')).to_have_attribute("data-filled", "yes")
    # The department's form: its own site, bilingual side by side (no switches of ours).
    for phone in each_viewport(page):
        check(page, axe, phone)

    page.goto(platform_url + "/my-consents.html")
    consent = page.locator('.x-consent[data-status="active"]').first
    expect(consent.locator(".x-receipt")).to_have_attribute("data-verified", "ok",
                                                           timeout=10_000)
    consent.locator("summary").click()
    expect(consent.locator(".x-receipt-claims")).to_be_visible()
    for _, phone in each_mode(page):
        check(page, axe, phone)

    page.goto(platform_url + "/access-log.html")
    expect(page.locator(".x-event").first).to_be_visible()
    for _, phone in each_mode(page):
        check(page, axe, phone)

    page.goto(platform_url + "/my-data.html")
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=15_000)
    for _, phone in each_mode(page):
        check(page, axe, phone)

    page.goto(platform_url + "/account.html")
    expect(page.locator("#link-my-data")).to_be_visible()
    for _, phone in each_mode(page):
        check(page, axe, phone)

    # Revoked: "My consents" with nothing active.
    page.goto(platform_url + "/my-consents.html")
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    active = page.locator('.x-consent[data-status="active"]')
    assert active.count() >= 1
    while active.count():
        active.first.locator(".x-revoke").click()
        expect(page.locator("#x-status")).not_to_be_empty()
        page.reload()
        expect(page.locator("body")).to_have_attribute("data-state", "ready")
    for _, phone in each_mode(page):
        check(page, axe, phone)
    assert page.problems.unexpected() == []  # type: ignore[attr-defined]


def test_exchange_pages_without_a_session(web_page: Page, platform_url: str, axe: Axe) -> None:
    for path in ("/my-data.html", "/my-consents.html", "/access-log.html"):
        web_page.goto(platform_url + path)
        expect(web_page.locator("#x-out")).to_be_visible()
        expect(web_page.locator("#x-login")).to_have_attribute("href", "/v1/me/login")
        check(web_page, axe, False)
    web_page.locator("#lang-toggle").click()
    expect(web_page.locator("#x-out")).to_contain_text("You are not logged in")
    expect(web_page).to_have_title(re.compile("Who read my data"))
    check(web_page, axe, False)
