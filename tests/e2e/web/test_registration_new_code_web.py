"""A missed enrolment code is not a dead end (issue 11 item 7): the page shows a short
reference to quote and a link to come back to, says where to ask for help (sandbox details
marked as such), and gives a new code after verifying again with the same card and a new
selfie; the old code stops working. Checked with axe, in elderly mode and at 360 px.

Uses sandbox person WX123456(9) (record photo biden.jpg), registering with that same face."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_helpers import Axe
from display_modes import PHONE, each_mode
from login_helpers import DeviceSimulator
from playwright.sync_api import Page, expect
from registration_helpers import FACES, fill_common, submit_and_wait
from test_web_accessibility import overflowing

pytestmark = pytest.mark.e2e

CODE_RE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")
REFERENCE_RE = re.compile(r"[ACDEFGHJKMNPQRTWXY34679]{4}-[ACDEFGHJKMNPQRTWXY34679]{4}")


def test_a_missed_code_can_be_replaced_after_verifying_again(
        web_page: Page, platform_url: str, tmp_path: Path) -> None:
    page = web_page
    page.goto(platform_url + "/register.html")
    page.select_option("#sandbox-card", "wong-siu-ming")
    fill_common(page, FACES / "biden.jpg", "e2e-new-code@example.org")
    app_id = submit_and_wait(page)
    expect(page.locator("#reg-progress")).to_have_attribute("data-state", "completed")
    reference = page.locator("#app-ref").inner_text()
    assert REFERENCE_RE.fullmatch(reference), reference
    expect(page.locator("#app-link")).to_have_attribute(
        "href", f"{platform_url}/register.html?application={app_id}")
    old = page.locator("#enrol-code").inner_text()
    assert CODE_RE.fullmatch(old)

    # Closed without noting it: the page offers the ways to a new code and a contact.
    page.reload()
    gone = page.locator("#enrol-gone")
    expect(gone).to_be_visible()
    expect(gone).to_contain_text("未能記下登記碼？")
    expect(gone).to_contain_text("親臨任何登記櫃位")
    help_box = page.locator("#reg-help")
    expect(help_box).to_be_visible()
    expect(help_box.locator("#help-ref")).to_have_text(reference)
    expect(help_box.get_by_role("link", name="iamsmart-help@sandbox.example")).to_have_attribute(
        "href", "mailto:iamsmart-help@sandbox.example")
    expect(help_box).to_contain_text("只限測試環境：以上是虛構的聯絡資料")

    # Someone else's face is not verified; the applicant's own is, and gets a new code.
    page.select_option("#reissue-card", "wong-siu-ming")
    page.set_input_files("#reissue-selfie", str(FACES / "obama3.jpg"))
    page.locator("#reissue-submit").click()
    expect(page.locator("#reissue-error")).to_contain_text("我們未能核實這份申請是由你提出",
                                                          timeout=30_000)
    page.set_input_files("#reissue-selfie", str(FACES / "biden.jpg"))
    page.locator("#reissue-submit").click()
    expect(page.locator("#enrol-box")).to_be_visible(timeout=30_000)
    expect(page.locator("#outcome-text")).to_have_text(
        "已核實你的身份。這是你的新登記碼，舊的登記碼已失效。")
    new = page.locator("#enrol-code").inner_text()
    assert CODE_RE.fullmatch(new) and new != old
    expect(page.locator("#enrol-gone")).to_be_hidden()

    device = DeviceSimulator(platform_url, tmp_path / "device.json")
    with pytest.raises(AssertionError):
        device.enrol(old)  # the old code stopped working
    assert "nrol" in device.enrol(new)
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]


def test_the_missed_code_page_is_accessible_and_fits_360_px(
        web_page: Page, platform_url: str) -> None:
    page = web_page
    page.set_viewport_size(PHONE)
    # A completed application whose code was shown: rendered from a recorded answer.
    page.route("**/v1/registrations/app_*", lambda route: route.fulfill(
        status=200, content_type="application/json", body=_completed_answer()))
    page.goto(platform_url + "/register.html?application=app_" + "r" * 24)
    axe = Axe()
    for _ in each_mode(page, [("tc", True), ("elderly-en", True)]):
        expect(page.locator("#enrol-gone")).to_be_visible()
        expect(page.locator("#reg-help")).to_be_visible()
        expect(page.locator("#reissue-card option")).not_to_have_count(1)  # sandbox cards
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()
        assert overflowing(page) == []


def _completed_answer() -> str:
    import json

    steps = ["received", "validated", "duplicate_check", "evidence", "immigration", "face",
             "decision", "account", "notified"]
    return json.dumps({
        "application_id": "app_" + "r" * 24, "reference": "KE3M-PKJW", "status": "completed",
        "steps": [{"step": s, "state": "done"} for s in steps],
        "message": {"en": "Your registration is complete.", "tc": "登記已完成。"},
        "help": {"email": "iamsmart-help@sandbox.example", "phone": None, "sandbox": True},
        "level": "basic", "enrolment_code": None, "device_bound": False})
