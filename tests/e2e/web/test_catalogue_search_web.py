"""The catalogue search on the home page (issue 11 item 9): everyday words and Simplified
input find services, nothing found is a helpful answer (the department that handles it, a
GovHK search, example searches), and the search lives in the address (a shared link and Back
/ Forward show the same search). Checked with axe, in elderly mode and at 360 px."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from display_modes import PHONE
from playwright.sync_api import Page, expect
from portal_helpers import open_home, settle
from test_web_accessibility import overflowing
from test_web_portal import search

pytestmark = pytest.mark.e2e

E_LICENCE, IDP = "iamsmart-2023-50", "iamsmart-2023-51"


def shown(page: Page) -> list[str]:
    return page.locator("#service-list > li.service").evaluate_all(
        "(nodes) => nodes.map((n) => n.dataset.id)")


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_everyday_and_simplified_words_find_the_driving_licence_services(
        home: Page) -> None:
    for words in ("驾照", "駕駛執照", "車牌"):
        search(home, words)
        assert {E_LICENCE, IDP} <= set(shown(home)), words
    assert query_of(home) == {"q": ["車牌"]}


def test_passport_says_who_handles_it_and_offers_other_searches(
        web_page: Page, platform_url: str) -> None:
    page = open_home(web_page, platform_url)
    search(page, "護照")
    status = page.locator("#service-status")
    expect(page.locator("#service-list > li")).to_have_count(0)
    expect(status.locator(".empty-title")).to_have_text("找不到與「護照」相符的網上服務。")
    expect(status).to_contain_text("護照及旅行證件：由入境事務處負責。")
    expect(status.get_by_role("link", name="前往入境事務處網站")).to_have_attribute(
        "href", "https://www.immd.gov.hk")
    govhk = status.locator("a.govhk-search")
    expect(govhk).to_contain_text("GovHK")
    assert govhk.get_attribute("href").startswith("https://www.search.gov.hk/result?query=")
    # An example search is one press away, and it finds services.
    status.get_by_role("button", name="駕駛執照").click()
    settle(page)
    assert {E_LICENCE, IDP} <= set(shown(page))
    expect(page.locator("#service-q")).to_have_value("駕駛執照")


def test_a_shared_link_and_back_forward_restore_the_search(
        web_page: Page, platform_url: str) -> None:
    page = web_page
    page.goto(f"{platform_url}/?q=passport&theme=immigration#services")
    settle(page)
    expect(page.locator("#service-q")).to_have_value("passport")
    expect(page.locator("#service-theme")).to_have_value("immigration")
    expect(page.locator("#service-status")).to_contain_text("入境事務處")
    # Nothing found within a theme: one press searches every theme.
    page.locator("#service-status").get_by_role("button", name="在所有主題及組別中搜尋").click()
    settle(page)
    assert query_of(page) == {"q": ["passport"]}

    search(page, "入境")
    entered = shown(page)
    assert entered and query_of(page) == {"q": ["入境"]}
    page.locator("#service-audience").select_option("elderly")
    settle(page)
    assert query_of(page) == {"q": ["入境"], "audience": ["elderly"]}

    page.go_back()
    settle(page)
    expect(page.locator("#service-audience")).to_have_value("")
    expect(page.locator("#service-q")).to_have_value("入境")
    assert shown(page) == entered
    page.go_back()
    settle(page)
    expect(page.locator("#service-q")).to_have_value("passport")
    page.go_forward()
    page.go_forward()
    settle(page)
    expect(page.locator("#service-audience")).to_have_value("elderly")
    expect(page.locator("#service-q")).to_have_value("入境")


@pytest.mark.parametrize("mode", ["tc", "elderly-en"])
def test_the_empty_answer_is_accessible_and_fits_360_px(
        web_page: Page, platform_url: str, mode: str) -> None:
    web_page.set_viewport_size(PHONE)
    page = web_page
    if mode == "elderly-en":
        page.goto(platform_url + "/")
        page.evaluate("() => { localStorage.setItem('portal.lang', 'en');"
                      " localStorage.setItem('portal.elderly', '1'); }")
    page.goto(f"{platform_url}/?q=passport#services")
    settle(page)
    expect(page.locator("#service-status")).to_be_visible()
    if mode == "elderly-en":
        expect(page.locator("html")).to_have_class("elderly")
        expect(page.locator("#service-status")).to_contain_text(
            "Passports and travel documents: handled by the Immigration Department.")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert overflowing(page) == []
    assert page.problems.unexpected() == []  # type: ignore[attr-defined]
