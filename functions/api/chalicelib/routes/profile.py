"""The citizen's own e-ME profile (address, phone, e-mail kept by the citizen), and the EME
provider endpoint the exchange gateway calls (contract (a): gateway-signed, no session).

The citizen is always the session's account; mutations only as JSON (CSRF).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response
from pydantic import ConfigDict, Field

from chalicelib import http
from iamsmart.common.model import Model
from iamsmart.exchange.eme import Profile

bp = Blueprint(__name__)

_GATEWAY_SIGNATURE = http.Header("Authorization", "Gateway <JWS>: the exchange gateway's "
                                 "signature over the call (contract (a))", required=True)


class EmeRequest(Model):
    """What the exchange gateway asks the EME provider for (contract (a))."""

    model_config = ConfigDict(extra="forbid")
    sub: str = Field(max_length=64, description="The provider's subject for the citizen")
    fields: list[str] = Field(min_length=1, description="Field names of the data set")
    purpose: str
    consent_id: str
    request_id: str


def _account_id() -> str:
    return str(http.citizen_session(bp.current_request).account_id)


@http.route(bp, "/v1/me/profile", summary="My e-ME profile (address, phone, e-mail I keep)",
            tag="account", errors_documented=(401, 503))
def get_profile() -> dict[str, Any]:
    from iamsmart.exchange import eme

    return eme.read(_account_id())


@http.route(bp, "/v1/me/profile", method="PUT", body=Profile,
            summary="Keep my e-ME profile (blank fields are not kept)",
            tag="account", errors_documented=(400, 401, 503))
def put_profile(body: Profile) -> dict[str, Any]:
    from iamsmart.exchange import eme

    http.require_json(bp.current_request)
    return eme.write(_account_id(), body)


@http.route(bp, "/v1/me/profile", method="DELETE", summary="Delete my e-ME profile",
            tag="account", errors_documented=(400, 401, 503))
def delete_profile() -> dict[str, Any]:
    from iamsmart.exchange import eme

    http.require_json(bp.current_request)
    eme.delete(_account_id())
    return {"profile": {}, "updated_at": None}


@http.route(bp, "/v1/providers/eme/v1/datasets/{dataset}", method="POST",
            summary="EME data provider (called by the exchange gateway, signed request)",
            tag="exchange", errors_documented=(400, 401, 404, 503),
            doc_body=EmeRequest, headers=(_GATEWAY_SIGNATURE,))
def eme_provider(dataset: str) -> Response:
    import json

    from iamsmart.exchange import eme

    request = bp.current_request
    raw = request.raw_body or b""
    status, payload = eme.answer(dataset, authorization=request.headers.get("authorization"),
                                 body=raw.encode() if isinstance(raw, str) else raw)
    return Response(body=json.dumps(payload, ensure_ascii=False), status_code=status,
                    headers=dict(http.SECURITY_HEADERS))
