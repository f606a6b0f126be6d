"""The ``feeds`` table: one item per feed (partition key ``feed``).

Good data (``payload``, ``fetched_at``, ``source_url``, ``items``) and the last failure
(``last_error``, ``last_error_message``, ``last_error_at``, ``failures``) are separate
attributes, each written by its own UpdateItem, so recording a failure can never touch the last
good payload. ``expires_at`` (TTL, epoch seconds) is ``fetched_at`` + 7 days; DynamoDB deletes
expired items lazily (moto never does), so readers also ignore expired payloads.

PynamoDB is imported lazily and never leaves this module: callers get ``models.FeedState``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from iamsmart import dynamo, errors
from iamsmart.feeds import models
from iamsmart.settings import settings

RETENTION = dt.timedelta(days=7)
# Payload JSON is kept well below DynamoDB's 400 KB item limit.
MAX_PAYLOAD_BYTES = 350 * 1024

def _define() -> Any:
    from pynamodb.attributes import NumberAttribute, UnicodeAttribute
    from pynamodb.models import Model

    class FeedItem(Model):
        class Meta:
            pass  # bound by dynamo.pynamodb_model

        feed = UnicodeAttribute(hash_key=True)
        payload = UnicodeAttribute(null=True)  # JSON of a models.FeedDocument
        fetched_at = UnicodeAttribute(null=True)  # ISO 8601, +08:00
        source_url = UnicodeAttribute(null=True)
        items = NumberAttribute(null=True)
        expires_at = NumberAttribute(null=True)  # TTL, epoch seconds
        last_error = UnicodeAttribute(null=True)  # the error's class name (the ASL contract)
        last_error_message = UnicodeAttribute(null=True)
        last_error_at = UnicodeAttribute(null=True)
        failures = NumberAttribute(null=True)  # consecutive failures since the last good fetch

    return FeedItem


def _model() -> Any:
    """The PynamoDB model, built on first use with the table name from settings (PynamoDB's
    own timeouts)."""
    return dynamo.pynamodb_model(_define, settings().feeds_table,
                                 connect_timeout_seconds=None, read_timeout_seconds=None)


def reset() -> None:
    """Forget the model (tests change table names and endpoints between runs)."""
    dynamo.forget_model(_define)


def _iso(value: dt.datetime) -> str:
    return models.to_hkt(value).isoformat()


def store_document(feed: str, document: models.FeedDocument, *, source_url: str,
                   fetched_at: dt.datetime) -> None:
    """Write the latest good document (failure attributes are left as they are, except the
    consecutive-failure counter, which restarts)."""
    model = _model()
    payload = document.model_dump_json()
    if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise errors.FeedTooLarge(en="The parsed document is too large to store.",
                                  tc="解析後的文件過大，無法儲存。", stage="store")
    expires = int((fetched_at + RETENTION).timestamp())
    item = model(feed)
    with dynamo.translated("store_document"):
        item.update(actions=[
            model.payload.set(payload),
            model.fetched_at.set(_iso(fetched_at)),
            model.source_url.set(source_url),
            model.items.set(document.item_count),
            model.expires_at.set(expires),
            model.failures.set(0),
        ])


def record_failure(feed: str, *, error: str, message: str, at: dt.datetime) -> int:
    """Record a failed refresh without touching the good data; returns the failure count."""
    model = _model()
    item = model(feed)
    # An item that never held good data still expires (7 days after its first failure).
    expires = int((at + RETENTION).timestamp())
    with dynamo.translated("record_failure"):
        item.update(actions=[
            model.last_error.set(error),
            model.last_error_message.set(message),
            model.last_error_at.set(_iso(at)),
            model.failures.add(1),
            model.expires_at.set(model.expires_at | expires),
        ])
    return int(item.failures or 0)


def _state(item: Any, now: dt.datetime) -> models.FeedState:
    document = None
    fetched_at = None
    expired = item.expires_at is not None and item.expires_at <= now.timestamp()
    if item.payload is not None and not expired:
        try:
            document = models.document_adapter().validate_json(item.payload)
            fetched_at = dt.datetime.fromisoformat(item.fetched_at) if item.fetched_at else None
        except ValueError:  # a payload written by an incompatible version: treat as absent
            document, fetched_at = None, None
    return models.FeedState(
        feed=item.feed, document=document, fetched_at=fetched_at,
        source_url=item.source_url if document is not None else None,
        last_error=item.last_error,
        last_error_at=dt.datetime.fromisoformat(item.last_error_at)
        if item.last_error_at else None,
        failures=int(item.failures or 0),
    )


def get_states(feeds: Iterable[str], now: dt.datetime | None = None) -> dict[str, models.FeedState]:
    """The known state of each feed (feeds with no item are absent from the result)."""
    keys = list(dict.fromkeys(feeds))
    if not keys:
        return {}
    model = _model()
    moment = now or dt.datetime.now(dt.UTC)
    with dynamo.translated("get_states"):
        items = list(model.batch_get(keys))
    return {item.feed: _state(item, moment) for item in items}


def get_state(feed: str) -> models.FeedState | None:
    return get_states([feed]).get(feed)
