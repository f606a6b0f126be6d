"""The HTTP edge: strict JSON (THREATS 28), one error mapping, bilingual errors, no leaks."""

from __future__ import annotations

import json

import pytest
from chalice import Blueprint, Chalice
from chalice.test import Client
from pydantic import BaseModel, Field

from chalicelib import http  # noqa: I001 - functions/api is on sys.path via conftest
from iamsmart import errors


class Echo(BaseModel):
    name: str = Field(max_length=20)
    count: int = 1


class Lang(BaseModel):
    lang: str = Field(default="en", pattern="^(en|tc)$")


@pytest.fixture
def client(tmp_path):
    bp = Blueprint(__name__)
    routes_before = len(http.ROUTES)

    @http.route(bp, "/t/echo", method="POST", summary="echo", tag="t", body=Echo, response=Echo)
    def echo(body: Echo) -> Echo:
        return body

    @http.route(bp, "/t/lang", summary="lang", tag="t", query=Lang)
    def lang(query: Lang) -> dict:
        return {"lang": query.lang}

    @http.route(bp, "/t/missing/{item}", summary="missing", tag="t")
    def missing(item: str) -> dict:
        raise errors.NotFound()

    @http.route(bp, "/t/busy", summary="busy", tag="t")
    def busy() -> dict:
        raise errors.Unavailable(retry_after=7)

    @http.route(bp, "/t/bug", summary="bug", tag="t")
    def bug() -> dict:
        raise RuntimeError("secret detail A123456(3)")

    app = Chalice(app_name="edge-test")
    app.register_blueprint(bp)
    with Client(app, project_dir=str(tmp_path)) as c:
        yield c
    del http.ROUTES[routes_before:]


def _post(client, raw: bytes):
    return client.http.post("/t/echo", headers={"Content-Type": "application/json"}, body=raw)


def _error(resp) -> dict:
    body = json.loads(resp.body)
    assert set(body["message"]) == {"en", "tc"}
    assert body["message"]["en"] and body["message"]["tc"]
    return body


def test_valid_body_round_trips(client):
    resp = _post(client, b'{"name": "Chan", "count": 2}')
    assert resp.status_code == 200
    assert json.loads(resp.body) == {"name": "Chan", "count": 2}


@pytest.mark.parametrize("raw", [
    b"{not json", b"", b'{"name": "a", "name": "b"}', b'{"name": "a", "count": NaN}',
    b'{"name": "a", "count": Infinity}', b"\xff\xfe", b"[" * 40 + b"]" * 40,
    b'{"name": "' + b"x" * 50 + b'"}', b'{"count": 1}',
])
def test_bad_bodies_are_400_never_500(client, raw):
    resp = _post(client, raw)
    assert resp.status_code == 400
    assert _error(resp)["error"] == "invalid_request"


def test_huge_body_is_413(client):
    resp = _post(client, b'{"name": "' + b"x" * (http.MAX_BODY_BYTES + 10) + b'"}')
    assert resp.status_code == 413
    assert _error(resp)["error"] == "payload_too_large"


def test_deep_nesting_within_recursion_limit_is_refused():
    with pytest.raises(errors.InvalidInput):
        http.parse_json(b'{"a":' * 100 + b"1" + b"}" * 100)


def test_query_validation_names_the_field(client):
    resp = client.http.get("/t/lang?lang=fr")
    body = _error(resp)
    assert resp.status_code == 400
    assert body["details"]["fields"][0]["field"] == "lang"
    assert json.loads(client.http.get("/t/lang?lang=tc").body) == {"lang": "tc"}


def test_domain_errors_map_through_the_one_table(client):
    assert client.http.get("/t/missing/x").status_code == 404
    busy = client.http.get("/t/busy")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "7"


def test_unexpected_errors_are_generic_and_leak_nothing(client):
    resp = client.http.get("/t/bug")
    assert resp.status_code == 500
    assert b"secret" not in resp.body and b"A123456" not in resp.body
    assert _error(resp)["error"] == "error"


def test_every_error_status_is_mapped_once():
    classes = [cls for cls, _ in http.STATUS]
    assert len(classes) == len(set(classes))
    assert classes[-1] is errors.DomainError


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def test_every_429_says_its_real_wait():
    # Import the contexts that define limits, so their classes are known.
    from iamsmart.identity import limits  # noqa: F401
    from iamsmart.registration import intake, liveness  # noqa: F401

    classes = [errors.TooManyRequests, *_subclasses(errors.TooManyRequests)]
    assert len(classes) >= 4
    for cls in classes:
        with pytest.raises(TypeError):
            cls()  # a limit cannot be raised without saying when it lifts
        resp = http.error_response(cls(retry_after=1800))
        assert resp.status_code == 429 and resp.headers["Retry-After"] == "1800", cls


def test_chalices_own_415_and_405_are_in_the_platform_shape(api_app, api_client):
    resp = api_client.http.post("/v1/me/passkeys", headers={"Content-Type": "text/plain"},
                                body=b"{}")
    assert resp.status_code == 415
    body = _error(resp)
    assert body["error"] == "unsupported_media_type"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    resp = api_client.http.request("PATCH", "/v1/me/passkeys", headers={}, body=b"")
    assert resp.status_code == 405 and _error(resp)["error"] == "method_not_allowed"
    assert "POST" in resp.headers["Allow"] and resp.headers["Cache-Control"] == "no-store"


def test_gateway_answers_have_the_api_error_shape_and_headers():
    """API Gateway's own answers (infra.names.GATEWAY_ANSWERS, its gateway responses) read
    like the API's: the same body shape and the same headers as ``error_response``."""
    from infra.names import GATEWAY_ANSWERS, GATEWAY_ERROR_HEADERS

    resp = http.error_response(errors.Forbidden())
    api_body = json.loads(resp.body)
    for kind, answer in GATEWAY_ANSWERS.items():
        body = answer.body()
        assert set(body) == set(api_body), kind
        assert set(body["message"]) == set(api_body["message"]) == {"en", "tc"}, kind
    assert http.SECURITY_HEADERS.items() <= GATEWAY_ERROR_HEADERS.items()
