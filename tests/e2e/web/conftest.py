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
from portal_helpers import new_context, open_home, watched_page

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
    context = new_context(chromium_browser)
    yield context
    context.close()


@pytest.fixture
def web_page(web_context: BrowserContext) -> Iterator[Page]:
    """A page that records JS exceptions and console errors in ``page.problems``."""
    yield watched_page(web_context)


@pytest.fixture
def home(web_page: Page, platform_url: str) -> Page:
    """The home page, fully loaded, in Traditional Chinese (the default for a zh-HK browser)."""
    return open_home(web_page, platform_url)
