"""Which department is calling: API Gateway API key id -> the key's ``department`` tag.

API Gateway has already validated the key (``api_key_required``) and passes its id in the
request context (``identity.apiKeyId``); the key's tag ``department`` (an abbreviation such
as ``TD``) names its owner. Answers are cached for a few minutes per warm function, so a
revoked or retagged key may act for up to ``CACHE_SECONDS`` more in that function (API
Gateway itself stops a deleted or disabled key at once).

(The integrator may move this to a ``portal`` context, which issues the keys.)
"""

from __future__ import annotations

import threading
import time

from iamsmart import errors

CACHE_SECONDS = 300.0
MAX_ENTRIES = 1024
TAG = "department"

_cache: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()

_THROTTLED = frozenset({"TooManyRequestsException", "ThrottlingException",
                        "ServiceUnavailableException", "LimitExceededException"})


class NoDepartment(errors.Forbidden):
    en = "This API key does not belong to a department."
    tc = "此 API 密鑰不屬於任何部門。"


def _lookup(api_key_id: str) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    from iamsmart.aws import client

    try:
        key = client("apigateway").get_api_key(apiKey=api_key_id, includeValue=False)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NotFoundException", "BadRequestException"):
            raise NoDepartment() from exc
        if code in _THROTTLED:
            raise errors.Unavailable(operation="get_api_key") from exc
        raise
    except BotoCoreError as exc:
        raise errors.Unavailable(operation="get_api_key") from exc
    department = (key.get("tags") or {}).get(TAG, "").strip()
    if not key.get("enabled", False) or not department:
        raise NoDepartment()
    return department


def department_for_key(api_key_id: str | None, *, now: float | None = None) -> str:
    """The department abbreviation of the calling API key, or ``Forbidden``."""
    if not api_key_id:
        raise errors.Forbidden(en="A department API key is required.",
                               tc="須使用部門 API 密鑰。")
    now = time.monotonic() if now is None else now
    hit = _cache.get(api_key_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    department = _lookup(api_key_id)
    with _lock:
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        _cache[api_key_id] = (now + CACHE_SECONDS, department)
    return department


def reset() -> None:
    """Forget cached answers (tests)."""
    with _lock:
        _cache.clear()
