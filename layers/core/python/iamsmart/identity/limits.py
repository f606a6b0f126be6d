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
    read(*counters).judge()


@dataclass(frozen=True)
class Reading:
    """Counters read, not judged yet, and what was read with them: the account's fields and
    a device of it (None where not asked for or not found)."""

    found: dict[dal.Counter, tuple[int, int]]
    policies: dict[dal.Counter, tuple[Policy, int]]
    now: int
    account: dict[str, Any] | None = None
    device: dict[str, Any] | None = None

    def judge(self) -> None:
        """``Limited`` when a counter has reached its policy's limit in its window."""
        for counter, (count, expires) in self.found.items():
            policy, end = self.policies[counter]
            if count >= policy.limit and expires > self.now:
                raise Limited(retry_after=max(1, (expires if policy.per_key else end) - self.now))


def read(*counters: tuple[str, str | None], account_id: str | None = None,
         device_id: str | None = None) -> Reading:
    """The counters, with (``account_id``) the account and (``device_id``) its device key in
    the same BatchGetItem, for a caller that needs them all (the device approval: one read);
    ``judge`` it when it is time to refuse."""
    now = dal.now()
    wanted: dict[dal.Counter, tuple[Policy, int]] = {}
    for name, key in counters:
        if key is None:
            continue
        policy = POLICIES[name]
        start, end = _window(policy, now)
        wanted[_counter(name, key, start)] = (policy, end)
    if account_id is not None:
        found, account, device = dal.counters_and_account(wanted, account_id, device_id)
        return Reading(found, wanted, now, account, device)
    return Reading(dal.counters(wanted) if wanted else {}, wanted, now)


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
