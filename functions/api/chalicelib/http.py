"""The HTTP edge: one way to declare a route, parse its input, map domain errors, and
document it in OpenAPI.

Views stay thin: they receive validated pydantic models and return one. Every
``DomainError`` becomes a JSON error in both languages through ``STATUS`` (the one mapping);
anything unexpected becomes a generic 500 without details (and is logged without the body).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response
from pydantic import BaseModel, ValidationError

from iamsmart import errors
from iamsmart.common import strict_json
from iamsmart.observability import logger, scrub

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32

# The one mapping from domain errors to HTTP status codes (most specific class first).
STATUS: list[tuple[type[errors.DomainError], int]] = [
    (errors.PayloadTooLarge, 413),
    (errors.InvalidInput, 400),
    (errors.DataNotReady, 503),
    (errors.NotFound, 404),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.Conflict, 409),
    (errors.TooManyRequests, 429),
    (errors.Unavailable, 503),
    (errors.DomainError, 500),
]

SECURITY_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclasses.dataclass(frozen=True)
class Header:
    """A request header a route reads, for the OpenAPI document."""

    name: str
    description: str
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string"}
        if self.min_length is not None:
            out["minLength"] = self.min_length
        if self.max_length is not None:
            out["maxLength"] = self.max_length
        if self.pattern is not None:
            out["pattern"] = self.pattern
        return out


AUTHORIZATION = Header("Authorization", "DPoP (or Bearer) access token", required=True)
DPOP = Header("DPoP", "DPoP proof (RFC 9449) for a DPoP-bound access token")


@dataclasses.dataclass(frozen=True)
class RouteDoc:
    """What OpenAPI needs to know about one route (collected when the route is declared)."""

    path: str
    method: str
    summary: str
    tag: str
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    form: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    api_key: bool
    errors: tuple[int, ...]
    headers: tuple[Header, ...] = ()
    html: bool = False
    redirects: bool = False
    doc_body: type[BaseModel] | None = None
    cache_seconds: int = 0  # public: "Cache-Control: public, max-age" (CloudFront may cache)


ROUTES: list[RouteDoc] = []


# --- the citizen's own routes (session cookie) --------------------------------------------

class NotLoggedIn(errors.Unauthorized):
    code = "login_required"
    en = "Please log in first."
    tc = "請先登入。"


class JsonRequired(errors.InvalidInput):
    code = "json_required"
    en = "This request must be sent as JSON (Content-Type: application/json)."
    tc = "此要求必須以 JSON 格式傳送（Content-Type: application/json）。"


def citizen_session(request: Any) -> Any:
    """The logged-in citizen's SSO session (``identity.sessions.Session``), or 401."""
    from iamsmart.identity import sessions

    session = sessions.current(request)
    if session is None:
        raise NotLoggedIn()
    return session


def require_json(request: Any) -> None:
    """CSRF guard for cookie-authenticated mutations: only JSON requests (which a cross-site
    form cannot send, and cross-site scripts cannot send without CORS) are accepted."""
    ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise JsonRequired()


