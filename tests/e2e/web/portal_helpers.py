"""Helpers shared by the portal tests (a module of its own: ``conftest`` is not importable
by name when several conftest.py files exist)."""

from __future__ import annotations

from typing import Any

from display_modes import DESKTOP
from playwright.sync_api import Browser, BrowserContext, Page


def new_context(browser: Browser, storage_state: Any = None) -> BrowserContext:
    """A browser context as a Hong Kong citizen's (Traditional Chinese, desktop), empty or with
    the cookies and storage of ``storage_state`` (a signed-in session)."""
    context = browser.new_context(locale="zh-HK", viewport=DESKTOP,
                                  timezone_id="Asia/Hong_Kong", storage_state=storage_state)
    context.set_default_timeout(10_000)
    return context


class PageProblems:
    """JavaScript exceptions and console errors seen on a page (CSP violations log as errors)."""

    def __init__(self) -> None:
        self.exceptions: list[str] = []
        self.console_errors: list[str] = []

    def unexpected(self, allow_http_errors: bool = False) -> list[str]:
        errors = list(self.exceptions)
        for text in self.console_errors:
            if allow_http_errors and "Failed to load resource" in text:
                continue
            errors.append(text)
        return errors


def watched_page(context: BrowserContext) -> Page:
    """A new page that records JS exceptions and console errors in ``page.problems``."""
    page = context.new_page()
    problems = PageProblems()
    page.on("pageerror", lambda exc: problems.exceptions.append(str(exc)))
    page.on("console",
            lambda msg: problems.console_errors.append(msg.text) if msg.type == "error" else None)
    page.problems = problems  # type: ignore[attr-defined]
    return page


def settle(page: Page) -> None:
    """Wait until every section has answered (data shown, or a notice) and nothing is loading."""
    page.wait_for_function(
        """() => ['weather', 'traffic', 'food', 'news', 'services'].every(
                 (id) => document.getElementById(id).dataset.state)
             && !document.querySelector('[aria-busy]')"""
    )


def open_home(page: Page, base_url: str) -> Page:
    page.goto(base_url + "/")
    settle(page)
    return page
