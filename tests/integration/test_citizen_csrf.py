"""Every mutation of the citizen's own routes (``/v1/me...``, cookie-authenticated) refuses a
request that is not JSON (``http.require_json``): a cross-site page can send the cookie with a
form or a body-less request, never with ``Content-Type: application/json`` (without CORS).
The routes are walked from the app, so a new route is covered when it is added."""

from __future__ import annotations

import json

from identity_helpers import Browser, gateway, identity_aws, logged_in  # noqa: F401


def test_every_citizen_mutation_requires_json(gateway, api_app) -> None:  # noqa: F811
    mutations = [(method, path) for path, methods in sorted(api_app.routes.items())
                 if path.startswith("/v1/me") for method in methods if method != "GET"]
    assert ("DELETE", "/v1/me/connections/{client_id}") in mutations
    assert ("DELETE", "/v1/me/consents/exchange/{consent_id}") in mutations
    for method, path in mutations:
        browser = Browser(gateway)
        logged_in(browser)
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        status, headers, raw = gateway.request(
            method, path.replace("{", "").replace("}", ""), {"Cookie": cookie}, None)
        assert status == 400, (method, path, status, raw[:200])
        body = json.loads(raw)
        # json_required, or (a route declaring a JSON body) the body parser's refusal.
        assert body["error"] in {"json_required", "invalid_request"}, (method, path, body)
        assert body["message"]["en"] and body["message"]["tc"]
        # With a body a form could send: refused before the view too.
        status, _, raw = gateway.request(
            method, path.replace("{", "").replace("}", ""),
            {"Cookie": cookie, "Content-Type": "text/plain"}, b"{}")
        assert status in (400, 415), (method, path, status, raw[:200])
