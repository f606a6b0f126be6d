"""Helpers for the registration evidence tests (chip surgery, fixture photos)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from iamsmart.registration import der

FACES = Path(__file__).resolve().parents[2] / "fixtures" / "faces"
NOW = datetime.now(UTC)


def face(name: str) -> bytes:
    return (FACES / f"{name}.jpg").read_bytes()


def rebuild(sod: bytes, change: Callable[[list[der.Node]], list[bytes]]) -> bytes:
    """Re-encode a SOD with SignedData's fields replaced by ``change(fields)`` (no re-signing)."""
    content_type, wrapped = der.parse(sod).children()
    (signed_data,) = wrapped.children()
    fields = change(signed_data.children())
    return der.sequence(content_type.raw, der.explicit(0, der.sequence(*fields)))
