"""The registration page checks what it can before sending, and shows the platform's own
per-field answers beside their fields (issue 11 item 4): HKID format and check character
(full-width input accepted and shown as on the card), a Hong Kong mobile number or a real
e-mail address, no birth date in the future; every problem at once; the text is checked
before the photos are sent (POST /v1/registrations/check), so a text error never costs
sending them. Checked with axe, in elderly mode and at 360 px."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from axe_helpers import Axe
from display_modes import PHONE, each_mode
from playwright.sync_api import Page, Request, expect
from registration_helpers import FACES
from test_web_accessibility import overflowing

pytestmark = pytest.mark.e2e

FUTURE = (date.today() + timedelta(days=3)).isoformat()


def test_the_browser_rules_match_the_platforms(web_page: Page, platform_url: str) -> None:
    web_page.goto(platform_url + "/register.html")
    got = web_page.evaluate("""async () => {
        const v = await import('/assets/js/validate.js');
        return {
          fullWidth: v.checkHkid('Ａ１２３４５６（３）'), spaced: v.checkHkid(' a 123456 3 '),
          two: v.checkHkid('WX123456(9)'), tenIsA: v.checkHkid('A000002(A)'),
          digit: v.checkHkid('A123456(4)'), short: v.checkHkid('A12345(3)'),
          empty: v.checkHkid(''),
          phones: ['9123 4567', '+852 5123-4567', '８５２６１２３４５６７', '1234 5678',
                   '+44 20 7946 0000', '912345'].map(v.checkPhone),
          emails: ['chan@example.org', 'chan@', 'chan@example', 'chan example.org']
            .map(v.checkEmail),
          names: ['CHAN, Tai Man', "O'NEIL-SMITH, Mary", '陳大文', ''].map(v.checkNameEn),
          dates: [v.checkDate('1975-03-14'), v.checkDate('2999-01-01'), v.checkDate('1899-12-31'),
                  v.checkDate(''), v.checkDate('', { required: false }),
                  v.checkDate('2000-01-01', { earliest: '2001-01-01' })],
        };
    }""")
    assert got["fullWidth"] == {"problem": None, "canonical": "A123456(3)"}
    assert got["spaced"]["canonical"] == "A123456(3)"
    assert got["two"]["canonical"] == "WX123456(9)"
    assert got["digit"] == {"problem": "check_digit"}
    assert got["short"] == {"problem": "format"} and got["empty"] == {"problem": "missing"}
    assert got["phones"] == [None, None, None, "format", "format", "format"]
    assert got["emails"] == [None, "format", "format", "format"]
    assert got["names"] == [None, None, "format", "missing"]
    assert got["dates"] == [None, "future", "too_early", "missing", None, "too_early"]
    # The platform's own check character agrees (tenIsA: the check value 10 is written A).
    from iamsmart.identity import hkid

    assert hkid.is_valid("A000002(A)") and got["tenIsA"]["canonical"] == "A000002(A)"


def fill_card_photo(page: Page, **values: str) -> None:
    page.locator("#evidence-photo").check()
    page.set_input_files("#card-photo", str(FACES / "obama2.jpg"))
    expect(page.locator("#card-photo-preview")).to_be_visible()
    for field, value in values.items():
        page.locator(f"#{field}").fill(value)


def test_every_problem_is_shown_beside_its_field_before_anything_is_sent(
        web_page: Page, platform_url: str) -> None:
    page = web_page
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(platform_url + "/register.html")
    page.locator("#reg-consent").check()
    fill_card_photo(page, **{"p-hkid": "Ａ１２３４５６（４）", "p-name-en": "陳大文",
                             "p-dob": FUTURE})
    page.select_option("#p-sex", "M")
    page.set_input_files("#selfie-file", str(FACES / "obama3.jpg"))
    page.locator("#contact-value").fill("chan@")
    page.locator("#reg-submit").click()

    expect(page.locator("#reg-errors")).to_be_focused()
    expect(page.locator("#p-hkid-error")).to_have_text(
        "號碼與括號內的字元不相符。請對照身份證，逐一檢查每個數字及括號內的字元。")
    expect(page.locator("#p-name-en-error")).to_contain_text("以英文字母輸入英文姓名")
    expect(page.locator("#p-dob-error")).to_have_text("出生日期不可以是將來的日子。")
    expect(page.locator("#contact-error")).to_have_text(
        "請檢查電郵地址，格式應如 name@example.com。")
    expect(page.locator("#reg-error-list > li")).to_have_count(4)
    assert posts == []

    page.locator("#contact-phone").check()
    page.locator("#contact-value").fill("1234 5678")
    page.locator("#reg-submit").click()
    expect(page.locator("#contact-error")).to_contain_text("香港流動電話號碼")
    page.locator("#lang-toggle").click()
    expect(page.locator("#contact-error")).to_contain_text("Hong Kong mobile phone number")
    expect(page.locator("#p-dob-error")).to_have_text(
        "Your date of birth cannot be a date in the future.")
    assert posts == []


def test_the_platforms_field_answers_land_on_their_fields_and_photos_wait(
        web_page: Page, platform_url: str) -> None:
    page = web_page
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.method == "POST" else None)
    page.goto(platform_url + "/register.html")
    page.locator("#reg-consent").check()
    # Right as far as the browser can tell; the platform refuses the Chinese name's length.
    fill_card_photo(page, **{"p-hkid": "Ａ１２３４５６（３）", "p-name-en": "CHAN, Tai Man",
                             "p-name-zh": "陳" * 21, "p-dob": "1975-03-14"})
    page.select_option("#p-sex", "M")
    page.set_input_files("#selfie-file", str(FACES / "obama3.jpg"))
    page.locator("#contact-value").fill("chan@example.org")
    page.locator("#reg-submit").click()

    expect(page.locator("#p-name-zh-error")).to_have_text(
        "請按香港身份證所示輸入中文姓名，或留空。")
    expect(page.locator("#reg-errors")).to_be_focused()
    expect(page.locator("#reg-error-list a")).to_have_attribute("href", "#p-name-zh")
    expect(page.locator("#p-hkid")).to_have_value("A123456(3)")  # normalised as on the card
    # Only the text went out: no photo, and no application.
    assert [urlpath(r.url) for r in sent] == ["/v1/registrations/check"]
    body: dict[str, Any] = json.loads(sent[0].post_data or "{}")
    assert "selfie" not in body and "photo" not in body["evidence"]
    assert body["evidence"]["particulars"]["hkid"] == "A123456(3)"
    page.locator("#lang-toggle").click()
    expect(page.locator("#p-name-zh-error")).to_have_text(
        "Please enter your Chinese name as on your HKID card, or leave it empty.")


def urlpath(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def test_the_errors_are_accessible_and_fit_360_px(web_page: Page, platform_url: str) -> None:
    page = web_page
    page.set_viewport_size(PHONE)
    page.goto(platform_url + "/register.html")
    fill_card_photo(page, **{"p-hkid": "A123456(4)", "p-dob": FUTURE, "p-issue": FUTURE})
    page.locator("#contact-value").fill("chan@")
    page.locator("#reg-submit").click()
    expect(page.locator("#p-issue-error")).to_be_visible()
    axe = Axe()
    for _ in each_mode(page, [("tc", True), ("elderly-en", True)]):
        expect(page.locator("#p-issue-error")).to_be_visible()
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()
        assert overflowing(page) == []
    assert page.problems.unexpected() == []  # type: ignore[attr-defined]
