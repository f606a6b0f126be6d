"""One loopback port for the API and the static web, like CloudFront + API Gateway in AWS.

``/v1/*`` and ``/healthz`` go to the Chalice app through chalice's local gateway; department
API keys are enforced here (neither ``chalice local`` nor moto's API Gateway does), from the
keys and usage plans stored in (moto's) API Gateway; everything else is served from ``web/``,
as the CloudFront function of ``infra.constructs.site`` serves it: ``/account`` is
``/account.html``, and an unknown path gets ``web/404.html`` with status 404. Like CloudFront,
the front sets ``CloudFront-Viewer-Address`` to the caller's address on every API request,
replacing any a client sent (per-source limits read it).

As API Gateway does (its gateway responses, ``infra.names.GATEWAY_ANSWERS``): a method an API
resource does not declare (``HEAD`` included) is refused as an unknown API path is, 404
(API Gateway's "Missing Authentication Token" response), a disabled or deleted API key is
refused on its next call. Every answer, protocol errors included (a malformed
``Content-Length``, an unknown method such as ``TRACE``, a URL over 64 KB), is the
platform's bilingual JSON error with the security headers, never Python's HTML page.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import mimetypes
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException

from iamsmart import aws
from iamsmart.observability import logger
from infra.names import (
    API_PATHS,
    GATEWAY_ANSWERS,
    GATEWAY_ERROR_HEADERS,
    ROOT,
    WEB_SECURITY_HEADERS,
    GatewayAnswer,
)

WEB_DIR = ROOT / "web"
NOT_FOUND_PAGE = "404.html"
MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


class GatewayRefusal(Exception):
    def __init__(self, status: int, code: str, en: str, tc: str, retry_after: int | None = None):
        super().__init__(code)
        self.status, self.code, self.en, self.tc = status, code, en, tc
        self.retry_after = retry_after

    @classmethod
    def of(cls, answer: GatewayAnswer) -> GatewayRefusal:
        assert answer.status is not None
        return cls(answer.status, answer.code, answer.en, answer.tc, answer.retry_after)


# API Gateway answers an unknown path and a method the resource does not declare the same way
# (its MISSING_AUTHENTICATION_TOKEN gateway response, infra.names.GATEWAY_ANSWERS).
METHOD_NOT_DECLARED = GatewayRefusal.of(GATEWAY_ANSWERS["MISSING_AUTHENTICATION_TOKEN"])
ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"


@dataclass
class _Key:
    id: str
    rate: float
    burst: float
    quota: int | None
    tokens: float
    last: float
    day: str
    used: int


class KeyRegistry:
    """API keys and their usage plans, read from API Gateway; throttle and quota per key."""

    def __init__(self) -> None:
        self._keys: dict[str, _Key] = {}
        self._lock = threading.Lock()
        self._loaded_at = 0.0

    def _load(self) -> None:
        apigw = aws.client("apigateway")
        limits: dict[str, tuple[float, float, int | None]] = {}
        for plan in apigw.get_usage_plans().get("items", []):
            throttle = plan.get("throttle", {})
            quota = plan.get("quota", {}).get("limit")
            for key in apigw.get_usage_plan_keys(usagePlanId=plan["id"]).get("items", []):
                limits[key["id"]] = (float(throttle.get("rateLimit", 10)),
                                     float(throttle.get("burstLimit", 20)), quota)
        keys = {}
        for item in apigw.get_api_keys(includeValues=True).get("items", []):
            if not item.get("enabled") or item["id"] not in limits:
                continue  # a key outside every usage plan is refused, as in API Gateway
            rate, burst, quota = limits[item["id"]]
            old = self._keys.get(item["value"])
            keys[item["value"]] = old or _Key(item["id"], rate, burst, quota, burst,
                                              time.monotonic(), "", 0)
        self._keys = keys
        self._loaded_at = time.monotonic()

    @staticmethod
    def _still_enabled(key_id: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            return bool(aws.client("apigateway").get_api_key(apiKey=key_id).get("enabled"))
        except ClientError:  # deleted
            return False

    def check(self, value: str | None) -> str:
        """The key's id if the call may go ahead; raises GatewayRefusal otherwise."""
        forbidden = GatewayRefusal.of(GATEWAY_ANSWERS["INVALID_API_KEY"])
        if not value:
            raise forbidden
        with self._lock:
            if value not in self._keys and time.monotonic() - self._loaded_at > 1.0:
                self._load()
            key = self._keys.get(value)
            if key is not None and not self._still_enabled(key.id):
                self._load()  # disabled, deleted or out of its plan: refused at once
                key = self._keys.get(value)
            if key is None:
                raise forbidden
            now = time.monotonic()
            key.tokens = min(key.burst, key.tokens + (now - key.last) * key.rate)
            key.last = now
            if key.tokens < 1:
                raise GatewayRefusal.of(GATEWAY_ANSWERS["THROTTLED"])
            today = time.strftime("%Y-%m-%d", time.gmtime())
            if key.day != today:
                key.day, key.used = today, 0
            if key.quota is not None and key.used >= key.quota:
                raise GatewayRefusal.of(GATEWAY_ANSWERS["QUOTA_EXCEEDED"])
            key.tokens -= 1
            key.used += 1
            return key.id


