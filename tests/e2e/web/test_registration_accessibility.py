"""Accessibility of the registration page and the staff console: axe-core in both languages
and in elderly mode, nothing overflowing at 360 px, targets at least 44 px tall, and every
string of both pages defined in both languages. Each state a page reaches is checked in every
display mode (display_modes.MODES).

One card-photo application (sandbox person B111111(1), sent over plain HTTP as the app would)
waits for review: its status page and its review in the staff console are checked too.
"""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest
import requests
from axe_helpers import Axe
from display_modes import each_mode
from playwright.sync_api import Page, expect
from registration_helpers import FACES, staff_key
from test_web_accessibility import overflowing

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.fixture(scope="module")
def in_review(platform_url: str) -> str:
    """An application waiting for a reviewer (card photo: always manual review)."""
    b64 = lambda name: base64.b64encode((FACES / name).read_bytes()).decode()  # noqa: E731
    body = {
        "channel": "web",
        "evidence": {"kind": "card_photo", "photo": b64("obama2.jpg"), "particulars": {
            "hkid": "B111111(1)", "name_en": "LEE, Ka Chun", "name_zh": "李家俊",
            "date_of_birth": "1990-07-01", "sex": "M", "date_of_issue": "2020-09-28"}},
        "selfie": b64("obama3.jpg"),
        "consent": {"face_processing": True},
        "contact": {"phone": "+852 9123 4567"},
        "language": "tc",
    }
    answer = requests.post(f"{platform_url}/v1/registrations", json=body, timeout=30)
    assert answer.status_code == 202, answer.text
    app_id = str(answer.json()["application_id"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = requests.get(f"{platform_url}/v1/registrations/{app_id}", timeout=10).json()
        if status["status"] == "in_review":
            return app_id
        assert status["status"] in ("received", "in_progress"), status
        time.sleep(0.5)
    raise AssertionError("the application did not reach review")


def check(page: Page, axe: Axe, phone: bool) -> None:
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    if phone:
        assert overflowing(page) == []
        # Check boxes and radio buttons count by their row (the label is part of the target).
        small = page.evaluate(
            """() => [...document.querySelectorAll('button, select, textarea, .btn, .check, '
                    + 'input:not([type=checkbox]):not([type=radio])')]
                  .filter((n) => n.offsetParent !== null && n.getBoundingClientRect().height < 44)
                  .map((n) => n.id || n.className || n.textContent.trim())""")
        assert small == []


def test_registration_page_passes_axe(web_page: Page, platform_url: str, axe: Axe,
                                      in_review: str) -> None:
    page = web_page
    page.goto(platform_url + "/register.html")
    expect(page.locator("#evidence-sandbox")).to_be_checked()
    for _, phone in each_mode(page):
        check(page, axe, phone)

    # The card-photo form and the error summary (everything missing).
    page.locator("#evidence-photo").check()
    page.locator("#reg-submit").click()
    expect(page.locator("#reg-errors")).to_be_focused()
    expect(page.locator("#p-hkid-error")).to_be_visible()
    for _, phone in each_mode(page):
        expect(page.locator("#p-hkid-error")).to_be_visible()
        check(page, axe, phone)

    # The status page of an application in review: the progress bar and the steps.
    page.goto(f"{platform_url}/register.html?application={in_review}")
    expect(page.locator("#reg-progress")).to_have_attribute("data-state", "in_review")
    bar = page.locator("#progress-bar")
    assert 0 < int(bar.get_attribute("aria-valuenow") or 0) < int(
        bar.get_attribute("aria-valuemax") or 0)
    for _, phone in each_mode(page):
        check(page, axe, phone)
    assert page.problems.unexpected() == []  # type: ignore[attr-defined]


def test_staff_console_passes_axe(web_page: Page, platform_url: str, axe: Axe,
                                  local_platform: dict[str, Any], in_review: str) -> None:
    page = web_page
    page.goto(platform_url + "/staff.html")
    for _, phone in each_mode(page):
        check(page, axe, phone)

    page.locator("#staff-key").fill(staff_key(local_platform))
    page.locator("#key-use").click()
    expect(page.locator("#staff-work")).to_be_visible()
    page.locator(f"button[data-application='{in_review}']").click()
    expect(page.locator("figure[data-image=selfie] img")).to_be_visible()
    for _, phone in each_mode(page):
        check(page, axe, phone)
        for img in page.locator(".staff-images img").all():
            assert img.get_attribute("alt")
    assert page.problems.unexpected() == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["/register.html", "/staff.html"])
def test_every_string_exists_in_both_languages(web_page: Page, platform_url: str,
                                               path: str) -> None:
    web_page.goto(platform_url + path)
    missing = web_page.evaluate(
        """async () => {
            const { STRINGS } = await import('/assets/js/i18n.js');
            const attrs = ['i18n', 'i18nAriaLabel', 'i18nAlt', 'i18nPlaceholder'];
            const used = [];
            for (const node of document.querySelectorAll('*')) {
              for (const a of attrs) if (node.dataset[a]) used.push(node.dataset[a]);
            }
            return used.filter((k) => !STRINGS.tc[k] || !STRINGS.en[k]);
        }""")
    assert missing == []
    # The scripts' own keys: every t(lang, 'reg.…' / 'staff.…') literal is defined in both.
    script = "/assets/js/register.js" if "register" in path else "/assets/js/staff.js"
    source = requests.get(platform_url + script, timeout=10).text
    keys = set(re.findall(r"'((?:reg|staff)\.[a-z0-9_.]+)'", source))
    assert keys
    undefined = web_page.evaluate(
        """async (keys) => {
            const { STRINGS } = await import('/assets/js/i18n.js');
            return keys.filter((k) => !STRINGS.tc[k] || !STRINGS.en[k]);
        }""", sorted(keys))
    assert undefined == []
