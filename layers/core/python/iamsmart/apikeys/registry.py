"""The API key registry's logic: who holds a key (read by the API), and issuing, recording,
disabling and re-enabling keys (the operator CLIs and local provisioning).

Reading: ``holder(key_id)`` answers the enabled ``Principal`` of a key, or ``None`` for a key
that is unknown or disabled; answers are cached per warm function for
``settings().apikey_cache_seconds`` (API Gateway itself refuses a disabled key at once).

Issuing: ``issue`` creates the key in API Gateway (tagged for people reading the console),
adds it to a usage plan and records its holder; if a step fails the key is deleted again, so
no key exists that the registry does not know (and a key the registry does not know is
refused by the API anyway). ``disable`` turns a key off in the registry first (the API stops
honouring it) and then in API Gateway (the gateway stops passing it).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime

from iamsmart import errors
from iamsmart.apikeys import dal
from iamsmart.apikeys.models import Channel, IssuedKey, Kind, Principal
from iamsmart.settings import settings

MAX_ENTRIES = 1024

_cache: dict[str, tuple[float, Principal | None]] = {}
_lock = threading.Lock()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def holder(key_id: str | None, *, now: float | None = None) -> Principal | None:
    """The enabled holder of ``key_id`` (``None``: no key, unknown or disabled)."""
    if not key_id:
        return None
    now = time.monotonic() if now is None else now
    hit = _cache.get(key_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    found = dal.get(key_id)
    answer = found if found is not None and found.enabled else None
    with _lock:
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        _cache[key_id] = (now + settings().apikey_cache_seconds, answer)
    return answer


def reset() -> None:
    """Forget cached answers (tests, and the CLIs after a change)."""
    with _lock:
        _cache.clear()


def record(key_id: str, kind: Kind, *, department: str | None = None,
           channel: Channel | None = None, site: str | None = None,
           staff: str | None = None) -> Principal:
    """Register the holder of a key that already exists in API Gateway."""
    principal = Principal(key_id=key_id, kind=kind, department=department, channel=channel,
                          site=site, staff=staff, issued_at=_now())
    dal.put(principal)
    reset()
    return principal


def _tags(principal: Principal) -> dict[str, str]:
    tags: dict[str, str] = {"kind": principal.kind}
    for name in ("department", "channel", "site", "staff"):
        value = getattr(principal, name)
        if value:
            tags[name] = value
    return tags


def issue(kind: Kind, *, name: str, usage_plan: str, department: str | None = None,
          channel: Channel | None = None, site: str | None = None, staff: str | None = None,
          value: str | None = None) -> IssuedKey:
    """Create an API key for one holder on the usage plan named ``usage_plan``, and register
    it. The value is returned once (API Gateway keeps it; the registry never does)."""
    # Validate the holder before anything is created.
    draft = Principal(key_id="pending", kind=kind, department=department, channel=channel,
                      site=site, staff=staff)
    plan_id = dal.usage_plan_id(usage_plan)
    value = value or secrets.token_urlsafe(30)
    key_id = dal.create_gateway_key(name, value, _tags(draft))
    try:
        dal.add_to_usage_plan(plan_id, key_id)
        principal = replace(draft, key_id=key_id, issued_at=_now())
        dal.put(principal)
    except BaseException:
        dal.delete_gateway_key(key_id)
        raise
    reset()
    return IssuedKey(principal=principal, value=value, name=name)


def disable(key_id: str) -> Principal:
    """Stop a key: the registry first (the API refuses it), then API Gateway."""
    principal = dal.set_enabled(key_id, False, _now())
    if principal is None:
        raise errors.NotFound(en=f"No registered API key {key_id}.",
                              tc=f"沒有已登記的 API 密鑰 {key_id}。")
    reset()
    dal.set_gateway_enabled(key_id, False)
    return principal


def enable(key_id: str) -> Principal:
    """Turn a disabled key on again: API Gateway first, then the registry."""
    if dal.get(key_id) is None:
        raise errors.NotFound(en=f"No registered API key {key_id}.",
                              tc=f"沒有已登記的 API 密鑰 {key_id}。")
    dal.set_gateway_enabled(key_id, True)
    principal = dal.set_enabled(key_id, True, _now())
    reset()
    assert principal is not None
    return principal


def registered(kind: Kind | None = None) -> list[Principal]:
    """Every registered key (optionally of one kind), for operators' listings."""
    return sorted((p for p in dal.scan() if kind is None or p.kind == kind),
                  key=lambda p: (p.kind, p.holder, p.key_id))
