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

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iamsmart.dynamo import translated
from iamsmart.settings import settings

_MAX_KEY = 512


def _check(kind: str, key: str) -> None:
    if not kind or "#" in kind or not key or len(key) > _MAX_KEY:
        raise ValueError("replay kind/key malformed")


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
        return {"Put": {
            "TableName": settings().grants_table,
            "Item": {"pk": {"S": f"{self.kind}#{self.key}"},
                     "expires_at": {"N": str(int(self.expires_at))}},
            "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
            "ExpressionAttributeValues": {":now": {"N": str(int(time.time()))}}}}

    def record(self) -> bool:
        return first_use(self.kind, self.key, self.expires_at)


def first_use(kind: str, key: str, expires_at: int) -> bool:
    """True the first time ``(kind, key)`` is seen (and records it until ``expires_at``);
    False when it was seen before and has not expired. DynamoDB throttled or down ->
    ``errors.Unavailable`` (fail closed: never "first use" without the record)."""
    _check(kind, key)
    from botocore.exceptions import ClientError

    from iamsmart import aws

    now = int(time.time())
    try:
        with translated("put_item"):
            aws.client("dynamodb").put_item(
                TableName=settings().grants_table,
                Item={"pk": {"S": f"{kind}#{key}"}, "expires_at": {"N": str(int(expires_at))}},
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True
