"""Helpers shared by the portal tests (a module of its own: ``conftest`` is not importable
by name when several conftest.py files exist)."""

from __future__ import annotations

from playwright.sync_api import Page


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
