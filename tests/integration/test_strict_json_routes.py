"""Every JSON route of the app answers hostile JSON with a bilingual 4xx, never a 500
(THREATS 28): a 5000-digit integer (Python refuses to convert it), duplicate keys, NaN, deep
nesting. The routes are walked from the app itself, so a new route is covered when added."""

from __future__ import annotations

import json
from typing import Any

import pytest
from identity_helpers import Browser, gateway, identity_aws, logged_in  # noqa: F401

BIG_INT = b'{"consent": ' + b"9" * 5000 + b"}"
HOSTILE = {
    "big_int": BIG_INT,
    "big_int_in_array": b"[" + b"1" * 5000 + b"]",
    "duplicate_keys": b'{"consent": true, "consent": false}',
    "nan": b'{"consent": NaN}',
    "huge_float": b'{"consent": 1e999}',
    "deep": b'{"a":' * 5000 + b"1" + b"}" * 5000,
}


def _json_routes(app: Any) -> list[tuple[str, str]]:
    out = []
    for path, methods in sorted(app.routes.items()):
        for method, entry in methods.items():
            if method != "GET" and "application/json" in (entry.content_types or []):
                out.append((method, path))
    return out


def _concrete(path: str) -> str:
    return path.replace("{", "x").replace("}", "")


def test_the_walk_finds_the_routes_of_every_json_parser(api_app) -> None:
    routes = _json_routes(api_app)
    for route in [("POST", "/v1/registrations"), ("POST", "/v1/registrations/assisted"),
                  ("POST", "/v1/me/face"), ("POST", "/v1/login/{txn_id}/face/check"),
                  ("POST", "/v1/me/passkeys/options"), ("POST", "/v1/exchange/form")]:
        assert route in routes


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_every_json_route_refuses_hostile_json_with_a_bilingual_4xx(
        gateway, api_app, kind: str) -> None:  # noqa: F811
    statuses = {}
    for method, path in _json_routes(api_app):
        browser = Browser(gateway)  # a fresh session each time (logout-all ends it)
        logged_in(browser)
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        status, headers, raw = gateway.request(
            method, _concrete(path),
            {"Content-Type": "application/json", "Cookie": cookie,
             "Idempotency-Key": "strict-json-walk-1", "X-Api-Key": "unused"},
            HOSTILE[kind])
        assert status < 500, (method, path, status, raw[:200])
        statuses[(method, path)] = status
        if status < 400:
            continue  # a route that reads no body (logout-all)
        body = json.loads(raw)
        assert body.get("message", {}).get("tc"), (method, path, body)
        assert headers.get("X-Content-Type-Options") == "nosniff", (method, path)
    # The parsers themselves answered (not only a guard in front of them).
    for route in [("POST", "/v1/registrations"), ("POST", "/v1/me/face"),
                  ("POST", "/v1/me/passkeys"), ("PUT", "/v1/me/profile"),
                  ("POST", "/v1/device/enrol")]:
        assert statuses[route] == 400, (route, statuses[route])
