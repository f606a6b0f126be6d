"""Helpers for the registration evidence tests (chip surgery, fixture photos)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import cms, core

FACES = Path(__file__).resolve().parents[2] / "fixtures" / "faces"
NOW = datetime.now(UTC)


def face(name: str) -> bytes:
    return (FACES / f"{name}.jpg").read_bytes()


def rebuild(sod: bytes, change: Callable[[dict[str, Any]], dict[str, Any]]) -> bytes:
    """Re-encode a SOD with SignedData's fields (name → value, those present) replaced by
    ``change(fields)`` (no re-signing)."""
    signed_data = cms.ContentInfo.load(sod)["content"]
    fields = {name: signed_data[name] for name in signed_data
              if not isinstance(signed_data[name], core.Void)}
    new = cms.SignedData(change(fields))
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": new}).dump())
