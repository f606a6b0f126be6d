"""Single-use guards: a value (a ``jti``) is accepted once until it expires.

One conditional ``PutItem`` in the grants table per check: the item ``pk = "<kind>#<key>"``
with ``expires_at`` (the table's TTL attribute). An existing record whose ``expires_at`` has
passed counts as free (DynamoDB deletes expired items only eventually, and moto never), so
the condition is ``attribute_not_exists(pk) OR expires_at < :now``.

Kinds in use: ``jti`` (client assertions, keyed ``<client_id>#<jti>``), ``dpop`` (DPoP proofs,
``<jkt>#<jti>``), ``device`` (device-signed requests).

``Guard`` is the same check deferred: the record as one ``TransactWriteItems`` element
(``put``), so it rides in the transaction of the write it guards (PAR's new grant, the token
endpoint's grant update: one round trip for all); ``refused`` is what the caller raises when
the transaction fails on that element; ``record`` makes the check alone (``first_use``).
Deferred checks end as if each had been made where it was found, in order: ``settle`` (the
request was refused before its transaction: the pending checks are made now, a replay told
first) and ``after_failure`` (the transaction failed: the first refused guard is raised,
those before it are recorded; when none was refused, all are recorded).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from iamsmart import dynamo
from iamsmart.settings import settings

_MAX_KEY = 512
_FREE = "attribute_not_exists(pk) OR expires_at < :now"


def _check(kind: str, key: str) -> None:
    if not kind or "#" in kind or not key or len(key) > _MAX_KEY:
        raise ValueError("replay kind/key malformed")


def _record(kind: str, key: str, expires_at: int) -> dict[str, Any]:
    return {"pk": f"{kind}#{key}", "expires_at": int(expires_at)}


@dataclass(frozen=True)
class Guard:
    """A single-use check not made yet (see the module docstring)."""

    kind: str
    key: str
    expires_at: int
    refused: Callable[[], Exception]

    def put(self) -> dict[str, Any]:
        """The record as a ``TransactWriteItems`` element (the condition of ``first_use``)."""
        _check(self.kind, self.key)
        return dynamo.put_action(settings().grants_table,
                                 _record(self.kind, self.key, self.expires_at),
                                 condition=_FREE, values_={":now": dynamo.now()})

    def record(self) -> bool:
        return first_use(self.kind, self.key, self.expires_at)


def first_use(kind: str, key: str, expires_at: int) -> bool:
    """True the first time ``(kind, key)`` is seen (and records it until ``expires_at``);
    False when it was seen before and has not expired. DynamoDB throttled or down ->
    ``errors.Unavailable`` (fail closed: never "first use" without the record)."""
    _check(kind, key)
    return dynamo.put(settings().grants_table, _record(kind, key, expires_at),
                      condition=_FREE, values_={":now": dynamo.now()})


def settle(guards: list[Guard] | None) -> None:
    """Refused before the transaction: the checks still pending are made now (a presented
    assertion or proof is used up; a replay is told first, in the order they were found)."""
    while guards:
        guard = guards.pop(0)
        if not guard.record():
            raise guard.refused() from None


def after_failure(pending: Sequence[Guard], refused: Sequence[bool]) -> None:
    """The transaction carrying ``pending`` failed (nothing was written); ``refused``: which
    of their elements failed. As if checked one by one: the guards before the first refused
    one are recorded, and that one is raised; when none was refused (the guarded write's own
    condition failed), all are recorded and the caller tells its own failure."""
    for guard, failed in zip(pending, refused, strict=True):
        if failed or not guard.record():
            raise guard.refused()
