"""/v1/openapi.json is generated from the code and describes exactly the routes that exist."""

from __future__ import annotations

import inspect
import json
import re
import sys

from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_complete(api_client, api_app):
    resp = api_client.http.get("/v1/openapi.json")
    assert resp.status_code == 200
    doc = json.loads(resp.body)
    validate(doc)

    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served = {(path, method) for path, methods in api_app.routes.items() for method in methods}
    assert documented == served
    assert ("/v1/openapi.json", "GET") in documented


def test_department_routes_declare_the_api_key(api_client, api_app):
    doc = json.loads(api_client.http.get("/v1/openapi.json").body)
    for path, methods in api_app.routes.items():
        for method, entry in methods.items():
            op = doc["paths"][path][method.lower()]
            assert ("security" in op) == bool(entry.api_key_required), (path, method)


_HEADER_READ = re.compile(r"""(?:headers\.get\(|_header\()\s*["']([A-Za-z0-9-]+)["']""")
_CALL = re.compile(r"\b(_[a-z][a-z0-9_]*)\(")
_NOT_DOCUMENTED = {"cookie", "content-type"}  # the browser's session; the body's type


def _headers_read(fn, module) -> set[str]:
    """Header names the view reads, itself or through its module's private helpers."""
    seen, names, todo = set(), set(), [fn]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        source = inspect.getsource(current)
        names |= {n.lower() for n in _HEADER_READ.findall(source)}
        for helper in _CALL.findall(source):
            target = getattr(module, helper, None)
            if inspect.isfunction(target) and target.__module__ == module.__name__:
                todo.append(target)
    return names - _NOT_DOCUMENTED


def test_every_header_and_body_a_route_reads_is_documented(api_client, api_app):
    doc = json.loads(api_client.http.get("/v1/openapi.json").body)
    missing = []
    for path, methods in api_app.routes.items():
        for method, entry in methods.items():
            view = inspect.unwrap(entry.view_function)
            module = sys.modules[view.__module__]
            op = doc["paths"][path][method.lower()]
            documented = {p["name"].lower() for p in op.get("parameters", [])
                          if p["in"] == "header"}
            for name in sorted(_headers_read(view, module) - documented):
                missing.append(f"{method} {path}: header {name}")
            source = inspect.getsource(view)
            if ("raw_body" in source or "_photo_body(" in source) and "requestBody" not in op:
                missing.append(f"{method} {path}: body")
    assert not missing, "\n".join(missing)


def test_registration_and_face_bodies_and_idempotency_key(api_client):
    from chalicelib.registration_models import WebApplication
    from iamsmart.registration import intake

    doc = json.loads(api_client.http.get("/v1/openapi.json").body)
    schemas = doc["components"]["schemas"]
    assert set(WebApplication.model_fields) == intake.FIELDS
    for path, name in [("/v1/registrations", "WebApplication"),
                       ("/v1/registrations/assisted", "AssistedApplication"),
                       ("/v1/me/face", "EnrolBody"),
                       ("/v1/login/{txn_id}/face/check", "SelfieBody")]:
        body = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"] == {"$ref": f"#/components/schemas/{name}"}, path
        assert name in schemas
    key = {p["name"]: p for p in doc["paths"]["/v1/registrations/assisted"]["post"]
           ["parameters"]}["Idempotency-Key"]
    assert key["required"] is True and key["in"] == "header"
    assert key["schema"]["minLength"] == 8 and key["schema"]["maxLength"] == 128


