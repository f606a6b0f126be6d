"""/v1/openapi.json is generated from the code and describes exactly the routes that exist."""

from __future__ import annotations

import json

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
