"""axe-core for the accessibility checks (a module of its own: ``conftest`` is not importable
by name)."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import DEFAULT_OPTIONS, AxeResults
from axe_playwright_python.sync_playwright import Axe as _Axe


class Axe(_Axe):
    """axe-playwright-python's runner, the same axe-core, rules and options, except that the
    half-megabyte script is put into a page once, not again before every run: a flow checks
    one page in several display modes (display_modes.each_mode) without reloading it."""

    def run(self, page: Any, context: str | list | dict | None = None,
            options: dict | None = DEFAULT_OPTIONS) -> AxeResults:
        if not page.evaluate("() => typeof window.axe === 'object' && !!window.axe.run"):
            page.evaluate(self.axe_script)
        args = self._format_script_args(context=context, options=options)
        return AxeResults(page.evaluate(f"axe.run({args}).then((results) => results)"))
