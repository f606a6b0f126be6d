"""The shared web chrome (issue 12, item 7): every page but the portal's home gets its header
and footer from web/assets/js/chrome.js, written once, and keeps what the pages had by hand:

- the skip link is the first stop of the keyboard, then the site name linking home;
- the header is the banner landmark, the footer the contentinfo landmark with the page's note;
- the language and elderly-mode switches work and are remembered, in both languages;
- no JavaScript error or CSP violation, axe clean.

And the list pages' shared helpers (listing.js): a list read page by page by cursor, and the
one status line.

The HTML files themselves hold only the empty, marked landmarks (checked as text), so the
chrome cannot drift again between pages.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

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
    "register.html": ("以「智方便」安全登入政府及商業網上服務", "「智方便」絕不會"),
    "staff.html": ("登記審核（職員專用）", "密鑰只保存在這個瀏覽器分頁"),
    "stepup.html": (None, None),
}


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def test_no_page_writes_the_chrome_by_hand() -> None:
    pages = sorted(p.name for p in WEB.glob("*.html") if p.name != "index.html")
    hand_written = [name for name in pages if 'id="lang-toggle"' in (WEB / name).read_text("utf-8")]
    assert hand_written == []
    for name in pages:
        text = (WEB / name).read_text("utf-8")
        assert re.search(r'<header class="site-header" data-chrome[^>]*></header>', text), name
        assert text.count('class="skip-link"') == 1, name
    # The home page keeps a header of its own (account links, the page's contents), but its
    # footer note is the shared one too.
    for path in WEB.glob("*.html"):
        text = path.read_text("utf-8")
        footers = re.findall(r'<footer[^>]*>(.*?)</footer>', text, re.S)
        assert all(inner == "" for inner in footers), path.name
        assert all('data-note="' in tag for tag in re.findall(r'<footer[^>]*>', text)), path.name


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


# ------------------------------------------------------------------ the shared list helpers


def _event(n: int) -> dict[str, object]:
    return {"event_id": f"ev-{n}", "kind": "self", "outcome": "delivered",
            "at": f"2026-01-{n:02d}T08:00:00Z", "fields": [], "delivered": [], "providers": []}


def test_a_list_read_by_cursor_appends_each_page_and_a_failure_is_said(
        web_page: Page, platform_url: str) -> None:
    """listing.js's cursorList and statusLine, on "who read my data": the API's answers are
    given in its documented shape (GET /v1/me/access-log: events, next), so the paging itself
    is what is tested: the cursor is sent back, pages are appended in order with focus on the
    first new one, "show earlier" goes when there is no next page, and an error is said in
    the API's words while a logged-out answer shows the log-in box."""
    page = web_page
    unavailable = (503, {"error": "unavailable", "message": {
        "tc": "暫時未能讀取，請稍後再試。", "en": "Cannot read it now; try again later."}})
    answers: dict[str | None, tuple[int, dict[str, Any]]] = {
        None: (200, {"events": [_event(9), _event(8)], "next": "c-1"}),
        "c-1": (200, {"events": [_event(7)], "next": "c-2"}),
        "c-2": unavailable,
        "c-3": (401, {"error": "login_required",
                      "message": {"tc": "請先登入。", "en": "Please log in."}}),
    }
    asked: list[str | None] = []

    def serve(route: Any) -> None:
        cursor = parse_qs(urlparse(route.request.url).query).get("cursor", [None])[0]
        asked.append(cursor)
        status, body = answers[cursor]
        route.fulfill(status=status, json=body)

    page.route("**/v1/me/access-log?*", serve)
    page.goto(platform_url + "/access-log.html")
    events = page.locator(".x-event")
    expect(events).to_have_count(2)
    more = page.locator("#log-more")
    more.click()
    expect(events).to_have_count(3)
    assert [e.get_attribute("data-event-id") for e in events.all()] == ["ev-9", "ev-8", "ev-7"]
    expect(events.nth(2)).to_be_focused()
    more.click()
    expect(page.locator("#x-status")).to_have_text("暫時未能讀取，請稍後再試。")
    expect(events).to_have_count(3)
    answers["c-2"] = (200, {"events": [_event(6)], "next": "c-3"})
    more.click()  # the same cursor again: nothing lost by the failure
    expect(events).to_have_count(4)
    more.click()
    expect(page.locator("#x-out")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-state", "out")
    assert asked == [None, "c-1", "c-2", "c-2", "c-3"]


def test_a_list_with_one_page_offers_no_more(web_page: Page, platform_url: str) -> None:
    page = web_page
    page.route("**/v1/me/access-log?*",
               lambda route: route.fulfill(json={"events": [_event(1)], "next": None}))
    page.goto(platform_url + "/access-log.html")
    expect(page.locator(".x-event")).to_have_count(1)
    expect(page.locator("#log-more")).to_be_hidden()
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
