"""Service catalogue: government online services by theme and audience, bilingual search,
and departments' one-click login links."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import http
from iamsmart.catalogue import logic
from iamsmart.catalogue.models import (
    LangQuery,
    LoginLinkBody,
    LoginLinkResult,
    ServiceDetail,
    ServiceList,
    ServiceQuery,
)

bp = Blueprint(__name__)


@http.route(bp, "/v1/services", summary="List and search government online services",
            tag="catalogue", query=ServiceQuery, response=ServiceList, cache_seconds=60,
            errors_documented=(400, 503))
def list_services(query: ServiceQuery) -> ServiceList:
    return logic.list_services(query)


@http.route(bp, "/v1/services/{service_id}", summary="One government online service",
            tag="catalogue", query=LangQuery, response=ServiceDetail, cache_seconds=60,
            errors_documented=(400, 404, 503))
def get_service(service_id: str, query: LangQuery) -> ServiceDetail:
    return logic.get_service(service_id, query.lang)


@http.route(bp, "/v1/services/{service_id}/login-link", method="PUT",
            summary="Set a service's one-click login link (the owning department only)",
            tag="catalogue", body=LoginLinkBody, response=LoginLinkResult, api_key=True,
            errors_documented=(400, 403, 404, 503))
def set_login_link(service_id: str, body: LoginLinkBody) -> LoginLinkResult:
    identity = (bp.current_request.context or {}).get("identity") or {}
    return logic.set_login_link(service_id, identity.get("apiKeyId"), body)
