"""One call to one provider (the fetch workflow's task): signed POST, bounded time and size,
and an answer labelled ``ok``, ``not_held``, ``timeout`` or ``unavailable``.

Provider-side trouble is a label, never an exception: the workflow must report every
provider (partial results, no silent gap). Our own trouble (KMS cannot sign) raises
``errors.Unavailable``, which the ASL retries and then labels ``unavailable`` itself.
Only asked fields leave this function, whatever the provider sent.
"""

from __future__ import annotations

import json
import time
from typing import Any

MAX_ANSWER_BYTES = 256 * 1024
_JSON_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any, depth: int = 0) -> bool:
    """JSON values a provider may send for one field (bounded nesting)."""
    if isinstance(value, _JSON_SCALARS):
        return True
    if depth >= 4:
        return False
    if isinstance(value, list):
        return all(_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v, depth + 1) for k, v in value.items())
    return False


def _label(task: dict[str, Any], status: str, **extra: Any) -> dict[str, Any]:
    return {"provider": task["provider"], "dataset": task["dataset"], "status": status,
            "fields": {}, "as_of": None, **extra}


def call(task: dict[str, Any]) -> dict[str, Any]:
    """``task``: provider, url (base), dataset, timeout, body (contract (a))."""
    import urllib.error
    import urllib.request

    from iamsmart.exchange import provider_auth

    base = str(task["url"]).rstrip("/")
    url = f"{base}/v1/datasets/{task['dataset']}"
    body = json.dumps(task["body"], separators=(",", ":"), ensure_ascii=False).encode()
    header = provider_auth.authorization(url=url, audience=base, body=body)
    timeout = float(task.get("timeout") or 3.0)
    deadline = time.monotonic() + timeout
    # The base URL is https (or http on loopback): checked when the provider registered.
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json", "Accept": "application/json",
        "Authorization": header})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            raw = answer.read(MAX_ANSWER_BYTES + 1)
            status = answer.status
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return _label(task, "not_held")
        return _label(task, "unavailable", http_status=exc.code)
    except TimeoutError:
        return _label(task, "timeout")
    except (urllib.error.URLError, OSError) as exc:
        if isinstance(getattr(exc, "reason", None), TimeoutError):
            return _label(task, "timeout")
        return _label(task, "unavailable")
    if time.monotonic() > deadline:
        return _label(task, "timeout")
    if status != 200 or len(raw) > MAX_ANSWER_BYTES:
        return _label(task, "unavailable", http_status=status)
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _label(task, "unavailable")
    fields = doc.get("fields") if isinstance(doc, dict) else None
    as_of = doc.get("as_of") if isinstance(doc, dict) else None
    if not isinstance(fields, dict) or not isinstance(as_of, str) or len(as_of) > 40:
        return _label(task, "unavailable")
    asked = set(task["body"].get("fields") or ())
    kept = {k: v for k, v in fields.items() if k in asked and _plain(v)}
    return {"provider": task["provider"], "dataset": task["dataset"], "status": "ok",
            "fields": kept, "as_of": as_of}
