"""Registrations (providers, consumers), the authorization detail, and the consent.

A *field path* names one field everywhere: ``<PROVIDER>.<dataset>.<field>``, e.g.
``IMMD.particulars.address``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, field_validator, model_validator

from iamsmart.common.model import Model
from iamsmart.exchange.vocabulary import CITIZEN_ACCESS, DETAIL_TYPE, PURPOSES

PROVIDER_ID = r"^[A-Z]{2,8}$"
NAME = r"^[a-z][a-z0-9_]{0,39}$"
_PATH = re.compile(r"^([A-Z]{2,8})\.([a-z][a-z0-9_]{0,39})\.([a-z][a-z0-9_]{0,39})$")
MAX_FIELDS = 60


def split_path(path: str) -> tuple[str, str, str]:
    """``IMMD.particulars.address`` -> ``("IMMD", "particulars", "address")``."""
    match = _PATH.match(path) if isinstance(path, str) else None
    if match is None:
        raise ValueError(f"not a field path: {str(path)[:80]!r}")
    return match.group(1), match.group(2), match.group(3)


def _https_or_loopback(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.query or parts.fragment or not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


class CodeLabel(Model):
    """What a coded value means, in words (e.g. ``F`` -> "Female" / "女")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    en: str = Field(min_length=1, max_length=120)
    tc: str = Field(min_length=1, max_length=120)


def _code_names(value: dict[str, CodeLabel]) -> dict[str, CodeLabel]:
    if len(value) > 100 or any(not 1 <= len(code) <= 40 for code in value):
        raise ValueError("at most 100 codes of 1 to 40 characters")
    return value


class MemberSpec(Model):
    """One member of the records a ``list`` or ``object`` field holds (e.g. a vehicle's
    ``registration_mark``): its words, how its value is shown, and its codes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label_en: str = Field(min_length=1, max_length=120)
    label_tc: str = Field(min_length=1, max_length=120)
    # "number": an amount, grouped as the reader's language groups it; anything else is
    # shown as it is (a year such as 2019 is a "string" here).
    type: Literal["string", "date", "number", "boolean"] = "string"
    codes: dict[str, CodeLabel] = Field(default_factory=dict)

    _codes = field_validator("codes")(_code_names)


class FieldSpec(Model):
    """A field a provider registers: its words for the consent page, "My data" and "Who read
    my data" alike (the one label vocabulary), how its value is shown, the words of its coded
    values, and the members of its records."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["string", "date", "number", "boolean", "address", "list", "object"]
    label_en: str = Field(min_length=1, max_length=120)
    label_tc: str = Field(min_length=1, max_length=120)
    sensitivity: Literal["personal", "sensitive"] = "personal"
    codes: dict[str, CodeLabel] = Field(default_factory=dict)
    members: dict[str, MemberSpec] = Field(default_factory=dict, max_length=40)

    _codes = field_validator("codes")(_code_names)

    @field_validator("members")
    @classmethod
    def _member_names(cls, value: dict[str, MemberSpec]) -> dict[str, MemberSpec]:
        for name in value:
            if not re.match(NAME, name):
                raise ValueError(f"bad member name {name!r}")
        return value

    def words(self) -> dict[str, Any]:
        """How pages show this field's values: type, codes and members (only those set)."""
        out: dict[str, Any] = {"type": self.type}
        if self.codes:
            out["codes"] = {c: label.model_dump() for c, label in self.codes.items()}
        if self.members:
            out["members"] = {name: {"label_en": m.label_en, "label_tc": m.label_tc,
                                     "type": m.type,
                                     **({"codes": {c: label.model_dump()
                                                   for c, label in m.codes.items()}}
                                        if m.codes else {})}
                              for name, m in self.members.items()}
        return out


