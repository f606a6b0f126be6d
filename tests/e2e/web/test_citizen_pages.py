"""Citizen pages after outside testing (issue 11, items 1 and 10), in Chromium, both languages,
elderly mode, 360 px, axe:

- the account page says in words what each connected service receives (never
  "[object Object]"), and a passkey needs a name (no silent "通行密鑰");
- an unknown address gets the styled, bilingual 404 page with a link home; ``/account`` and
  ``/register`` work without ``.html``;
- the face page refuses a file that is no JPEG or PNG picture with a clear message and shows
  no broken preview.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from axe_helpers import Axe
from display_modes import PHONE, each_mode
from login_helpers import DeviceSimulator, department_url
from playwright.sync_api import Browser, Page, expect
from portal_helpers import new_context, watched_page
from test_login_accessibility import check, set_mode
from test_login_browser import approve_on_login_page

pytestmark = pytest.mark.e2e

CITIZEN_CODE = "SANDBOX-LEE-SIU-MEI"  # level "plus": may keep a face template


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.fixture(scope="module")
def device(platform_url: str, tmp_path_factory: pytest.TempPathFactory) -> DeviceSimulator:
    simulator = DeviceSimulator(platform_url, tmp_path_factory.mktemp("pages") / "device.json")
    simulator.enrol(CITIZEN_CODE)
    return simulator


def log_in(page: Page, local_platform: dict[str, Any], device: DeviceSimulator) -> None:
    """Log in at the sandbox department (allowing its consent): a connection and a session."""
    department = department_url(local_platform)
    page.goto(department + "/login")
    approve_on_login_page(page, device)
    page.wait_for_url(re.compile(r"/(consent\.html\?txn=|me$)"))
    if "/consent.html" in page.url:
        page.locator("#consent-allow").click()
    expect(page).to_have_url(department + "/me")


@pytest.fixture(scope="module")
def signed_in(chromium_browser: Browser, local_platform: dict[str, Any],
              device: DeviceSimulator) -> Any:
    """One login at the department for the module's signed-in tests (none of them logs out or
    changes what the others read): the browser's cookies and storage right after it."""
    context = new_context(chromium_browser)
    try:
        log_in(context.new_page(), local_platform, device)
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture
def signed_in_page(chromium_browser: Browser, signed_in: Any) -> Iterator[Page]:
    """A fresh browser context holding that session (as ``web_page``, problems recorded)."""
    context = new_context(chromium_browser, signed_in)
    yield watched_page(context)
    context.close()


