"""The Immigration Department's records: a port, and the sandbox adapter behind it.

Registration looks the applicant up by HKID number to compare the particulars (chip or form)
with the record, and to get the reference photo the selfie is matched against.

- ``ImmigrationProvider``: ``lookup(hkid) -> ImmigrationRecord | None``. It takes a parsed
  ``HKID``, so a malformed number or wrong check digit can never reach a lookup.
- ``SandboxImmigration``: synthetic records (``sandbox/people.json``, photos in
  ``sandbox/photos``); what the local platform, the tests and the sandbox use.
- In AWS the adapter would call the Immigration Department's interface; that interface is
  not available to this project, so there is no such adapter yet and ``provider()`` returns
  the sandbox one everywhere. A real adapter must fail closed (``errors.Unavailable``) like
  ``iamsmart.aws.guarded``, and never log the number.

``particulars_agree`` says which fields disagree, after normalising what may be written
differently (English name: case, spaces, commas and hyphens; HKID: formatting), while the
Chinese name must match exactly (only surrounding spaces are ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from iamsmart.identity.hkid import HKID
from iamsmart.registration import sandbox
from iamsmart.registration.particulars import FIELDS, Particulars, from_mapping

SANDBOX_SOURCE = "sandbox_immigration_record"
_NAME_PARTS = re.compile(r"[A-Z]+")


@dataclass(frozen=True)
class ImmigrationRecord:
    particulars: Particulars
    photo: bytes  # the reference photo on record
    source: str  # where the photo and particulars come from (not personal data)

    def __repr__(self) -> str:
        return f"ImmigrationRecord(***, source={self.source!r})"

    __str__ = __repr__


class ImmigrationProvider(Protocol):
    def lookup(self, hkid: HKID) -> ImmigrationRecord | None:
        """The record for this number, or ``None`` if there is none."""
        ...


class SandboxImmigration:
    """Synthetic records of the sandbox people (made here; see sandbox/README.md)."""

    source = SANDBOX_SOURCE

    def lookup(self, hkid: HKID) -> ImmigrationRecord | None:
        if not isinstance(hkid, HKID):
            raise TypeError("lookup takes a parsed HKID")
        person = sandbox.person(hkid)
        if person is None:
            return None
        particulars = from_mapping(person["particulars"], issue_required=True)
        return ImmigrationRecord(particulars, sandbox.photo(person["reference_photo"]),
                                 self.source)


def provider() -> ImmigrationProvider:
    """The provider for this deployment: the sandbox everywhere (see the module docstring)."""
    return SandboxImmigration()


def _english(name: str) -> list[str]:
    # "CHAN, Tai-man" and "chan tai man" agree; letters and their order must not differ.
    return _NAME_PARTS.findall(name.upper().replace("'", ""))


def _chinese(name: str | None) -> str | None:
    return (name.strip() or None) if name is not None else None


def particulars_agree(claimed: Particulars, record: Particulars | ImmigrationRecord) -> list[str]:
    """The fields (in ``FIELDS`` order) on which ``claimed`` and the record disagree.

    ``date_of_issue`` is compared only when the claim has one (forms do not ask for it; a
    chip's date differs from the record's when the card has been replaced since).
    """
    held = record.particulars if isinstance(record, ImmigrationRecord) else record
    differs = {
        "hkid": claimed.hkid.compact != held.hkid.compact,
        "name_en": _english(claimed.name_en) != _english(held.name_en),
        "name_zh": _chinese(claimed.name_zh) != _chinese(held.name_zh),
        "date_of_birth": claimed.date_of_birth != held.date_of_birth,
        "sex": claimed.sex != held.sex,
        "date_of_issue": (claimed.date_of_issue is not None
                          and claimed.date_of_issue != held.date_of_issue),
    }
    return [name for name in FIELDS if differs[name]]
