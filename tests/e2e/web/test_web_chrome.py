"""The shared web chrome (issue 12, item 7): every page but the portal's home gets its header
and footer from web/assets/js/chrome.js, written once, and keeps what the pages had by hand:

- the skip link is the first stop of the keyboard, then the site name linking home;
- the header is the banner landmark, the footer the contentinfo landmark with the page's note;
- the language and elderly-mode switches work and are remembered, in both languages;
- no JavaScript error or CSP violation, axe clean.

The HTML files themselves hold only the empty, marked landmarks (checked as text), so the
chrome cannot drift again between pages.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from test_login_accessibility import check

from infra.names import ROOT

pytestmark = pytest.mark.e2e

WEB = ROOT / "web"
# page -> (tagline key shown under the site name or None, footer note in Chinese or None)
CHROMED = {
    "404.html": (None, None),
    "access-log.html": ("以「智方便」安全登入政府及商業網上服務", "「智方便」絕不會"),
    "account.html": ("以「智方便」安全登入政府及商業網上服務", "「智方便」絕不會"),
    "in-person.html": ("以「智方便」安全登入政府及商業網上服務", "「智方便」絕不會"),
    "logged-out.html": ("以「智方便」安全登入政府及商業網上服務", "「智方便」絕不會"),
    "my-consents.html": ("以「智方便」安全登入政府及商業網上服務", "「智方便」絕不會"),
    "stepup.html": (None, None),
}


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def test_no_page_writes_the_chrome_by_hand() -> None:
    # register.html and staff.html follow once their open changes have landed.
    pages = sorted(p.name for p in WEB.glob("*.html")
                   if p.name not in {"index.html", "register.html", "staff.html"})
    hand_written = [name for name in pages if 'id="lang-toggle"' in (WEB / name).read_text("utf-8")]
    assert hand_written == []
    for name in pages:
        text = (WEB / name).read_text("utf-8")
        assert re.search(r'<header class="site-header" data-chrome[^>]*></header>', text), name
        assert text.count('class="skip-link"') == 1, name


@pytest.mark.parametrize("name", sorted(CHROMED))
def test_shared_chrome_keeps_skip_link_landmarks_and_switches(
        web_page: Page, platform_url: str, axe: Axe, name: str) -> None:
    page = web_page
    page.goto(f"{platform_url}/{name}")
    tagline, note = CHROMED[name]
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name="一網通辦 市民入口")).to_have_attribute("href", "/")
    if tagline:
        expect(banner.locator(".tagline")).to_have_text(tagline)
    else:
        expect(banner.locator(".tagline")).to_have_count(0)
    if note:
        expect(page.get_by_role("contentinfo")).to_contain_text(note)
    else:
        expect(page.locator("footer")).to_have_count(0)

    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Tab")
    expect(banner.locator(".home-link")).to_be_focused()

    lang = page.locator("#lang-toggle")
    expect(lang).to_have_attribute("lang", "en")
    lang.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(lang).to_have_attribute("lang", "zh-Hant-HK")
    expect(banner.locator(".home-link")).not_to_have_text("一網通辦 市民入口")
    elderly = page.locator("#elderly-toggle")
    elderly.click()
    expect(elderly).to_have_attribute("aria-pressed", "true")
    expect(page.locator("html")).to_have_class("elderly")
    check(page, axe, phone=False)

    page.reload()  # remembered, and the chrome renders in the remembered language at once
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#elderly-toggle")).to_have_attribute("aria-pressed", "true")
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]