def test_connected_services_say_in_words_what_they_receive_and_passkeys_need_a_name(
        signed_in_page: Page, platform_url: str, axe: Axe) -> None:
    page = signed_in_page
    page.set_viewport_size(PHONE)
    page.goto(platform_url + "/account")  # no .html
    item = page.locator('#connections-list li[data-client-id="sandbox-td"]')
    expect(item).to_be_visible()
    expect(item).to_contain_text("分享的資料：")
    expect(item).to_contain_text("電郵地址")
    expect(item).to_contain_text("中文姓名")
    expect(item).not_to_contain_text("object")
    expect(item).not_to_contain_text("email_verified")

    # No name: the field says so, nothing is created, the browser's passkey dialog never opens.
    before = page.locator("#passkeys-list li").count()
    page.locator("#passkey-label").fill("   ")
    page.locator("#passkey-add").click()
    error = page.locator("#passkey-label-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("請為這個通行密鑰輸入名稱")
    expect(page.locator("#passkey-label")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#passkey-label")).to_be_focused()
    expect(page.locator("#account-status")).not_to_contain_text("請按裝置的指示")
    assert page.locator("#passkeys-list li").count() == before

    set_mode(page, "elderly-en")
    expect(item).to_contain_text("Email address")
    expect(item).not_to_contain_text("object")
    expect(error).to_contain_text("Enter a name for this passkey")
    check(page, axe, phone=True)


def test_face_page_refuses_a_file_that_is_no_picture_without_a_broken_preview(
        signed_in_page: Page, platform_url: str, axe: Axe) -> None:
    page = signed_in_page
    page.goto(platform_url + "/face.html")
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    expect(page.locator("#face-enrol")).to_be_visible()
    upload = page.locator("#face-photo")
    error = page.locator("#face-photo-error")
    preview = page.locator("#face-preview")

    upload.set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"})
    expect(error).to_contain_text("不是 JPEG 或 PNG 相片")
    expect(preview).to_be_hidden()
    expect(upload).to_have_attribute("aria-invalid", "")

    # Named and typed as a PNG, but not a picture: it cannot be opened, and says so.
    upload.set_input_files({"name": "photo.png", "mimeType": "image/png",
                            "buffer": b"not really a png"})
    expect(error).to_contain_text("未能開啟這張相片")
    expect(preview).to_be_hidden()
    assert preview.get_attribute("src") is None

    set_mode(page, "elderly-en")
    expect(error).to_contain_text("cannot be opened")
    page.locator("#face-consent").check()
    page.locator("#face-enrol-btn").click()  # nothing is sent: the error stays
    expect(error).to_contain_text("cannot be opened")
    check(page, axe, phone=False)


def test_unknown_pages_get_the_styled_bilingual_404_with_a_link_home(
        web_page: Page, platform_url: str, axe: Axe) -> None:
    page = web_page
    answer = page.goto(platform_url + "/no-such-page")
    assert answer is not None and answer.status == 404
    title = page.locator("h1")
    home = page.locator("#notfound-home")
    for mode, phone in each_mode(page, [("tc", False), ("en", False), ("elderly", True)]):
        expect(title).to_have_text("Page not found" if "en" in mode else "找不到網頁")
        expect(home).to_have_attribute("href", "/")
        check(page, axe, phone)
    home.click()
    expect(page).to_have_url(platform_url + "/")


def test_pages_open_without_html(web_page: Page, platform_url: str) -> None:
    page = web_page
    for path, title in (("/register", "reg-title"), ("/account", "account-status")):
        answer = page.goto(platform_url + path)
        assert answer is not None and answer.status == 200, path
        expect(page.locator(f"#{title}")).to_be_attached()


@pytest.mark.parametrize("mode", ["elderly", "elderly-en"])
def test_on_a_phone_in_elderly_mode_search_and_services_are_within_reach(
        web_page: Page, platform_url: str, axe: Axe, mode: str) -> None:
    from portal_helpers import settle

    page = web_page
    page.set_viewport_size(PHONE)
    page.goto(platform_url + "/")
    settle(page)
    set_mode(page, mode)
    settle(page)
    jump = page.locator("#jump-services")
    expect(jump).to_have_text("Find a government online service" if "en" in mode
                              else "搜尋政府網上服務")
    box = jump.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box  # first screen
    check(page, axe, phone=True)
    jump.click()
    search = page.locator("#service-q")
    expect(search).to_be_focused()
    expect(search).to_be_in_viewport()
    search.fill("入境" if "en" not in mode else "immigration")
    first = page.locator("#service-list li").first
    expect(first).to_be_visible()
    top = first.evaluate("(n) => n.getBoundingClientRect().top")
    assert top < 2 * PHONE["height"], top  # the results follow the search, within a swipe


def test_my_data_and_who_read_it_speak_the_citizens_language(
        signed_in_page: Page, platform_url: str, axe: Axe) -> None:
    """Field names, departments and values in words (codes translated, amounts grouped),
    from the providers' registered vocabulary: the consent page's words."""
    page = signed_in_page
    modes = [("tc", False), ("elderly-en", True)]
    page.goto(platform_url + "/my-data.html")
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=15_000)

    def shown(path: str) -> Any:
        return page.locator(f'[data-path="{path}"] > dd')

    for mode, phone in each_mode(page, modes):
        en = "en" in mode
        expect(shown("IMMD.particulars.sex")).to_have_text("Female" if en else "女")
        expect(shown("TD.driving_licence.status")).to_have_text("Valid" if en else "有效")
        expect(shown("TD.driving_licence.classes")).to_contain_text(
            "Class 1: private car" if en else "第 1 類：私家車")
        expect(shown("TD.driving_licence.issue_date")).to_have_text(
            "5 Jan 2012" if en else "2012年1月5日")
        school = page.locator('[data-path="EDB.school_records.records"] [data-member="level"]')
        expect(school.locator("dt")).to_have_text("Level" if en else "程度")
        expect(school.locator("dd")).to_have_text("Secondary" if en else "中學")
        value = page.locator(
            '[data-path="RVD.properties.properties"] [data-member="rateable_value"] dd')
        expect(value.first).to_have_text("168,000")
        year = page.locator('[data-path="TD.vehicles.vehicles"] [data-member="year"] dd')
        expect(year.first).to_have_text("2021")  # a year is not an amount
        body = page.locator("#data-providers")
        for raw in ("secondary", "registration_mark", "rateable_value", "168000"):
            expect(body).not_to_contain_text(raw)
        check(page, axe, phone)

    page.goto(platform_url + "/access-log.html")
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=15_000)
    for mode, phone in each_mode(page, modes):
        en = "en" in mode
        own = page.locator('.x-event[data-kind="self"]').first
        expect(own).to_be_visible()
        immd, edb = ("Immigration Department", "Education Bureau") if en else ("入境事務處",
                                                                              "教育局")
        expect(own).to_contain_text(immd + (": " if en else "："))
        expect(own).to_contain_text("Sex" if en else "性別")
        expect(own).to_contain_text(edb + (": provided" if en else "：已提供"))
        log = page.locator("#log-list")
        for raw in ("IMMD.", "EDB.", "school_records", "EDB:", "EME:"):
            expect(log).not_to_contain_text(raw)
        check(page, axe, phone)
