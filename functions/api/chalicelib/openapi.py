"""OpenAPI 3.1 document generated from the declared routes and their pydantic models.

Every body, header and response a client sees is here (so that a department can generate a
client from it): JSON and form bodies (also those a view parses itself, ``doc_body``), the
headers a route reads, HTML pages and redirects, ``415`` for a body of the wrong type (every
operation that takes one), ``Retry-After`` on ``429`` and ``503``, and the bilingual error
body on every error.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from chalicelib.http import ROUTES, RouteDoc

_REF = "#/components/schemas/{model}"
_HTML = {"text/html": {"schema": {"type": "string"}}}
_ERROR_TEXT = {
    415: "The body is not of the type this operation takes (JSON unless a form is shown)",
    429: "A limit was reached: wait Retry-After seconds (bilingual message)",
    503: "Temporarily unavailable: retry after Retry-After seconds (bilingual message)",
}


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "Machine-readable error code."},
            "error_description": {"type": "string", "description": "English text (OAuth)."},
            "message": {
                "type": "object",
                "required": ["en", "tc"],
                "properties": {"en": {"type": "string"}, "tc": {"type": "string"}},
            },
            "details": {
                "type": "object",
                "description": "What the error is about (never the input's value).",
                "properties": {
                    "fields": {
                        "type": "array",
                        "description": "Every field with a problem, all at once (for a form "
                                       "to show each beside its field).",
                        "items": {
                            "type": "object",
                            "required": ["field"],
                            "properties": {
                                "field": {"type": "string", "description": "Dotted path in "
                                          "the body, e.g. evidence.particulars.hkid."},
                                "problem": {"type": "string", "description": "What is wrong,"
                                            " e.g. missing, format, check_digit, future."},
                                "code": {"type": "string",
                                         "description": "The error code of this problem."},
                                "message": {
                                    "type": "object",
                                    "required": ["en", "tc"],
                                    "properties": {"en": {"type": "string"},
                                                   "tc": {"type": "string"}},
                                },
                            },
                        },
                    },
                    "field": {"type": "string",
                              "description": "The one field the error is about."},
                },
            },
        },
    }


class _Schemas:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Error": _error_schema()}

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, str]:
        schema = model.model_json_schema(ref_template=_REF, mode=mode)  # type: ignore[arg-type]
        self.components.update(schema.pop("$defs", {}))
        self.components[model.__name__] = schema
        return {"$ref": _REF.format(model=model.__name__)}

    def parameters(self, model: type[BaseModel]) -> list[dict[str, Any]]:
        schema = model.model_json_schema(ref_template=_REF, mode="validation")
        self.components.update(schema.pop("$defs", {}))
        required = set(schema.get("required", []))
        out = []
        for name, prop in schema.get("properties", {}).items():
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                     "schema": {k: v for k, v in prop.items()
                                                if k != "description"}}
            if "description" in prop:
                param["description"] = prop["description"]
            out.append(param)
        return out


def _operation(doc: RouteDoc, schemas: _Schemas) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": f"{doc.method.lower()}_{doc.path.strip('/').replace('/', '_')}"
        .replace("{", "").replace("}", "").replace("-", "_").replace(".", "_"),
        "summary": doc.summary,
        "tags": [doc.tag],
        "parameters": [],
        "responses": {},
    }
    for name in _path_params(doc.path):
        op["parameters"].append({"name": name, "in": "path", "required": True,
                                 "schema": {"type": "string"}})
    if doc.query is not None:
        op["parameters"].extend(schemas.parameters(doc.query))
    for header in doc.headers:
        op["parameters"].append({"name": header.name, "in": "header",
                                 "required": header.required,
                                 "description": header.description,
                                 "schema": header.schema()})
    body = doc.body or doc.doc_body
    if body is not None:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": schemas.ref(body, "validation")}}}
    elif doc.form is not None:
        op["requestBody"] = {"required": True, "content": {
            "application/x-www-form-urlencoded": {"schema": schemas.ref(doc.form,
                                                                        "validation")}}}
    ok: dict[str, Any] = {"description": "OK"}
    if doc.html:
        ok["content"] = _HTML
    elif doc.response is not None:
        ok["content"] = {"application/json": {"schema": schemas.ref(doc.response,
                                                                    "serialization")}}
    op["responses"][str(doc.status)] = ok
    if doc.redirects:
        op["responses"]["302"] = {
            "description": "Redirect (to the login page, or back to the service)",
            "headers": {"Location": {"required": True, "schema": {"type": "string"}}}}
    error_codes = set(doc.errors) | {500}
    if doc.api_key:
        op["security"] = [{"ApiKey": []}]
        error_codes |= {403, 429}
    if doc.method != "GET":
        error_codes.add(415)
    for code in sorted(error_codes):
        error: dict[str, Any] = {
            "description": _ERROR_TEXT.get(code, "Error (bilingual message)"),
            "content": _HTML if doc.html and code != 415 else {
                "application/json": {"schema": {"$ref": _REF.format(model="Error")}}},
        }
        if code in (429, 503):
            error["headers"] = {"Retry-After": {
                "required": True, "description": "Seconds until trying again makes sense",
                "schema": {"type": "integer", "minimum": 1}}}
        op["responses"][str(code)] = error
    if not op["parameters"]:
        del op["parameters"]
    return op


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def document(title: str, version: str) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, Any] = {}
    for doc in sorted(ROUTES, key=lambda d: (d.path, d.method)):
        paths.setdefault(doc.path, {})[doc.method.lower()] = _operation(doc, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Public and department APIs of the single digital identity platform "
                           "(一網通辦). Errors carry messages in English (en) and Traditional "
                           "Chinese (tc).",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header",
                                           "name": "x-api-key"}},
        },
    }
