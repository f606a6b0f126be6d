"""Face events in the citizen's one access log: enrolment, withdrawal and every step-up.

Written through ``iamsmart.exchange.audit`` (the ``accesslog`` table, append-only) as kind
``face``: the event name is the ``outcome``, the service a step-up was for is the
``consumer`` (when known), a refusal's reason its ``reason``, a withdrawal's receipt id its
``receipt_id``, and at most a few fixed words as ``details`` (the template's source,
liveness "evaluated"/"not_evaluated"). Never an image, a template, a score or a name of the
citizen. ``recent`` reads them back from the same log (the face page's "recent face events").
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping
from typing import Any

from iamsmart.metrics import Metric

KIND = "face"
EVENTS = ("face_enrolled", "face_withdrawn", "face_stepup_passed", "face_stepup_refused",
          "face_stepup_error")
_DETAILS = ("source", "liveness")
_SERVICE = ("client_id", "name_en", "name_tc")
# The face page reads this many log pages at most (newest first) to find its events.
_PAGES = 5


def _service(client_id: str, service: Mapping[str, Any] | None) -> dict[str, str] | None:
    names = {k: str(v) for k, v in (service or {}).items() if k in _SERVICE and v}
    if client_id:
        names["client_id"] = client_id
    return names if names.get("client_id") else None


def record(account_id: str, event: str, *, client_id: str = "", reason: str = "",
           receipt_id: str = "", service: Mapping[str, Any] | None = None,
           **details: Any) -> dict[str, Any]:
    """Append one face event to the access log (fails closed: ``Unavailable``); the event
    as the citizen reads it. Details outside a short, fixed list are dropped."""
    from iamsmart.exchange import audit
    from iamsmart.observability import count

    if event not in EVENTS:
        raise ValueError(f"unknown access-log event {event!r}")
    kept = {k: str(v) for k, v in details.items() if k in _DETAILS and isinstance(v, str) and v}
    written = audit.record(account_id, kind=KIND, outcome=event,
                           consumer=_service(client_id, service), reason=reason or None,
                           receipt_id=receipt_id or None, details=kept or None)
    count(Metric.FACE_EVENT, event=event)
    return written


def _seconds(at: str) -> int:
    try:
        return calendar.timegm(time.strptime(at[:19], "%Y-%m-%dT%H:%M:%S"))
    except (TypeError, ValueError):
        return 0


def recent(account_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The latest face events, newest first, from the access log."""
    from iamsmart.exchange import audit

    out: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(_PAGES):
        page, cursor = audit.events(account_id, limit=audit.MAX_PAGE, cursor=cursor)
        for e in page:
            if e.get("kind") != KIND or e.get("outcome") not in EVENTS:
                continue
            consumer = e.get("consumer") or {}
            item: dict[str, Any] = {"event": e["outcome"], "at": _seconds(str(e.get("at"))),
                                    **(e.get("details") or {})}
            for key, value in (("client_id", consumer.get("client_id")),
                               ("service_en", consumer.get("name_en")),
                               ("service_tc", consumer.get("name_tc")),
                               ("reason", e.get("reason")), ("receipt_id", e.get("receipt_id"))):
                if value:
                    item[key] = value
            out.append(item)
            if len(out) >= limit:
                return out
        if not cursor:
            break
    return out
