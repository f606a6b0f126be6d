"""The local front: static web with security headers, API through chalice's gateway, and
department API keys enforced from API Gateway's keys and usage plans (as in AWS)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
from chalice import Chalice
from moto import mock_aws

from iamsmart import aws
from infra.local import server
from infra.names import WEB_SECURITY_HEADERS

WEB_DIR = server.WEB_DIR


def _app() -> Chalice:
    app = Chalice(app_name="front-test")

    @app.route("/v1/open")
    def open_route():
        return {"open": True}

    @app.route("/v1/cookies")
    def cookies_route():
        from chalice import Response

        return Response(body="{}", status_code=200,
                        headers={"Set-Cookie": ["a=1; Path=/; HttpOnly", "b=; Max-Age=0"]})

    @app.route("/v1/dept", api_key_required=True)
    def dept_route():
        return {"key_id": app.current_request.context["identity"]["apiKeyId"]}

    return app


@pytest.fixture
def front():
    with mock_aws():
        aws.reset()
        apigw = aws.client("apigateway")
        plan = apigw.create_usage_plan(name="p", throttle={"rateLimit": 1000.0, "burstLimit": 3},
                                       quota={"limit": 5, "period": "DAY"})
        key = apigw.create_api_key(name="td", enabled=True, value="td-key-123456789012345",
                                   tags={"department": "TD"})
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        apigw.create_api_key(name="stray", enabled=True, value="stray-key-1234567890123")
        srv = server.make_server("127.0.0.1", 0)
        server.attach(srv, _app())
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{srv.server_address[1]}", key["id"]
        srv.shutdown()
        srv.server_close()
    aws.reset()


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:  # noqa: S310
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_static_site_has_security_headers_and_no_traversal(front):
    base, _ = front
    status, headers, body = _get(base + "/")
    assert status == 200 and b"<html" in body.lower()
    for name, value in WEB_SECURITY_HEADERS.items():
        assert headers[name] == value
    assert _get(base + "/../pyproject.toml")[0] == 404
    assert _get(base + "/%2e%2e/pyproject.toml")[0] == 404


def test_pages_resolve_without_html_and_unknown_pages_get_the_styled_404(front):
    base, _ = front
    status, headers, body = _get(base + "/account")
    assert status == 200 and body == (WEB_DIR / "account.html").read_bytes()
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert _get(base + "/register")[2] == (WEB_DIR / "register.html").read_bytes()
    for missing in ("/no-such-page", "/no-such-page.html", "/assets/nothing.js", "/assets"):
        status, headers, body = _get(base + missing)
        assert status == 404, missing
        assert body == (WEB_DIR / "404.html").read_bytes()  # bilingual, with a link home
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        for name, value in WEB_SECURITY_HEADERS.items():
            assert headers[name] == value
    page = (WEB_DIR / "404.html").read_text(encoding="utf-8")
    assert 'href="/"' in page and "找不到網頁" in page and "/assets/site.css" in page


def test_open_route_needs_no_key_and_unknown_path_is_a_bilingual_404(front):
    base, _ = front
    assert json.loads(_get(base + "/v1/open")[2]) == {"open": True}
    status, _, body = _get(base + "/v1/nothing-here")
    assert status == 404
    assert set(json.loads(body)["message"]) == {"en", "tc"}


def test_department_route_requires_a_key_on_a_usage_plan(front):
    base, key_id = front
    assert _get(base + "/v1/dept")[0] == 403
    assert _get(base + "/v1/dept", {"x-api-key": "made-up"})[0] == 403
    # A real key that is on no usage plan is refused, as API Gateway does.
    assert _get(base + "/v1/dept", {"x-api-key": "stray-key-1234567890123"})[0] == 403
    status, _, body = _get(base + "/v1/dept", {"x-api-key": "td-key-123456789012345"})
    assert status == 200 and json.loads(body) == {"key_id": key_id}


def test_quota_exhaustion_answers_429_with_retry_after(front):
    base, _ = front
    statuses = [_get(base + "/v1/dept", {"x-api-key": "td-key-123456789012345"})
                for _ in range(6)]
    assert [s for s, _, _ in statuses[:5]] == [200] * 5
    status, headers, _ = statuses[5]
    assert status == 429 and "Retry-After" in headers


def test_several_set_cookie_headers_each_arrive_as_their_own_line(front) -> None:
    base, _ = front
    with urllib.request.urlopen(f"{base}/v1/cookies", timeout=5) as resp:  # noqa: S310
        assert resp.headers.get_all("Set-Cookie") == ["a=1; Path=/; HttpOnly", "b=; Max-Age=0"]
