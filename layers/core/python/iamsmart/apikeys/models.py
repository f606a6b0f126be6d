"""The holder of an API key (``Principal``), as the registry stores and answers it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["department", "site", "registration-staff"]
KINDS: tuple[str, ...] = ("department", "site", "registration-staff")
Channel = Literal["kiosk", "counter", "mobile"]
CHANNELS: tuple[str, ...] = ("kiosk", "counter", "mobile")

_DEPARTMENT = re.compile(r"[A-Z][A-Z0-9]{1,15}")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,63}")


class InvalidPrincipal(ValueError):
    """A principal that cannot be registered (missing or malformed holder fields)."""


@dataclass(frozen=True)
class Principal:
    """Who holds one API key.

    - ``department``: ``department`` is the catalogue abbreviation (``TD``);
    - ``site``: a registration kiosk, post-office counter or mobile team (``site`` is its id
      in the sites table, ``channel`` its type);
    - ``registration-staff``: ``staff`` is the reviewer's staff id.
    """

    key_id: str
    kind: Kind
    department: str | None = None
    channel: Channel | None = None
    site: str | None = None
    staff: str | None = None
    enabled: bool = True
    issued_at: str | None = None  # ISO 8601, UTC
    disabled_at: str | None = None

    def __post_init__(self) -> None:
        if not self.key_id or len(self.key_id) > 128:
            raise InvalidPrincipal("key_id is required (at most 128 characters)")
        if self.kind == "department":
            if not self.department or not _DEPARTMENT.fullmatch(self.department):
                raise InvalidPrincipal("a department key names its department (e.g. TD)")
        elif self.kind == "site":
            if self.channel not in CHANNELS:
                raise InvalidPrincipal("a site key names its channel: kiosk, counter or mobile")
            if not self.site or not _NAME.fullmatch(self.site):
                raise InvalidPrincipal("a site key names its site id (lower-case, digits, -)")
        elif self.kind == "registration-staff":
            if not self.staff or not _NAME.fullmatch(self.staff):
                raise InvalidPrincipal("a staff key names its staff id (lower-case, digits, -)")
        else:
            raise InvalidPrincipal(f"unknown kind {self.kind!r}")

    @property
    def holder(self) -> str:
        """One word for listings: the department, site or staff id."""
        return str(self.department or self.site or self.staff)


@dataclass(frozen=True)
class IssuedKey:
    """A key just issued: its id (what the registry keeps) and its value (shown once)."""

    principal: Principal
    value: str
    name: str