def test_pages_are_html_and_bodies_document_415(api_client):
    doc = json.loads(api_client.http.get("/v1/openapi.json").body)
    for path, method in [("/v1/oidc/authorize", "get"), ("/v1/oidc/logout", "get"),
                         ("/v1/oidc/logout", "post")]:
        op = doc["paths"][path][method]
        assert "text/html" in op["responses"]["200"]["content"], (path, method)
        assert "application/json" not in op["responses"]["200"]["content"]
        assert "302" in op["responses"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method != "get":
                assert "415" in op["responses"], (path, method)
            for code in ("429", "503"):
                if code in op["responses"]:
                    assert "Retry-After" in op["responses"][code]["headers"], (path, code)
    eme = doc["paths"]["/v1/providers/eme/v1/datasets/{dataset}"]["post"]
    assert eme["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    assert "message" in doc["components"]["schemas"]["Error"]["required"]


def test_bodies_the_intake_accepts_validate_against_the_published_schema(api_client):
    import base64

    from jsonschema import Draft202012Validator

    from iamsmart.registration import card, intake
    from iamsmart.registration.evidence import parse_evidence

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    sod, groups = card.sandbox_card("A123456(3)")
    chip = {"kind": "chip", "sod": b64(sod),
            "data_groups": {str(k): b64(v) for k, v in groups.items()}}
    photo = {"kind": "card_photo", "photo": b64(b"\xff\xd8 a card"),
             "particulars": {"hkid": "A123456(3)", "name_en": "CHAN, Tai Man",
                             "name_zh": "陳大文", "date_of_birth": "1980-02-29", "sex": "M"}}
    common = {"selfie": b64(b"\xff\xd8 a face"), "consent": {"face_processing": True}}
    web = [{**common, "evidence": chip, "contact": {"email": "chan@example.org"}},
           {**common, "evidence": photo, "contact": {"phone": "+852 9123 4567"},
            "channel": "app", "language": "en", "device_key": {
                "kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}},
           {**common, "evidence": chip, "contact": {"email": "chan@example.org"},
            "liveness_session": "s" * 24, "liveness_nonce": "n" * 24}]
    assisted = [{**common, "evidence": photo, "contact": {"email": "chan@example.org"},
                 "channel": "counter"}]
    doc = json.loads(api_client.http.get("/v1/openapi.json").body)

    def validator(name: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": f"#/components/schemas/{name}",
                                     "components": doc["components"]})

    for name, bodies in [("WebApplication", web), ("AssistedApplication", assisted)]:
        for body in bodies:
            raw = json.dumps(body).encode()
            parse_evidence(intake.parse_body(raw)["evidence"])  # the intake takes it
            errors_found = [e.message for e in validator(name).iter_errors(body)]
            assert not errors_found, (name, errors_found)
    # What the intake refuses for its shape, the schema refuses too.
    for bad in [{**web[0], "unknown": 1}, {**web[0], "contact": {"email": "a@b.hk",
                                                                  "phone": "91234567"}},
                {**web[0], "consent": {"face_processing": False}},
                {**web[0], "evidence": {**chip, "kind": "passport"}}]:
        assert list(validator("WebApplication").iter_errors(bad)), bad
    assert list(validator("AssistedApplication").iter_errors({**assisted[0],
                                                              "device_key": {}}))


def test_what_the_edge_caches_is_public_and_every_public_read_is_cached(api_app):
    """CloudFront caches GET answers under ``CACHED_API_PATHS`` by path and query string
    alone (infra/constructs/site.py): each such route must say it is public (``Cache-Control:
    public``) and read no key, no header, no cookie, nothing of the request but its query.
    And a route that says it is public is cached there."""
    from fnmatch import fnmatchcase

    from chalicelib import http
    from infra.names import API_PATHS, CACHED_API_PATHS

    def cached(path: str) -> bool:
        return any(fnmatchcase(path, pattern) for pattern in CACHED_API_PATHS)

    assert all(any(fnmatchcase(p, a) for a in API_PATHS) for p in CACHED_API_PATHS)
    problems = []
    for route in http.ROUTES:
        if route.method != "GET":
            continue
        view = inspect.unwrap(api_app.routes[route.path][route.method].view_function)
        if cached(route.path):
            source = inspect.getsource(view)
            if (not route.cache_seconds or route.api_key or route.headers
                    or "current_request" in source or "cookie" in source.lower()):
                problems.append(f"cached but not plainly public: GET {route.path}")
        elif route.cache_seconds:
            problems.append(f"public but not cached at the edge: GET {route.path}")
    assert not problems, "\n".join(problems)
    assert sum(cached(r.path) for r in http.ROUTES if r.method == "GET") >= 9
