"""The evidence step of registration, and the face step: what the workflow calls.

Evidence is either the smart HKID card's chip data (verified like ICAO 9303 passive
authentication, ``chip.verify_chip``) or, where no chip can be read, one photo of the card with
the particulars typed in, which can never be verified automatically and goes to manual review.
Either way the HKID number is validated (format, check digit) before any lookup, the
Immigration record is looked up, and the particulars must agree with it.

``check_evidence`` returns an ``EvidenceResult``:
- ``outcome``: ``verified`` (chip authentic, record found, particulars agree),
  ``needs_manual_review`` (card photo, record found, particulars agree) or ``rejected``
  (no record, or the particulars disagree: ``reasons`` and ``mismatches`` say which);
- ``particulars``: verified (chip) or declared (form), ``checks`` passed, and the
  ``reference_photo`` from the Immigration record (``reference_source``) for the face step.
Chip data that is not authentic raises ``ChipNotAuthentic``; a malformed number
``InvalidHKID``; an unusable card photo ``InvalidImage`` / ``PayloadTooLarge`` (all 4xx).
The log line and ``summary()`` carry outcomes and check names only, never personal data.

``face_match(selfie, reference)`` is the face step: the configured face engine
(``iamsmart.faces``; Rekognition in AWS, dlib locally) with the configured thresholds.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from iamsmart import errors
from iamsmart.metrics import Metric
from iamsmart.registration import chip as chip_mod
from iamsmart.registration.immigration import ImmigrationProvider, particulars_agree, provider
from iamsmart.registration.particulars import Particulars, from_form

if TYPE_CHECKING:  # pragma: no cover
    from iamsmart.faces.engine import Comparison
    from iamsmart.settings import Settings

Outcome = Literal["verified", "needs_manual_review", "rejected"]
# A generous bound on base64 text before decoding (the image limit is checked after it).
MAX_BASE64 = 8 * 1024 * 1024


@dataclass(frozen=True)
class ChipEvidence:
    sod: bytes
    data_groups: Mapping[int, bytes]

    def __repr__(self) -> str:
        return "ChipEvidence(***)"


@dataclass(frozen=True)
class CardPhotoEvidence:
    photo: bytes
    declared: Particulars

    def __repr__(self) -> str:
        return "CardPhotoEvidence(***)"


Evidence = ChipEvidence | CardPhotoEvidence


@dataclass(frozen=True)
class EvidenceResult:
    outcome: Outcome
    evidence: Literal["chip", "card_photo"]
    particulars: Particulars
    checks: tuple[str, ...]
    reasons: tuple[str, ...] = ()
    mismatches: tuple[str, ...] = ()
    reference_photo: bytes | None = field(default=None, repr=False)
    reference_source: str | None = None

    def __repr__(self) -> str:
        return f"EvidenceResult({self.summary()!r})"

    def summary(self) -> dict[str, Any]:
        """What may be logged or kept in workflow state: no personal data, no images."""
        return {
            "outcome": self.outcome,
            "evidence": self.evidence,
            "checks": list(self.checks),
            "reasons": list(self.reasons),
            "mismatches": list(self.mismatches),
            "reference_source": self.reference_source,
        }


class InvalidEvidence(errors.InvalidInput):
    code = "invalid_evidence"
    en = ("Please provide either the chip data read from your smart HKID card, or a photo of "
          "your HKID card with your personal particulars.")
    tc = "請提供從智能身份證讀取的晶片資料，或身份證相片連同你的個人資料。"


def _bytes(value: object, field_name: str) -> bytes:
    if not isinstance(value, str) or not value or len(value) > MAX_BASE64:
        raise InvalidEvidence(field=field_name)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidEvidence(field=field_name) from exc


def parse_evidence(payload: object) -> Evidence:
    """The evidence part of an application, as JSON:

    ``{"kind": "chip", "sod": b64, "data_groups": {"1": b64, "2": b64}}`` or
    ``{"kind": "card_photo", "photo": b64, "particulars": {...}}`` (``particulars.FIELDS``).
    For a card photo the HKID number is validated first, before the photo is even decoded.
    """
    if not isinstance(payload, dict):
        raise InvalidEvidence()
    kind = payload.get("kind")
    if kind == "card_photo" and set(payload) == {"kind", "photo", "particulars"}:
        declared = from_form(payload["particulars"])
        return CardPhotoEvidence(_bytes(payload["photo"], "photo"), declared)
    if kind == "chip" and set(payload) == {"kind", "sod", "data_groups"}:
        groups = payload["data_groups"]
        if not isinstance(groups, dict) or not 0 < len(groups) <= 16 or not all(
                isinstance(k, str) and k.isdigit() and len(k) <= 2 for k in groups):
            raise InvalidEvidence(field="data_groups")
        return ChipEvidence(_bytes(payload["sod"], "sod"),
                            {int(k): _bytes(v, f"dg{k}") for k, v in groups.items()})
    raise InvalidEvidence()


def check_evidence(evidence: Evidence, immigration: ImmigrationProvider | None = None, *,
                   cfg: Settings | None = None, anchor: Any = None,
                   at: datetime | None = None) -> EvidenceResult:
    """Verify the evidence and compare it with the Immigration record (see module docs).

    ``anchor`` and ``at`` are for tests: the CSCA to trust (default: the pinned one) and the
    time certificates must be valid at (default: now).
    """
    from iamsmart.faces import images

    checks: list[str]
    if isinstance(evidence, ChipEvidence):
        kind: Literal["chip", "card_photo"] = "chip"
        data = chip_mod.verify_chip(evidence.sod, evidence.data_groups, anchor=anchor, at=at)
        particulars = data.particulars
        checks = ["hkid_format", *data.checks]
    elif isinstance(evidence, CardPhotoEvidence):
        kind = "card_photo"
        particulars = evidence.declared  # parsed: format and check digit already passed
        images.validate(evidence.photo, cfg)
        checks = ["hkid_format", "card_photo_valid"]
    else:
        raise InvalidEvidence()

    record = (immigration or provider()).lookup(particulars.hkid)
    if record is None:
        result = EvidenceResult("rejected", kind, particulars, tuple(checks), ("no_record",))
    else:
        checks.append("immigration_record_found")
        mismatches = particulars_agree(particulars, record)
        if mismatches:
            outcome: Outcome = "rejected"
            reasons: tuple[str, ...] = ("particulars_mismatch",)
        else:
            checks.append("particulars_agree")
            outcome = "verified" if kind == "chip" else "needs_manual_review"
            reasons = () if kind == "chip" else ("card_photo",)
        result = EvidenceResult(outcome, kind, particulars, tuple(checks), reasons,
                                tuple(mismatches), record.photo, record.source)
    _record(result)
    return result


def _record(result: EvidenceResult) -> None:
    from iamsmart.observability import count, logger

    logger().info("registration evidence checked", extra=result.summary())
    count(Metric.REGISTRATION_EVIDENCE, outcome=result.outcome, evidence=result.evidence)


def face_match(selfie: bytes, reference: bytes, cfg: Settings | None = None) -> Comparison:
    """The applicant's selfie against the reference photo, by the configured face engine.

    Raises ``InvalidImage`` / ``PayloadTooLarge`` / ``FaceNotUsable`` for unusable photos
    (a reference that cannot be used says so, for manual review) and ``Unavailable`` when
    the engine is down: never a match by default.
    """
    from iamsmart.faces import engine_for
    from iamsmart.settings import settings

    return engine_for(cfg or settings()).compare(selfie, reference)
