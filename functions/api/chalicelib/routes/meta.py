"""Readiness and the API's own description."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import http
from iamsmart.common.model import Model

bp = Blueprint(__name__)


class Health(Model):
    status: str


class OpenApiDocument(Model):
    """An OpenAPI 3.1 document (see https://spec.openapis.org/oas/v3.1.0)."""

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]


@http.route(bp, "/healthz", summary="Readiness", tag="meta", response=Health,
            errors_documented=())
def healthz() -> Health:
    return Health(status="ok")


@http.route(bp, "/v1/openapi.json", summary="This API's OpenAPI document", tag="meta",
            response=OpenApiDocument, cache_seconds=300, errors_documented=())
def openapi() -> dict[str, Any]:
    from chalicelib.openapi import document

    return document(title="iAM Smart one-portal platform API", version="1")
