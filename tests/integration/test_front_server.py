"""The local front: static web with security headers, API through chalice's gateway, and
department API keys enforced from API Gateway's keys and usage plans (as in AWS)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from chalice import Chalice
from moto import mock_aws

from iamsmart import aws
from infra.local import server
from infra.names import GATEWAY_ANSWERS, WEB_SECURITY_HEADERS

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

    @app.route("/v1/source")
    def source_route():
        from iamsmart.identity import limits

        return {"source": limits.source_of(app.current_request)}

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


def _raw(base: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (what urllib would refuse to send); read the whole answer."""
    import socket

    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            head, ended, body = data.partition(b"\r\n\r\n")
            if ended and request.startswith(b"HEAD "):
                break
            lengths = [line.split(b":", 1)[1] for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")]
            if lengths and len(body) >= int(lengths[0]):
                break
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def _platform_error(status: int, headers: dict[str, str], body: bytes, expected: int) -> dict:
    assert status == expected, (status, body[:200])
    answer = json.loads(body)
    assert answer["error"] and answer["message"]["en"] and answer["message"]["tc"]
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    for name, value in WEB_SECURITY_HEADERS.items():
        assert headers[name] == value, name
    return answer


def test_malformed_requests_get_bilingual_answers_with_security_headers(front) -> None:
    base, _ = front
    _platform_error(*_raw(base, b"POST /v1/open HTTP/1.1\r\nHost: x\r\nContent-Length: abc"
                                b"\r\n\r\n{}"), 400)
    _platform_error(*_raw(base, b"POST /v1/open HTTP/1.1\r\nHost: x\r\nContent-Length: -5"
                                b"\r\n\r\n"), 400)
    status, headers, body = _raw(base, b"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n")
    _platform_error(status, headers, body, 405)
    assert "TRACE" not in headers["Allow"]
    _platform_error(*_raw(base, b"GET /v1/open?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x"
                                b"\r\n\r\n"), 414)
    _platform_error(*_raw(base, b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n"), 501)
    # The server is still answering afterwards.
    assert json.loads(_get(base + "/v1/open")[2]) == {"open": True}


def test_head_and_other_undeclared_methods_on_api_paths_are_refused_as_api_gateway_does(
        front) -> None:
    base, _ = front
    # API Gateway's MISSING_AUTHENTICATION_TOKEN answer: one for an unknown path and for a
    # method the path does not declare, the gateway response infra.names defines.
    status, headers, body = _raw(base, b"HEAD /v1/open HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 404 and body == b"" and headers["X-Content-Type-Options"] == "nosniff"
    answer = _platform_error(*_raw(base, b"DELETE /v1/open HTTP/1.1\r\nHost: x\r\n"
                                         b"Content-Length: 0\r\n\r\n"), 404)
    unknown = json.loads(_get(base + "/v1/nothing-here")[2])
    assert answer == unknown == GATEWAY_ANSWERS["MISSING_AUTHENTICATION_TOKEN"].body()
    # HEAD on a page works as CloudFront serves it: the GET's headers, no body.
    status, headers, body = _raw(base, b"HEAD /account HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200 and body == b"" and headers["Content-Type"].startswith("text/html")


def test_a_disabled_or_deleted_key_is_refused_at_once(front) -> None:
    base, key_id = front
    dept = {"x-api-key": "td-key-123456789012345"}
    assert _get(base + "/v1/dept", dept)[0] == 200
    apigw = aws.client("apigateway")
    apigw.update_api_key(apiKey=key_id, patchOperations=[
        {"op": "replace", "path": "/enabled", "value": "false"}])
    assert _get(base + "/v1/dept", dept)[0] == 403
    apigw.update_api_key(apiKey=key_id, patchOperations=[
        {"op": "replace", "path": "/enabled", "value": "true"}])
    time.sleep(1.1)  # keys not known are looked up again at most once a second
    assert _get(base + "/v1/dept", dept)[0] == 200
    apigw.delete_api_key(apiKey=key_id)
    assert _get(base + "/v1/dept", dept)[0] == 403


@pytest.mark.parametrize("sent", [None, "203.0.113.9:443", "198.51.100.1:1, 203.0.113.2:2"])
def test_the_front_sets_the_viewer_address_as_cloudfront_does(front, sent) -> None:
    """A client cannot choose its own source for the limits: whatever CloudFront-Viewer-Address
    it sends is replaced by its real address (THREATS 30), as CloudFront overwrites it."""
    base, _ = front
    request = urllib.request.Request(f"{base}/v1/source")
    if sent:
        request.add_header("CloudFront-Viewer-Address", sent)
        request.add_header("X-Forwarded-For", "192.0.2.77")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response) == {"source": "127.0.0.1"}
