"""Failure limits: wrong approval numbers, failed passkey assertions and wrong enrolment codes,
counted per account and per source, in fixed windows (DynamoDB atomic counters with TTL).

The source is the viewer's address as the edge saw it: CloudFront's ``CloudFront-Viewer-Address``
(``<ip>:<port>``), which CloudFront sets on every request it forwards, overwriting whatever a
client sent; the regional API accepts only requests that came through CloudFront (the
origin-verify header, checked by the regional web ACL), and the local front server plays
CloudFront's part (infra/local/server.py). Without that header (a request straight to the
gateway), what API Gateway saw (``requestContext.identity.sourceIp``). Never a header a client
can write (``X-Forwarded-For`` is not read here): rotating a spoofed header cannot evade the
limit. In AWS the CloudFront web ACL's per-viewer rate rules sit in front as well.

Counters (``dal``: in the sessions table) are named by policy, key digest and window start,
with the count and ``expires_at`` (end of the window; filtered on read).
A policy for a key that dies young (one login transaction) counts over the key's whole life
instead (``per_key``: window 0, expiring ``window_seconds`` after the first failure), so
failures on either side of a clock boundary still add up to the one limit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from iamsmart import errors
from iamsmart.identity import dal


@dataclass(frozen=True)
class Policy:
    limit: int  # failures allowed in a window; the next attempt is refused
    window_seconds: int
    per_key: bool = False  # one window from the first failure, never cut by the clock


POLICIES: dict[str, Policy] = {
    "approval-account": Policy(limit=10, window_seconds=900),
    "approval-source": Policy(limit=30, window_seconds=900),
    "passkey-account": Policy(limit=10, window_seconds=900),
    "passkey-source": Policy(limit=30, window_seconds=900),
    "enrol-source": Policy(limit=10, window_seconds=900),
    # Face step-up (iamsmart.faces.stepup): failed attempts per citizen and per transaction.
    "face-account": Policy(limit=10, window_seconds=3600),
    "face-txn": Policy(limit=3, window_seconds=900, per_key=True),
}


class Limited(errors.TooManyRequests):
    code = "too_many_attempts"
    en = "Too many unsuccessful attempts. Please wait and try again later."
    tc = "嘗試失敗次數過多，請稍後再試。"


VIEWER_ADDRESS = "cloudfront-viewer-address"


def source_of(request: Any) -> str:
    """The viewer's address: CloudFront's ``CloudFront-Viewer-Address`` without its port, else
    the gateway's ``requestContext.identity.sourceIp``. A malformed header counts as absent."""
    headers: Mapping[str, Any] = getattr(request, "headers", None) or {}
    viewer = _viewer_ip(headers.get(VIEWER_ADDRESS))
    if viewer is not None:
        return viewer
    context: Mapping[str, Any] = getattr(request, "context", None) or {}
    identity = context.get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def _viewer_ip(value: object) -> str | None:
    """``198.51.100.10:46532`` or ``2001:db8::1:46532`` (IPv6 unbracketed) -> the address."""
    import ipaddress

    if not isinstance(value, str) or len(value) > 64 or ":" not in value:
        return None
    address, _, port = value.strip().rpartition(":")
    if not port.isdigit():
        return None
    try:
        return str(ipaddress.ip_address(address.strip("[]")))
    except ValueError:
        return None


def _counter(policy: str, key: str, window_start: int) -> dal.Counter:
    digest = hashlib.sha256(f"{policy}|{key}".encode()).hexdigest()[:32]
    return policy, digest, window_start


def _window(policy: Policy, now: int) -> tuple[int, int]:
    if policy.per_key:
        return 0, now + policy.window_seconds
    start = now - now % policy.window_seconds
    return start, start + policy.window_seconds


def check(*counters: tuple[str, str | None]) -> None:
    """Raise ``Limited`` (429 with Retry-After) when any ``(policy, key)`` counter has reached
    its limit in the current window. One BatchGetItem for all of them."""
    _judge(*counters, account_id=None)


def check_reading_account(*counters: tuple[str, str | None],
                          account_id: str) -> dict[str, Any] | None:
    """``check``, the account's fields read in the same BatchGetItem (for the caller that
    needs both: ``accounts.of_fields``); None for no such account."""
    return _judge(*counters, account_id=account_id)


def _judge(*counters: tuple[str, str | None], account_id: str | None) -> dict[str, Any] | None:
    now = dal.now()
    wanted: dict[dal.Counter, tuple[Policy, int]] = {}
    for name, key in counters:
        if key is None:
            continue
        policy = POLICIES[name]
        start, end = _window(policy, now)
        wanted[_counter(name, key, start)] = (policy, end)
    fields = None
    if account_id is not None:
        found, fields = dal.counters_and_account(wanted, account_id)
    elif not wanted:
        return None
    else:
        found = dal.counters(wanted)
    for counter, (count, expires) in found.items():
        policy, end = wanted[counter]
        if count >= policy.limit and expires > now:
            raise Limited(retry_after=max(1, (expires if policy.per_key else end) - now))
    return fields


def fail(*counters: tuple[str, str | None]) -> int:
    """Count one failure on each ``(policy, key)``; returns the highest count reached."""
    now = dal.now()
    highest = 0
    for name, key in counters:
        if key is None:
            continue
        policy = POLICIES[name]
        start, end = _window(policy, now)
        highest = max(highest, dal.count_failure(_counter(name, key, start), expires_at=end,
                                                 keep_first_expiry=policy.per_key))
    return highest
