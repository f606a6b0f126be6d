"""OpenAPI 3.1 document generated from the declared routes and their pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from chalicelib.http import ROUTES, RouteDoc

_REF = "#/components/schemas/{model}"


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
            "details": {"type": "object"},
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
    if doc.body is not None:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": schemas.ref(doc.body, "validation")}}}
    elif doc.form is not None:
        op["requestBody"] = {"required": True, "content": {
            "application/x-www-form-urlencoded": {"schema": schemas.ref(doc.form,
                                                                        "validation")}}}
    ok: dict[str, Any] = {"description": "OK"}
    if doc.response is not None:
        ok["content"] = {"application/json": {"schema": schemas.ref(doc.response,
                                                                    "serialization")}}
    op["responses"][str(doc.status)] = ok
    error_codes = set(doc.errors) | {500}
    if doc.api_key:
        op["security"] = [{"ApiKey": []}]
        error_codes |= {403, 429}
    for code in sorted(error_codes):
        op["responses"][str(code)] = {
            "description": "Error (bilingual message)",
            "content": {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}},
        }
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
