"""The source rules' one scan (a module of its own: ``conftest`` is not importable by name)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path


def lines_matching(paths: Iterable[Path], pattern: re.Pattern[str] | str,
                   root: Path) -> list[str]:
    """``<path from root>:<line number>: <line>`` for every line of ``paths`` in which
    ``pattern`` (a regular expression, or a plain string) is found."""
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if (pattern.search(line) if isinstance(pattern, re.Pattern) else pattern in line):
                found.append(f"{path.relative_to(root).as_posix()}:{number}: {line.strip()}")
    return found
