"""The platform's one strict JSON parser for untrusted input (THREATS 28).

``loads(raw, max_bytes=..., max_depth=...)`` returns the parsed value or raises a domain error
the HTTP edge maps to a bilingual 4xx, never anything else:

- ``PayloadTooLarge`` (413) when ``raw`` is longer than ``max_bytes`` (checked before parsing);
- ``InvalidInput`` (400) for an empty body, bytes that are not UTF-8, malformed JSON, nesting
  deeper than ``max_depth``, a key given twice in one object, ``NaN`` / ``Infinity`` (and
  numbers so large that they become infinite), and integers longer than ``MAX_INT_DIGITS``
  (Python refuses to convert more than 4300 digits; no field of ours needs 40).

Callers may pass their own ``too_large`` error to word the 413 for their route.
"""

from __future__ import annotations

import json
import math
from typing import Any

from iamsmart import errors

MAX_INT_DIGITS = 40


class MalformedJson(errors.InvalidInput):
    en = "The body is not valid JSON."
    tc = "內容不是有效的 JSON。"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise errors.InvalidInput(en=f"Duplicate key in JSON: {key[:40]}.",
                                      tc=f"JSON 內有重複鍵：{key[:40]}。")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise errors.InvalidInput(en=f"JSON value {name} is not allowed.",
                              tc=f"不接受 JSON 值 {name}。")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise errors.InvalidInput(en="A number in the JSON body is too long.",
                                  tc="JSON 內容中的數字過長。")
    return int(text)


def _finite_float(text: str) -> float:
    if len(text) > MAX_INT_DIGITS * 2:
        raise errors.InvalidInput(en="A number in the JSON body is too long.",
                                  tc="JSON 內容中的數字過長。")
    value = float(text)
    if not math.isfinite(value):
        _no_constant("Infinity")
    return value


def depth(value: Any, limit: int) -> int:
    """How deeply ``value`` nests (a scalar is 1), counting no further than ``limit + 1``."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        if isinstance(node, dict):
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, level + 1) for v in node)
    return deepest


def loads(raw: bytes | str | None, *, max_bytes: int, max_depth: int,
          too_large: errors.PayloadTooLarge | None = None) -> Any:
    """Strictly parsed JSON (see the module docstring for what is refused and how)."""
    if raw is None or len(raw) == 0:
        raise errors.InvalidInput(en="A JSON body is required.", tc="請提供 JSON 內容。")
    if len(raw) > max_bytes:
        raise too_large or errors.PayloadTooLarge()
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                           parse_int=_bounded_int, parse_float=_finite_float)
    except (UnicodeDecodeError, ValueError, RecursionError):
        # ValueError covers json.JSONDecodeError and any conversion Python itself refuses.
        raise MalformedJson() from None
    if depth(value, max_depth) > max_depth:
        raise errors.InvalidInput(en="The JSON body is nested too deeply.",
                                  tc="JSON 內容層數過多。")
    return value
