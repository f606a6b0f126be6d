"""Single-use guards: a value (a ``jti``) is accepted once until it expires.

One conditional ``PutItem`` in the grants table per check: the item ``pk = "<kind>#<key>"``
with ``expires_at`` (the table's TTL attribute). An existing record whose ``expires_at`` has
passed counts as free (DynamoDB deletes expired items only eventually, and moto never), so
the condition is ``attribute_not_exists(pk) OR expires_at < :now``.

Kinds in use: ``jti`` (client assertions, keyed ``<client_id>#<jti>``), ``dpop`` (DPoP proofs,
``<jkt>#<jti>``), ``device`` (device-signed requests).

``Guard`` is the same check deferred: the record as one ``TransactWriteItems`` element
(``put``), so it rides in the transaction of the write it guards (the token endpoint's grant
update: one round trip instead of three); ``refused`` is what the caller raises when the
transaction fails on that element; ``record`` makes the check alone (``first_use``).
"""

from __future__ import annotations

from collections.abc import Callable
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
