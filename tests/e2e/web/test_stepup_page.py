"""The face step-up page in Chromium, in both languages, in elderly mode and at 360 px, with
axe: the service and its verb joined as a sentence (no stray space), the transaction as a
styled definition list, styled camera buttons, the capture handed to the app (QR code, number,
same-device link) and completed by the device simulator, and a wrong face refused as an alert
(``role="alert"``) with the tries left, before the same person passes and the bank opens the
account.

A verified citizen (LEE Siu Mei) keeps a template (obama.jpg). The bank asks for the face
level (the step-up page checked in each of STEPUP_MODES); the app (simulator) sends biden.jpg
(refused: the alert with 2 tries left checked in each mode); then obama2.jpg through the new QR
code and number (passed: back at the bank, opened).
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
from axe_helpers import Axe
from display_modes import each_mode, lang_of
from login_helpers import DeviceSimulator
from playwright.sync_api import Page, expect
from test_face_stepup_browser import (
    CITIZEN_CODE,
    FACES,
    back_at_the_bank,
    bank_url,
    enrol_on_face_page,
    open_account,
    withdraw_if_enrolled,
)
from test_login_browser import approve_on_login_page
from test_registration_accessibility import check

from infra.names import ROOT

pytestmark = pytest.mark.e2e

SERVICE_LINE = {"tc": "「沙盒銀行」要求你以面孔核實確認身份。",
                "en": "Sandbox Bank asks you to confirm it is you with a face check."}
TRIES_LEFT = {"tc": "你還可以再試 2 次。", "en": "You can try 2 more times."}
NOT_MATCHED = {"tc": "相片與我們為你保存的面孔不符", "en": "The photo did not match"}
AMOUNT = {"tc": "金額", "en": "Amount"}
# Both languages, elderly mode in both; the phone in English and in elderly Chinese.
STEPUP_MODES = [("tc", False), ("en", True), ("elderly", True), ("elderly-en", False)]


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.fixture(scope="module")
def device(platform_url: str, tmp_path_factory: pytest.TempPathFactory) -> DeviceSimulator:
    simulator = DeviceSimulator(platform_url, tmp_path_factory.mktemp("stepup") / "d.json")
    simulator.enrol(CITIZEN_CODE)
    return simulator


def app_capture(device: DeviceSimulator, page: Page, selfie: str) -> subprocess.CompletedProcess:
    """The citizen scans the page's QR code and picks its number in the app (simulator)."""
    link = page.locator("#stepup-app-link")
    expect(link).to_have_attribute("href", re.compile(r"^iamsmart://liveness\?session="))
    number = page.locator("#stepup-number").inner_text().strip()
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "tools.device", "--base-url", device.base_url,
         "--state", str(device.state), "liveness", "--qr", str(link.get_attribute("href")),
         "--number", number, "--selfie", str(FACES / selfie)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def brand_background(page: Page) -> str:
    return str(page.evaluate("""() => {
        const probe = document.createElement('div');
        probe.style.background = 'var(--brand)';
        document.body.append(probe);
        const colour = getComputedStyle(probe).backgroundColor;
        probe.remove();
        return colour;
    }"""))


def test_stepup_page_hands_the_capture_to_the_app_and_alerts_a_wrong_face(
        web_page: Page, local_platform: dict[str, Any], platform_url: str, axe: Axe,
        device: DeviceSimulator) -> None:
    page = web_page
    page.goto(platform_url + "/v1/me/login")
    expect(page.locator("#login")).to_have_attribute("data-state", "pending")
    approve_on_login_page(page, device)
    expect(page.locator("#link-face")).to_be_visible(timeout=15_000)
    withdraw_if_enrolled(page)
    enrol_on_face_page(page, platform_url)
    bank = bank_url(local_platform)
    open_account(page, bank, device)

    for mode, phone in each_mode(page, STEPUP_MODES):
        lang = lang_of(mode)
        # The service and its verb are one sentence; the transaction is a styled list.
        expect(page.locator("#stepup-service")).to_have_text(SERVICE_LINE[lang])
        rows = page.locator("#txn-details > div")
        expect(rows).to_have_count(4)
        for i in range(4):
            expect(rows.nth(i).locator("dt")).to_have_count(1)
            expect(rows.nth(i).locator("dd")).to_have_count(1)
        expect(page.locator('#txn-details [data-txn="amount"] dt')).to_have_text(AMOUNT[lang])
        expect(page.locator('#txn-details [data-txn="amount"] dd')).to_have_text("HKD 500.00")
        styled = page.evaluate("""() => {
            const dl = getComputedStyle(document.getElementById('txn-details'));
            return dl.display === 'grid' && dl.borderLeftStyle === 'solid'
                   && parseFloat(dl.paddingLeft) > 0;
        }""")
        assert styled, "the transaction is not laid out as the other pages' facts"
        # The capture goes to the app: QR code, number, same-device link; the camera buttons
        # (the sandbox's web capture) look like the other pages' buttons.
        expect(page.locator("#stepup-qr")).to_be_visible()
        expect(page.locator("#stepup-number")).to_have_text(re.compile(r"^\d{2}$"))
        expect(page.locator("#stepup-app-state")).not_to_be_empty()
        camera = page.locator("#camera-start")
        expect(camera).to_be_visible()
        expect(camera).to_have_css("background-color", brand_background(page))
        assert float(camera.evaluate("(n) => n.getBoundingClientRect().height")) >= 44
        check(page, axe, phone)

    # The app captures another person: refused; the page says so in an alert, with the tries
    # left, and shows a new number for the next try.
    first_link = str(page.locator("#stepup-app-link").get_attribute("href"))
    refused = app_capture(device, page, "biden.jpg")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "face_not_matched" in refused.stderr
    alert = page.locator("#stepup-alert")
    expect(alert).to_be_visible(timeout=15_000)
    for mode, phone in each_mode(page, STEPUP_MODES):
        lang = lang_of(mode)
        expect(alert).to_be_visible()
        expect(alert).to_have_attribute("role", "alert")
        expect(alert).to_contain_text(NOT_MATCHED[lang])
        expect(page.locator("#stepup-tries")).to_contain_text(TRIES_LEFT[lang])
        expect(page.locator("#stepup")).to_have_attribute("data-state", "app_waiting")
        assert alert.evaluate("(n) => getComputedStyle(n).borderTopStyle") == "solid"
        check(page, axe, phone)
    expect(page.locator("#stepup-app-link")).not_to_have_attribute("href", first_link)
    # The same person, through the new QR code and number: back at the bank, opened.
    passed = app_capture(device, page, "obama2.jpg")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    back_at_the_bank(page, bank)
    expect(page.locator("#decision")).to_have_attribute("data-outcome", "opened")
    expect(page.locator('tr[data-assurance="liveness"] td')).to_contain_text("not evaluated")
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]
