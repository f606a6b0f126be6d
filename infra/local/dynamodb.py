"""Two things DynamoDB does in AWS that the embedded moto server needs help with.

- **Isolation.** moto's server answers requests on several threads, but its DynamoDB backend
  is not thread-safe: ``TransactWriteItems`` deep-copies whole tables for its rollback while
  another thread writes to them ("dictionary changed size during iteration", a 500 that
  botocore retries). ``serialise()`` runs DynamoDB requests one at a time, as one partition of
  a real table would order them. It patches ``DynamoHandler.call_action`` (moto pinned
  exactly; ``tests/integration/test_local_dynamodb.py`` is the canary).
- **Time to live.** moto never deletes expired items; DynamoDB does (within days). Left alone,
  login records pile up and every transaction's table copy grows with them. ``sweep_expired``
  deletes items whose TTL attribute is in the past; the local platform runs it every minute.
  Code never relies on the sweep: reads filter on expiry themselves.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from infra.names import TABLES

_lock = threading.RLock()
_installed = False


def serialise() -> None:
    """Patch moto (idempotent): one DynamoDB request at a time in this process."""
    global _installed
    with _lock:
        if _installed:
            return
        from moto.dynamodb.responses import DynamoHandler

        original = DynamoHandler.call_action

        def call_action(self: Any) -> Any:
            with _lock:
                return original(self)

        DynamoHandler.call_action = call_action  # type: ignore[method-assign]
        _installed = True


def sweep_expired(now: float | None = None) -> int:
    """Delete every item whose TTL attribute is in the past; returns how many."""
    from iamsmart import aws

    dynamodb = aws.client("dynamodb")
    cutoff = str(int(time.time() if now is None else now))
    deleted = 0
    for spec in TABLES.values():
        if not spec.ttl_attribute:
            continue
        keys = [spec.partition_key] + ([spec.sort_key] if spec.sort_key else [])
        pages = dynamodb.get_paginator("scan").paginate(
            TableName=spec.name,
            FilterExpression="#ttl < :now",
            ProjectionExpression=", ".join(f"#k{i}" for i in range(len(keys))),
            ExpressionAttributeNames={"#ttl": spec.ttl_attribute,
                                      **{f"#k{i}": k for i, k in enumerate(keys)}},
            ExpressionAttributeValues={":now": {"N": cutoff}},
        )
        expired = [item for page in pages for item in page.get("Items", [])]
        for start in range(0, len(expired), 25):
            batch = [{"DeleteRequest": {"Key": key}} for key in expired[start:start + 25]]
            dynamodb.batch_write_item(RequestItems={spec.name: batch})
        deleted += len(expired)
    return deleted


def start_sweeper(stop: threading.Event, every_seconds: float = 60.0) -> threading.Thread:
    """``sweep_expired`` every ``every_seconds`` until ``stop`` is set (a daemon thread)."""

    def run() -> None:
        while not stop.wait(every_seconds):
            try:
                sweep_expired()
            except Exception as exc:  # noqa: BLE001 - a missed sweep only delays clean-up
                logging.getLogger(__name__).warning("TTL sweep failed: %s", type(exc).__name__)

    thread = threading.Thread(target=run, name="ttl-sweeper", daemon=True)
    thread.start()
    return thread
