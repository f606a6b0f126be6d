"""The citizen's access log for face events: enrolment, withdrawal and every step-up.

Items in the sessions table: ``pk = "log#<account id>"``, ``sk = "<time>#<random>"``, with
the event name and a few fixed, non-personal details (service id, decision, liveness
"evaluated"/"not_evaluated", confidence band); kept ``LOG_DAYS`` (TTL). Never an image, a
template, a similarity score beyond its band, or a name.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

LOG_DAYS = 180
EVENTS = ("face_enrolled", "face_withdrawn", "face_stepup_passed", "face_stepup_refused",
          "face_stepup_error")
_ALLOWED = ("source", "receipt_id", "client_id", "decision", "liveness", "band", "reason",
            "attempt")


def record(account_id: str, event: str, **details: Any) -> dict[str, Any]:
    from iamsmart.identity import store
    from iamsmart.observability import count
    from iamsmart.settings import settings

    if event not in EVENTS:
        raise ValueError(f"unknown access-log event {event!r}")
    now_ns = time.time_ns()
    now = now_ns // 1_000_000_000
    kept = {k: v for k, v in details.items() if k in _ALLOWED and isinstance(v, str | int)}
    # Time order to the nanosecond: two events of the same second keep their order.
    item = {"pk": f"log#{account_id}", "sk": f"{now_ns:020d}#{secrets.token_hex(4)}",
            "kind": "access_log", "event": event, "at": now, "details": kept or None,
            "expires_at": now + LOG_DAYS * 86400}
    store.put(settings().sessions_table, item)
    count("FaceEvent", event=event)
    return item


def recent(account_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The latest face events, newest first."""
    from iamsmart.identity import store
    from iamsmart.settings import settings

    now = int(time.time())
    items = store.query(settings().sessions_table, ("pk", f"log#{account_id}"), limit=200)
    items = [i for i in items if int(i.get("expires_at", 0)) > now]
    items.sort(key=lambda i: i["sk"], reverse=True)
    return [{"event": i["event"], "at": int(i["at"]), **(i.get("details") or {})}
            for i in items[:limit]]
