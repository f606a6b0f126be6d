"""Helpers for the registration evidence tests (chip surgery, forged cards, fixture photos)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from asn1crypto import cms, core

from iamsmart.registration import card, sandbox
from iamsmart.registration.chip import build_sod

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


Forgery = Literal["dg1", "dg2", "untrusted", "unsigned"]


def tampered_card(number: str, forgery: Forgery) -> tuple[bytes, dict[int, bytes]]:
    """A sandbox person's card, forged: ``dg1`` (English name altered after signing), ``dg2``
    (another face's photo), ``untrusted`` (altered, then re-signed by a CA nobody pinned),
    ``unsigned`` (the signature removed). ``verify_chip`` refuses every one."""
    sod, groups = card.sandbox_card(number)
    if forgery == "dg1":
        return sod, {**groups, 1: groups[1].replace(b'"name_en":"', b'"name_en":"X')}
    if forgery == "dg2":
        other = "biden.jpg" if groups[2] != sandbox.photo("biden.jpg") else "obama.jpg"
        return sod, {**groups, 2: sandbox.photo(other)}
    if forgery == "untrusted":
        now = datetime.now(UTC)
        rogue = card.new_pki(now - timedelta(days=1), now + timedelta(days=365)).document_signer
        altered = {**groups, 1: groups[1].replace(b'"name_en":"', b'"name_en":"X')}
        return build_sod(altered, rogue.certificate, rogue.key), altered
    if forgery == "unsigned":
        info = cms.ContentInfo.load(sod)
        info["content"]["signer_infos"] = []  # no SignerInfo
        return bytes(info.dump(force=True)), groups
    raise ValueError("unknown forgery")
