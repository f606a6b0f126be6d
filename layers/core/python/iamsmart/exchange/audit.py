"""The append-only access log: every data-exchange read (delivered, partial or refused),
consent and withdrawal, and every face event (enrolment, withdrawal, each step-up: kind
``face``, see ``iamsmart.faces.audit``), per citizen, in the ``accesslog`` table.

Key: ``account_id`` (partition: the citizen, so "who read my data" is one Query, newest
first) and ``sk`` = ``<milliseconds, 13 digits>#<event id>`` (time order). Items are only
ever *put*, with ``attribute_not_exists`` (never overwritten, never updated), through
``exchange.dal``; the API's role should hold PutItem and Query on this table and nothing
else. Items expire (TTL) after ``RETENTION_DAYS``. The event holds what the citizen needs to
read it later (the consumer's names as they were), no data values. A face event has
``purpose`` null and no fields, its event name as ``outcome`` and a few fixed words as
``details``: never an image, a template or a score.
"""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

from iamsmart import errors
from iamsmart.exchange import dal, vocabulary

RETENTION_DAYS = 7 * 366
MAX_PAGE = 100


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


def _event(account_id: str, *, kind: str, outcome: str, consumer: dict[str, str] | None = None,
           purpose: str | None = None, fields: list[str] | None = None,
           delivered: list[str] | None = None,
           providers: list[dict[str, str]] | None = None, reason: str | None = None,
           consent_id: str | None = None, receipt_id: str | None = None,
           event_id: str | None = None, details: dict[str, str] | None = None,
           ) -> tuple[dict[str, Any], str, int]:
    """The event, its sort key (time order) and when it expires."""
    ms = int(time.time() * 1000)
    eid = event_id or uuid.uuid4().hex
    event: dict[str, Any] = {
        "event_id": eid, "at": _iso(ms), "kind": kind, "outcome": outcome,
        **vocabulary.reason_label(reason), "consumer": consumer,
        "purpose": vocabulary.purpose_label(purpose) if purpose is not None else None,
        "fields": sorted(fields or []), "delivered": sorted(delivered or []),
        "providers": providers or [], "consent_id": consent_id, "receipt_id": receipt_id}
    if details:
        event["details"] = details
    return event, f"{ms:013d}#{eid}", ms // 1000 + RETENTION_DAYS * 86400


def record(account_id: str, **what: Any) -> dict[str, Any]:
    """Append one event (a conditional put); the event as the citizen will read it.
    Fails closed: if the event cannot be written, ``Unavailable`` (nothing is delivered)."""
    event, sk, expires_at = _event(account_id, **what)
    dal.append_log(account_id, sk, event, expires_at=expires_at)
    return event


def put_spec(account_id: str, **what: Any) -> dict[str, Any]:
    """The same event as a ``TransactWriteItems`` element (written with what it records)."""
    event, sk, expires_at = _event(account_id, **what)
    return dal.append_log_action(account_id, sk, event, expires_at=expires_at)


def _cursor_out(sk: str | None) -> str | None:
    if not sk:
        return None
    return base64.urlsafe_b64encode(sk.encode()).decode().rstrip("=")


def _cursor_in(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        sk = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        sk = ""
    head, _, tail = sk.partition("#")
    if len(head) != 13 or not head.isdigit() or not tail.isalnum() or len(tail) > 64:
        raise errors.InvalidInput(en="The cursor is not valid.", tc="游標無效。")
    return sk


def events(account_id: str, *, limit: int = 50, cursor: str | None = None,
           ) -> tuple[list[dict[str, Any]], str | None]:
    """The citizen's events, newest first, and the cursor of the next page."""
    out, last = dal.log_page(account_id, limit=max(1, min(limit, MAX_PAGE)),
                             after=_cursor_in(cursor))
    return out, _cursor_out(last)
