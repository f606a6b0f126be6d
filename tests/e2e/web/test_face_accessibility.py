"""Accessibility of the Face data page and the face step-up page: axe-core in both languages
and in elderly mode, nothing overflowing at 360 px, targets at least 44 px tall (check boxes
by their row), no console errors (CSP violations log as errors).

One verified citizen (LEE Siu Mei) walks once: the portal login -> the Face data page
(consent form, then its error) -> enrols (obama.jpg) -> the page with the withdrawal question
open -> the sandbox bank's account opening -> the step-up page with the transaction -> cancels
-> withdraws on the Face data page (the receipt shown and opened) -> the access log; each page
is checked in every display mode (display_modes.MODES).
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_helpers import Axe
from display_modes import each_mode
from login_helpers import DeviceSimulator
from playwright.sync_api import Page, expect
from test_face_stepup_browser import (
    CITIZEN_CODE,
    bank_url,
    enrol_on_face_page,
    open_account,
    withdraw_if_enrolled,
)
from test_login_browser import approve_on_login_page
from test_registration_accessibility import check

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.fixture(scope="module")
def device(platform_url: str, tmp_path_factory: pytest.TempPathFactory) -> DeviceSimulator:
    simulator = DeviceSimulator(platform_url, tmp_path_factory.mktemp("face-a11y") / "d.json")
    simulator.enrol(CITIZEN_CODE)
    return simulator


def test_face_data_and_stepup_pages_pass_axe(web_page: Page, local_platform: dict[str, Any],
                                             platform_url: str, axe: Axe,
                                             device: DeviceSimulator) -> None:
    page = web_page
    page.goto(platform_url + "/v1/me/login")
    expect(page.locator("#login")).to_have_attribute("data-state", "pending")
    approve_on_login_page(page, device)
    expect(page.locator("#link-face")).to_be_visible(timeout=15_000)
    for _, phone in each_mode(page):
        check(page, axe, phone)  # the account page with its Face data link
    withdraw_if_enrolled(page)

    # The Face data page: the consent form, then its error.
    page.goto(platform_url + "/face.html")
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    expect(page.locator("#face-enrol")).to_be_visible()
    for _, phone in each_mode(page):
        check(page, axe, phone)
    page.locator("#face-enrol-btn").click()
    expect(page.locator("#face-consent-error")).to_be_visible()
    expect(page.locator("#face-consent")).to_be_focused()
    for _, phone in each_mode(page):
        expect(page.locator("#face-consent-error")).to_be_visible()
        check(page, axe, phone)

    # Enrolled, with the withdrawal question open.
    enrol_on_face_page(page, platform_url)
    page.locator("#face-withdraw-btn").click()
    expect(page.locator("#face-withdraw-confirm")).to_be_visible()
    for _, phone in each_mode(page):
        expect(page.locator("#face-withdraw-confirm")).to_be_visible()
        check(page, axe, phone)
    page.locator("#face-withdraw-no").click()
    expect(page.locator("#face-withdraw-btn")).to_be_focused()

    # The step-up page, showing the bank's transaction.
    open_account(page, bank_url(local_platform), device)
    expect(page.locator("#stepup-capture")).to_be_visible()
    expect(page.locator("#stepup-txn")).to_be_visible()
    for _, phone in each_mode(page):
        check(page, axe, phone)
    page.locator("#stepup-cancel").click()
    expect(page.locator("#decision")).to_have_attribute("data-outcome", "refused",
                                                        timeout=15_000)

    # Withdrawn: the receipt, opened.
    page.goto(platform_url + "/face.html")
    page.locator("#face-withdraw-btn").click()
    page.locator("#face-withdraw-yes").click()
    expect(page.locator("#face-receipt-check")).to_have_attribute("data-verified", "ok",
                                                                  timeout=15_000)
    expect(page.locator("#face-receipt-title")).to_be_focused()
    page.locator("#face-receipt summary").click()
    expect(page.locator("#face-receipt-raw")).to_be_visible()
    for mode, phone in each_mode(page):
        expect(page.locator("#face-receipt-raw")).to_be_visible()
        check(page, axe, phone)
        if mode == "elderly-en":
            expect(page.locator("#face-receipt-check")).to_contain_text("Signature valid")

    # The one access log shows the face events in plain words.
    page.goto(platform_url + "/access-log.html")
    expect(page.locator('.x-event[data-kind="face"][data-outcome="face_withdrawn"]').first
           ).to_be_visible(timeout=15_000)
    for _, phone in each_mode(page):
        check(page, axe, phone)
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]