class Dataset(Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name_en: str = Field(min_length=1, max_length=120)
    name_tc: str = Field(min_length=1, max_length=120)
    fields: dict[str, FieldSpec] = Field(min_length=1, max_length=MAX_FIELDS)
    purposes: tuple[str, ...] = Field(min_length=1)  # lawful purposes
    max_retention_days: int = Field(ge=1, le=3650)

    @field_validator("fields")
    @classmethod
    def _names(cls, value: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        for name in value:
            if not re.match(NAME, name):
                raise ValueError(f"bad field name {name!r}")
        return value

    @field_validator("purposes")
    @classmethod
    def _purposes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(value) - set(PURPOSES)
        if unknown:
            raise ValueError(f"unknown purposes {sorted(unknown)}")
        return value


class Provider(Model):
    """A department registered as a data provider, reached at ``base_url`` (contract (a))."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=PROVIDER_ID)
    name_en: str = Field(min_length=1, max_length=120)
    name_tc: str = Field(min_length=1, max_length=120)
    base_url: str = Field(max_length=300)
    timeout_seconds: float = Field(default=3.0, ge=0.2, le=10.0)
    datasets: dict[str, Dataset] = Field(min_length=1, max_length=20)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.rstrip("/")
        if not _https_or_loopback(value):
            raise ValueError("base_url must be https (or http on loopback)")
        return value

    @field_validator("datasets")
    @classmethod
    def _names(cls, value: dict[str, Dataset]) -> dict[str, Dataset]:
        for name in value:
            if not re.match(NAME, name):
                raise ValueError(f"bad dataset name {name!r}")
        return value

    def field_spec(self, dataset: str, name: str) -> FieldSpec | None:
        ds = self.datasets.get(dataset)
        return ds.fields.get(name) if ds is not None else None

    def paths(self) -> list[str]:
        return [f"{self.id}.{d}.{f}" for d, ds in self.datasets.items() for f in ds.fields]


class PurposeRegistration(Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    retention_days: int = Field(ge=1, le=3650)
    fields: tuple[str, ...] = Field(min_length=1, max_length=MAX_FIELDS)

    @field_validator("fields")
    @classmethod
    def _paths(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for path in value:
            split_path(path)
        return tuple(dict.fromkeys(value))


class Consumer(Model):
    """A relying party registered to receive data, per purpose (contract (b))."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = Field(pattern=r"^[A-Za-z0-9._-]{3,64}$")
    department: str = Field(pattern=PROVIDER_ID)
    name_en: str = Field(min_length=1, max_length=120)
    name_tc: str = Field(min_length=1, max_length=120)
    encryption_jwk: dict[str, Any]
    notification_uri: str | None = None
    purposes: dict[str, PurposeRegistration] = Field(min_length=1)

    @field_validator("encryption_jwk")
    @classmethod
    def _jwk(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value.get("kty") != "EC" or value.get("crv") != "P-256" or "d" in value:
            raise ValueError("encryption_jwk must be a public EC P-256 key")
        if not isinstance(value.get("kid"), str) or not value["kid"]:
            raise ValueError("encryption_jwk needs a kid")
        return value

    @field_validator("notification_uri")
    @classmethod
    def _uri(cls, value: str | None) -> str | None:
        if value is not None and not _https_or_loopback(value):
            raise ValueError("notification_uri must be https (or http on loopback)")
        return value

    @field_validator("purposes")
    @classmethod
    def _purposes(cls, value: dict[str, PurposeRegistration]) -> dict[str, PurposeRegistration]:
        for purpose in value:
            if purpose not in PURPOSES or purpose == CITIZEN_ACCESS:
                raise ValueError(f"purpose {purpose!r} cannot be registered")
        return value

    def consumer_view(self) -> dict[str, str]:
        return {"client_id": self.client_id, "department": self.department,
                "name_en": self.name_en, "name_tc": self.name_tc}


class Detail(Model):
    """One RFC 9396 authorization detail of type ``urn:iamsmart:data-exchange``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["urn:iamsmart:data-exchange"]
    fields: tuple[str, ...] = Field(min_length=1, max_length=MAX_FIELDS)
    purpose: str = Field(max_length=40)
    mode: Literal["one_time", "standing"]
    duration_days: int | None = Field(default=None, ge=1, le=365)

    @field_validator("fields")
    @classmethod
    def _paths(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for path in value:
            split_path(path)
        return tuple(sorted(set(value)))

    @model_validator(mode="after")
    def _duration(self) -> Detail:
        if self.mode == "standing" and self.duration_days is None:
            raise ValueError("a standing consent needs duration_days")
        if self.mode == "one_time" and self.duration_days not in (None, 1):
            raise ValueError("a one-time consent lasts one day at most")
        return self

    def lifetime_seconds(self) -> int:
        return (self.duration_days or 1) * 86400

    def as_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": DETAIL_TYPE, "fields": list(self.fields),
                               "purpose": self.purpose, "mode": self.mode}
        if self.duration_days is not None:
            out["duration_days"] = self.duration_days
        return out


@dataclass(frozen=True)
class Consent:
    """A data-exchange consent as stored (owner: ``account_id``, never the request's)."""

    account_id: str
    consent_id: str
    client_id: str
    department: str
    purpose: str
    fields: tuple[str, ...]
    mode: str
    retention_days: int
    granted_at: int
    expires_at: int
    receipt_id: str
    receipt: str
    subs: dict[str, str]  # provider id -> the citizen's pairwise sub there
    sub: str  # the citizen's pairwise sub at the consumer
    used_at: int | None = None
    revoked_at: int | None = None
    grant_ids: frozenset[str] = field(default_factory=frozenset)

    def status(self, at: int) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.mode == "one_time" and self.used_at is not None:
            return "used"
        if self.expires_at <= at:
            return "expired"
        return "active"

    def covers(self, detail: Detail, at: int) -> bool:
        """A standing consent that lets this request through without asking again."""
        return (self.mode == "standing" and detail.mode == "standing"
                and self.status(at) == "active" and self.purpose == detail.purpose
                and set(detail.fields) <= set(self.fields)
                # a longer duration than agreed is wider too (the expiry is never extended)
                and detail.lifetime_seconds() <= self.expires_at - self.granted_at)
