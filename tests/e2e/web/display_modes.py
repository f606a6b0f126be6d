"""The display modes the accessibility checks cover, and switching a page between them (a module
of its own: ``conftest`` is not importable by name).

A mode is a language and elderly mode ("tc", "en", "elderly", "elderly-en") and a viewport
(desktop, or a 360 px phone). A multi-step flow is walked once; at each of its checkpoints
``each_mode`` switches the page through the modes with the page's own switches (every page
re-renders its texts, static and dynamic, on a switch) and the viewport, so each mode is
checked on the very state the flow reached; then it puts the page back as it was.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from playwright.sync_api import Page, expect

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
# Both languages, elderly mode in both, and the phone in elderly English and in Chinese.
MODES: list[tuple[str, bool]] = [("tc", False), ("en", False), ("elderly", False),
                                 ("elderly-en", True), ("tc", True)]
HTML_LANG = {"tc": "zh-Hant-HK", "en": "en"}


def lang_of(mode: str) -> str:
    return "en" if "en" in mode.split("-") else "tc"


def current_mode(page: Page) -> tuple[str, bool]:
    """The page's mode now: (mode, phone)."""
    lang, elderly = page.evaluate("""() => [document.documentElement.lang,
        document.documentElement.classList.contains('elderly')]""")
    mode = ("elderly-" if elderly else "") + ("en" if lang == "en" else "tc")
    viewport = page.viewport_size or DESKTOP
    return ("elderly" if mode == "elderly-tc" else mode), viewport["width"] <= PHONE["width"]


def switch_mode(page: Page, mode: str, phone: bool) -> None:
    """Put the page in ``mode`` with its own switches (remembered for its origin) and size it."""
    page.set_viewport_size(PHONE if phone else DESKTOP)
    now, _ = current_mode(page)
    lang = lang_of(mode)
    if lang_of(now) != lang:
        page.locator("#lang-toggle").click()
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
    elderly = mode.startswith("elderly")
    if now.startswith("elderly") != elderly:
        page.locator("#elderly-toggle").click()
    if elderly:
        expect(page.locator("html")).to_have_class("elderly")
    else:
        expect(page.locator("html")).not_to_have_class("elderly")


def each_mode(page: Page, modes: Sequence[tuple[str, bool]] = MODES
              ) -> Iterator[tuple[str, bool]]:
    """Switch the page through ``modes``, yielding each (mode, phone) once it is shown; then
    back to the mode it was in."""
    before = current_mode(page)
    for mode, phone in modes:
        switch_mode(page, mode, phone)
        yield mode, phone
    switch_mode(page, *before)


def each_viewport(page: Page) -> Iterator[bool]:
    """For a page without the portal's switches (a department's own site): desktop, then
    phone, then back to the viewport it had."""
    before = page.viewport_size or DESKTOP
    for phone in (False, True):
        page.set_viewport_size(PHONE if phone else DESKTOP)
        yield phone
    page.set_viewport_size(before)
