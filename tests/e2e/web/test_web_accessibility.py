"""Accessibility of the citizen portal: axe-core, small screens, keyboard use."""

from __future__ import annotations

import pytest
from axe_helpers import Axe
from display_modes import PHONE, each_mode
from playwright.sync_api import Page, expect
from portal_helpers import open_home, settle

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def show_everything(page: Page) -> None:
    """Settle, and open the collapsed parts too, so that everything is checked (a language
    switch renders the feeds again, collapsed)."""
    settle(page)
    for button in page.locator('.btn-more[aria-expanded="false"]').all():
        button.click()
    expect(page.locator('.btn-more[aria-expanded="false"]')).to_have_count(0)


def test_axe_finds_no_violations(web_page: Page, platform_url: str, axe: Axe) -> None:
    page = open_home(web_page, platform_url)
    for _ in each_mode(page, [("tc", False), ("en", False), ("elderly", False),
                              ("elderly-en", False)]):
        show_everything(page)
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()


def overflowing(page: Page) -> list[str]:
    """Elements whose box reaches past the viewport's right edge (visually-hidden ones aside)."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const out = [];
            if (document.documentElement.scrollWidth > width) {
              out.push(`document scrollWidth ${document.documentElement.scrollWidth} > ${width}`);
            }
            for (const node of document.body.querySelectorAll('*')) {
              if (node.closest('.visually-hidden, [hidden]')) continue;
              const box = node.getBoundingClientRect();
              if (box.width && box.right > width + 0.5) {
                out.push(`${node.tagName.toLowerCase()}.${node.className} right=${box.right}`);
              }
            }
            return out.slice(0, 20);
        }"""
    )


def test_nothing_overflows_at_360_px(web_page: Page, platform_url: str) -> None:
    web_page.set_viewport_size(PHONE)
    page = open_home(web_page, platform_url)
    for _ in each_mode(page, [("tc", True), ("en", True), ("elderly-en", True)]):
        show_everything(page)
        assert overflowing(page) == []
        # Targets stay at least 44 px tall (WCAG 2.5.5 enhanced; AA asks less).
        small = page.evaluate(
            """() => [...document.querySelectorAll('button, select, input, .btn')]
                  .filter((n) => n.getBoundingClientRect().height < 44)
                  .map((n) => n.id || n.textContent.trim())"""
        )
        assert small == []


def test_keyboard_skip_link_and_visible_focus(home: Page) -> None:
    home.keyboard.press("Tab")
    skip = home.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the skip link becomes visible when focused"
    home.keyboard.press("Enter")
    expect(home.locator("main")).to_be_focused()

    # Focus moves on through the controls in order, each with a visible focus indicator.
    home.locator("#lang-toggle").focus()
    for expected in ("#elderly-toggle", "nav.page-nav a >> nth=0"):
        home.keyboard.press("Tab")
        focused = home.locator(expected)
        expect(focused).to_be_focused()
        style = focused.evaluate(
            "(n) => { const s = getComputedStyle(n); return [s.outlineStyle, s.outlineWidth]; }")
        assert style[0] != "none" and float(style[1][:-2]) >= 2, style

    # The switches work from the keyboard.
    home.locator("#elderly-toggle").focus()
    home.keyboard.press("Enter")
    expect(home.locator("html")).to_have_class("elderly")
    home.locator("#lang-toggle").focus()
    home.keyboard.press("Space")
    settle(home)
    expect(home.locator("html")).to_have_attribute("lang", "en")


def test_landmarks_and_heading_order(home: Page) -> None:
    for role in ("banner", "navigation", "main", "contentinfo", "search"):
        expect(home.get_by_role(role).first).to_be_attached()
    levels = home.evaluate(
        "() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')]"
        ".map((h) => Number(h.tagName[1]))")
    assert levels[0] == 1 and levels.count(1) == 1
    jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert jumps == [], f"heading levels skip: {jumps}"