def status_for(exc: errors.DomainError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500  # pragma: no cover - DomainError is last in STATUS


def error_response(exc: errors.DomainError) -> Response:
    """``{"error", "error_description", "message": {"en", "tc"}}``: OAuth 2.0's error shape
    (RFC 6749 §5.2) and the platform's bilingual message in one body."""
    status = status_for(exc)
    body: dict[str, Any] = {"error": exc.code, "error_description": exc.en,
                            "message": {"en": exc.en, "tc": exc.tc}}
    if exc.details:
        body["details"] = exc.details
    headers = {**SECURITY_HEADERS, **exc.headers}
    if isinstance(exc, errors.Unavailable | errors.TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status,
                    headers=headers)


# Chalice answers some requests itself, before any view, with ``{"Code", "Message"}``: the
# same answer in the platform's shape (OAuth error, bilingual message, security headers).
CHALICE_ERRORS: dict[str, tuple[str, str, str]] = {
    "UnsupportedMediaType": (
        "unsupported_media_type",
        "This content type is not accepted here: send application/json (or the form type "
        "the endpoint documents).",
        "此處不接受此內容類型：請以 application/json（或端點列明的表格類型）傳送。"),
    "MethodNotAllowedError": (
        "method_not_allowed", "This method is not allowed here.", "此處不接受此方法。"),
    "BadRequest": ("invalid_request", "The request is not valid.", "請求無效。"),
}


def platform_errors(request: Any, get_response: Callable[[Any], Response]) -> Response:
    """Chalice ``http`` middleware: Chalice's own error answers in the platform's shape."""
    response = get_response(request)
    body = response.body
    if not (isinstance(body, dict) and set(body) == {"Code", "Message"}):
        return response
    code, en, tc = CHALICE_ERRORS.get(str(body["Code"]), (
        "error", errors.DomainError.en, errors.DomainError.tc))
    kept = {k: v for k, v in (response.headers or {}).items() if k.lower() == "allow"}
    return Response(body=json.dumps({"error": code, "error_description": en,
                                     "message": {"en": en, "tc": tc}}, ensure_ascii=False),
                    status_code=response.status_code, headers={**SECURITY_HEADERS, **kept})


def _validation_error(exc: ValidationError, where: str) -> errors.InvalidInput:
    fields = [
        {"field": ".".join(str(p) for p in e["loc"]) or where, "problem": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]
    names = ", ".join(f["field"] for f in fields)
    return errors.InvalidInput(
        en=f"The request is not valid ({names}).",
        tc=f"請求無效（{names}）。",
        fields=fields,
    )


def parse_query(model: type[BaseModel], params: dict[str, str] | None) -> BaseModel:
    try:
        return model.model_validate(dict(params or {}))
    except ValidationError as exc:
        raise _validation_error(exc, "query") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise errors.InvalidInput(en=f"Parameter given twice: {key[:40]}.",
                                      tc=f"參數重複：{key[:40]}。")
        out[key] = value
    return out


def parse_json(raw: bytes | None) -> Any:
    """The platform's strict JSON (``iamsmart.common.strict_json``) at this edge's limits."""
    return strict_json.loads(raw, max_bytes=MAX_BODY_BYTES, max_depth=MAX_JSON_DEPTH)


MAX_FORM_BYTES = 64 * 1024


def parse_form(model: type[BaseModel], raw: bytes | None) -> BaseModel:
    """application/x-www-form-urlencoded (OAuth endpoints): size-capped, UTF-8, and a
    parameter given twice is refused (RFC 6749 §3.1)."""
    from urllib.parse import parse_qsl

    if raw is not None and len(raw) > MAX_FORM_BYTES:
        raise errors.PayloadTooLarge()
    try:
        pairs = parse_qsl((raw or b"").decode("utf-8"), keep_blank_values=False,
                          strict_parsing=False, max_num_fields=100)
    except (UnicodeDecodeError, ValueError):
        raise errors.InvalidInput(en="The form body is not valid.",
                                  tc="表格內容無效。") from None
    values = _no_duplicates(pairs)
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _validation_error(exc, "body") from None


def parse_body(model: type[BaseModel], raw: bytes | None) -> BaseModel:
    value = parse_json(raw)
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise _validation_error(exc, "body") from None


def _dump(result: Any) -> str:
    if isinstance(result, BaseModel):
        return result.model_dump_json(by_alias=True)
    return json.dumps(result, ensure_ascii=False, allow_nan=False)


def cookie_headers(cookies: list[str]) -> dict[str, Any]:
    """The Set-Cookie header of ``cookies``: one value, or a list of them (chalice sends one
    header line each); nothing when there are none."""
    if not cookies:
        return {}
    return {"Set-Cookie": cookies[0] if len(cookies) == 1 else list(cookies)}


def with_cookies(result: Any, cookies: list[str], status: int = 200) -> Any:
    """A JSON answer with Set-Cookie headers (the answer alone when there are none)."""
    if not cookies:
        return result
    return Response(body=_dump(result), status_code=status, headers=cookie_headers(cookies))


def route(
    bp: Blueprint,
    path: str,
    *,
    method: str = "GET",
    summary: str,
    tag: str,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    form: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    api_key: bool = False,
    cache_seconds: int = 0,
    errors_documented: tuple[int, ...] = (400,),
    headers: tuple[Header, ...] = (),
    html: bool = False,
    redirects: bool = False,
    doc_body: type[BaseModel] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route: validated input in, a model out, errors mapped, documented.

    ``body`` is a JSON body, ``form`` a urlencoded one (the view gets it as ``body``). A view
    may return a chalice ``Response`` itself (redirects, HTML pages, cookies); it is passed
    through with the security headers added where it set none. For the document only:
    ``headers`` the view reads, ``html`` (it answers pages, errors included), ``redirects``
    (302 with Location), ``doc_body`` (a JSON body the view parses itself, e.g. with a larger
    size limit).
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def view(**path_params: str) -> Response:
            request = bp.current_request
            try:
                kwargs: dict[str, Any] = dict(path_params)
                if query is not None:
                    kwargs["query"] = parse_query(query, request.query_params)
                if body is not None:
                    kwargs["body"] = parse_body(body, request.raw_body)
                elif form is not None:
                    kwargs["body"] = parse_form(form, request.raw_body)
                result = fn(**kwargs)
            except errors.DomainError as exc:
                log = logger()
                log.info("request refused", extra={"error": exc.code, "path": path})
                return error_response(exc)
            except Exception as exc:  # noqa: BLE001 - the edge must never leak a stack trace
                logger().error("unexpected error",
                               extra={"path": path, "type": type(exc).__name__,
                                      "detail": scrub(str(exc))[:200]})
                return error_response(errors.DomainError())
            if isinstance(result, Response):
                result.headers = {**SECURITY_HEADERS, **(result.headers or {})}
                return result
            headers = dict(SECURITY_HEADERS)
            if cache_seconds:
                headers["Cache-Control"] = f"public, max-age={cache_seconds}"
            return Response(body=_dump(result), status_code=status, headers=headers)

        # OAuth endpoints take urlencoded forms; chalice refuses other types than JSON unless
        # the route lists them.
        extra: dict[str, Any] = (
            {"content_types": ["application/x-www-form-urlencoded"]} if form is not None else {})
        bp.route(path, methods=[method], api_key_required=api_key, **extra)(view)
        ROUTES.append(RouteDoc(path, method, summary, tag, query, body, form, response, status,
                               api_key, errors_documented, headers, html, redirects,
                               doc_body, cache_seconds))
        return fn

    return decorate