class Gateway(LocalGateway):
    """chalice's local gateway, plus API key enforcement and ``identity.apiKeyId``."""

    def __init__(self, app: Any, keys: KeyRegistry) -> None:
        super().__init__(app, Config(chalice_stage="local"))
        self._keys = keys

    def _generate_lambda_event(self, method: str, path: str, headers: Any,
                               body: bytes | None) -> Any:
        event = super()._generate_lambda_event(method, path, headers, body)
        route = self._app_object.routes[event["requestContext"]["resourcePath"]].get(method)
        if route is None:
            raise METHOD_NOT_DECLARED
        if route.api_key_required:
            key_id = self._keys.check(headers.get("x-api-key"))
            event["requestContext"].setdefault("identity", {})["apiKeyId"] = key_id
        return event


def _json(status: int, code: str, en: str, tc: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"error": code, "error_description": en, "message": {"en": en, "tc": tc}},
                      ensure_ascii=False)
    return status, dict(GATEWAY_ERROR_HEADERS), body.encode()


# What http.server itself refuses (before any path is known), in the platform's words.
PROTOCOL_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("invalid_request", "The request is not valid HTTP.", "請求不是有效的 HTTP。"),
    408: ("request_timeout", "The request took too long.", "請求逾時。"),
    414: ("uri_too_long", "The address is too long.", "網址過長。"),
    431: ("headers_too_large", "The request headers are too large.", "請求標頭過大。"),
    501: ("method_not_available", "This method is not available.", "不提供此請求方法。"),
    505: ("invalid_request", "This HTTP version is not supported.", "不支援此 HTTP 版本。"),
}


# Set by CloudFront on every request it forwards (its origin request policy includes it).
VIEWER_ADDRESS_HEADER = "CloudFront-Viewer-Address"


def _always_ready() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


