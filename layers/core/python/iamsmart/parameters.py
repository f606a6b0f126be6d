"""Configuration kept in SSM Parameter Store, read at run time and cached per warm function.

``get(name)`` answers the parameter's value, or ``None`` when the parameter does not exist
(yet): a value is reused for ``settings.parameter_cache_seconds``, a missing parameter is
asked again after ``MISSING_SECONDS`` (so a deploy that writes it later is seen soon, without
one SSM call per request meanwhile). Any other failure (throttling, access, outage) is
``errors.Unavailable``. The same calls reach AWS or the local emulator (``iamsmart.aws``).
"""

from __future__ import annotations

import threading
import time

from iamsmart import aws, errors
from iamsmart.settings import settings

MISSING_SECONDS = 10.0

_cache: dict[str, tuple[float, str | None]] = {}
_lock = threading.Lock()


class _Missing(errors.DomainError):
    """SSM's ParameterNotFound (internal: ``get`` answers None)."""


def get(name: str) -> str | None:
    """The value of the SSM parameter ``name`` (decrypted if it is a SecureString), or None."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(name)
    if hit is not None and hit[0] > now:
        return hit[1]
    try:
        answer = aws.guarded(
            "ssm", "GetParameter",
            lambda: aws.client("ssm").get_parameter(Name=name, WithDecryption=True),
            refusals={"ParameterNotFound": _Missing})
        value: str | None = str(answer["Parameter"]["Value"])
    except _Missing:
        value = None
    age = settings().parameter_cache_seconds if value is not None else MISSING_SECONDS
    with _lock:
        _cache[name] = (now + age, value)
    return value


def reset() -> None:
    """Forget cached values (tests, and the local platform when it rewrites a parameter)."""
    with _lock:
        _cache.clear()
