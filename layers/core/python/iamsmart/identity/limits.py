"""Failure limits: wrong approval numbers, failed passkey assertions and wrong enrolment codes,
counted per account and per source, in fixed windows (DynamoDB atomic counters with TTL).

The source is what API Gateway saw (``requestContext.identity.sourceIp``), never a header
the client wrote (``X-Forwarded-For`` is not read here): rotating a spoofed header cannot
evade the limit. In AWS a WAF rate rule sits in front as well.

Counter items live in the sessions table: ``pk = "limit#<policy>#<key digest>#<window>"``,
``sk = "n"``, ``n`` (the count) and ``expires_at`` (end of the window; filtered on read).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from iamsmart import errors
from iamsmart.identity import store
from iamsmart.settings import settings


@dataclass(frozen=True)
class Policy:
    limit: int  # failures allowed in a window; the next attempt is refused
    window_seconds: int


POLICIES: dict[str, Policy] = {
    "approval-account": Policy(limit=10, window_seconds=900),
    "approval-source": Policy(limit=30, window_seconds=900),
    "passkey-account": Policy(limit=10, window_seconds=900),
    "passkey-source": Policy(limit=30, window_seconds=900),
    "enrol-source": Policy(limit=10, window_seconds=900),
    # Face step-up (iamsmart.faces.stepup): failed attempts per citizen and per transaction.
    "face-account": Policy(limit=10, window_seconds=3600),
    "face-txn": Policy(limit=3, window_seconds=900),
}


class Limited(errors.TooManyRequests):
    code = "too_many_attempts"
    en = "Too many unsuccessful attempts. Please wait and try again later."
    tc = "嘗試失敗次數過多，請稍後再試。"


def source_of(request: Any) -> str:
    """The caller's address as the gateway saw it (``requestContext.identity.sourceIp``)."""
    context: Mapping[str, Any] = getattr(request, "context", None) or {}
    identity = context.get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def _pk(policy: str, key: str, window_start: int) -> str:
    digest = hashlib.sha256(f"{policy}|{key}".encode()).hexdigest()[:32]
    return f"limit#{policy}#{digest}#{window_start}"


def _window(policy: Policy, now: int) -> tuple[int, int]:
    start = now - now % policy.window_seconds
    return start, start + policy.window_seconds


def check(*counters: tuple[str, str | None]) -> None:
    """Raise ``Limited`` (429 with Retry-After) when any ``(policy, key)`` counter has reached
    its limit in the current window. One BatchGetItem for all of them."""
    now = store.now()
    wanted: dict[str, tuple[Policy, int]] = {}
    for name, key in counters:
        if key is None:
            continue
        policy = POLICIES[name]
        start, end = _window(policy, now)
        wanted[_pk(name, key, start)] = (policy, end)
    if not wanted:
        return
    items = store.batch_get(settings().sessions_table,
                            [{"pk": pk, "sk": "n"} for pk in wanted])
    for item in items:
        policy, end = wanted[item["pk"]]
        if int(item.get("n", 0)) >= policy.limit and int(item.get("expires_at", 0)) > now:
            raise Limited(retry_after=max(1, end - now))


def fail(*counters: tuple[str, str | None]) -> int:
    """Count one failure on each ``(policy, key)``; returns the highest count reached."""
    now = store.now()
    highest = 0
    for name, key in counters:
        if key is None:
            continue
        policy = POLICIES[name]
        start, end = _window(policy, now)
        item = store.update(settings().sessions_table, {"pk": _pk(name, key, start), "sk": "n"},
                            "ADD n :one SET expires_at = :end",
                            values_={":one": 1, ":end": end})
        highest = max(highest, int((item or {}).get("n", 0)))
    return highest