class FrontHandler(BaseHTTPRequestHandler):
    # /healthz answers 503 until the platform says it is ready (``mark_ready``): a script
    # that waits for /healthz then finds everything started and announced.
    ready: threading.Event = _always_ready()
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small JSON answers must not wait for delayed ACKs
    server_version = "iamsmart-local"
    sys_version = ""
    gateway: Gateway  # set by make_server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
        pass

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """http.server's own refusals as bilingual JSON with the security headers."""
        name, en, tc = PROTOCOL_ERRORS.get(code, ("invalid_request", "The request is not "
                                                  "valid.", "請求無效。"))
        status, headers, body = _json(code, name, en, tc)
        self.close_connection = True
        headers["Connection"] = "close"
        self._send(status, headers, body)

    def do_TRACE(self) -> None:  # noqa: N802 - http.server's naming
        """TRACE and CONNECT are refused, as CloudFront refuses them."""
        status, headers, body = _json(405, "method_not_allowed", "This method is not "
                                      "allowed.", "不接受此請求方法。")
        headers["Allow"] = ALLOWED_METHODS
        self._send(status, headers, body)

    do_CONNECT = do_TRACE

    def _send(self, status: int, headers: dict[str, str | list[str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            # API Gateway's multiValueHeaders (several Set-Cookie lines) arrive as lists.
            for one in value if isinstance(value, list) else [value]:
                self.send_header(name, one)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _dispatch(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz" and not self.ready.is_set():
            status, headers, body = _json(503, "starting", "The platform is still starting.",
                                          "平台仍在啟動中。")
            headers["Retry-After"] = "1"
        elif any(fnmatch.fnmatchcase(path, pattern) for pattern in API_PATHS):
            status, headers, body = self._api()
        elif self.command in ("GET", "HEAD"):
            status, headers, body = self._static(path)
        else:
            status, headers, body = _json(405, "method_not_allowed", "Method not allowed.",
                                          "不接受此請求方法。")
        self._send(status, headers, body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def _api(self) -> tuple[int, dict[str, str], bytes]:
        raw_length = (self.headers.get("Content-Length") or "0").strip()
        if not raw_length.isdigit() or len(raw_length) > 12:
            self.close_connection = True  # the body's end is unknown: nothing else to read
            return _json(400, "invalid_request", "Content-Length is not a number of bytes.",
                         "Content-Length 不是位元組數目。")
        length = int(raw_length)
        if length > MAX_REQUEST_BYTES:
            self.close_connection = True
            return _json(413, "payload_too_large", "The request is too large.", "請求內容過大。")
        body = self.rfile.read(length) if length else None
        self._as_cloudfront()
        try:
            response = self.gateway.handle_request(self.command, self.path, self.headers, body)
        except GatewayRefusal as exc:
            status, headers, payload = _json(exc.status, exc.code, exc.en, exc.tc)
            if exc.retry_after:
                headers["Retry-After"] = str(exc.retry_after)
            return status, headers, payload
        except LocalGatewayException:
            refusal = METHOD_NOT_DECLARED  # the same answer, as API Gateway gives
            return _json(refusal.status, refusal.code, refusal.en, refusal.tc)
        headers: dict[str, Any] = dict(response.get("headers") or {})
        headers.update(response.get("multiValueHeaders") or {})
        raw = response.get("body") or b""
        if response.get("isBase64Encoded"):
            raw = base64.b64decode(raw)
        elif isinstance(raw, str):
            raw = raw.encode("utf-8")
        return response["statusCode"], headers, raw

    def _as_cloudfront(self) -> None:
        """What CloudFront does to the request before the API sees it: the viewer's address in
        ``CloudFront-Viewer-Address`` (``<ip>:<port>``), replacing any the client sent (the API
        reads it for per-source limits, iamsmart.identity.limits.source_of)."""
        del self.headers[VIEWER_ADDRESS_HEADER]  # every copy a client sent
        host, port = self.client_address[0], self.client_address[1]
        self.headers[VIEWER_ADDRESS_HEADER] = f"{host}:{port}"

    def _static(self, path: str) -> tuple[int, dict[str, str], bytes]:
        relative = "index.html" if path in ("", "/") else path.lstrip("/")
        target = (WEB_DIR / relative).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.suffix and not target.is_file():
            target = target.with_name(target.name + ".html")  # /account -> /account.html
        headers = dict(WEB_SECURITY_HEADERS)
        status = 200
        if WEB_DIR.resolve() not in target.parents or not target.is_file():
            status, target = 404, WEB_DIR / NOT_FOUND_PAGE
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
            ctype += "; charset=utf-8"
        headers["Content-Type"] = ctype
        headers["Cache-Control"] = "no-cache"
        return status, headers, target.read_bytes()


class FrontServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser closing a connection mid-answer is routine, not an error to print;
        anything else keeps the standard report."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def make_server(host: str, port: int) -> ThreadingHTTPServer:
    """Bind the port (so a busy port fails at once); ``attach`` the app before serving."""
    handler = type("Front", (FrontHandler,), {"ready": threading.Event()})
    server = FrontServer((host, port), handler)
    server.daemon_threads = True
    return server


def attach(server: ThreadingHTTPServer, app: Any) -> None:
    server.RequestHandlerClass.gateway = Gateway(app, KeyRegistry())  # type: ignore[attr-defined]


def mark_ready(server: ThreadingHTTPServer) -> None:
    """From now on /healthz answers 200 (call it once everything is started and printed)."""
    server.RequestHandlerClass.ready.set()  # type: ignore[attr-defined]


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="front", daemon=True)
    thread.start()
    logger().debug("front server started")
    return thread


def _register_types() -> None:
    mimetypes.add_type("application/javascript", ".js")
    mimetypes.add_type("application/javascript", ".mjs")
    mimetypes.add_type("text/css", ".css")
    mimetypes.add_type("application/manifest+json", ".webmanifest")


_register_types()
