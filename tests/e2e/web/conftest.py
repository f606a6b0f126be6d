"""Browser fixtures for the citizen web portal tests.

One Chromium (Debian's, at /usr/bin/chromium; never ``playwright install``) per test session,
a fresh browser context per test (so localStorage starts empty). The site under test is the
local platform from the ``platform_url`` fixture (tests/e2e/conftest.py): same origin for the
static site and the API.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from portal_helpers import open_home

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def chromium_browser(playwright_session: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("Debian's chromium is required for the web tests: apt-get install chromium")
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def web_context(chromium_browser: Browser) -> Iterator[BrowserContext]:
    context = chromium_browser.new_context(locale="zh-HK", viewport=DESKTOP,
                                           timezone_id="Asia/Hong_Kong")
    context.set_default_timeout(10_000)
    yield context
    context.close()


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


@pytest.fixture
def web_page(web_context: BrowserContext) -> Iterator[Page]:
    """A page that records JS exceptions and console errors in ``page.problems``."""
    page = web_context.new_page()
    problems = PageProblems()
    page.on("pageerror", lambda exc: problems.exceptions.append(str(exc)))
    page.on("console",
            lambda msg: problems.console_errors.append(msg.text) if msg.type == "error" else None)
    page.problems = problems  # type: ignore[attr-defined]
    yield page


@pytest.fixture
def home(web_page: Page, platform_url: str) -> Page:
    """The home page, fully loaded, in Traditional Chinese (the default for a zh-HK browser)."""
    return open_home(web_page, platform_url)
