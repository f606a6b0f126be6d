"""Sandbox data for registration: synthetic people, their card and record photos, and the
sandbox document-signing PKI (see README.md here for what each file is and where it came from).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from iamsmart.identity.hkid import HKID

DIR = Path(__file__).resolve().parent
PHOTOS = DIR / "photos"


@functools.cache
def people() -> dict[str, dict[str, Any]]:
    """Sandbox people by the compact form of their HKID number."""
    from iamsmart.identity import hkid

    entries = json.loads((DIR / "people.json").read_text(encoding="utf-8"))["people"]
    return {hkid.parse(p["particulars"]["hkid"]).compact: p for p in entries}


def person(number: HKID) -> dict[str, Any] | None:
    return people().get(number.compact)


def photo(name: str) -> bytes:
    """A sandbox photo by its file name (only files in photos/)."""
    path = (PHOTOS / name).resolve()
    if path.parent != PHOTOS or path.suffix != ".jpg":
        raise ValueError("not a sandbox photo")
    return path.read_bytes()
