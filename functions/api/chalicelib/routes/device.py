"""The mobile app's device API (enrolment, approvals with number matching).

Requests after enrolment carry ``Authorization: Device <JWS>`` signed by the device key
(see ``iamsmart.identity.devices``).
"""

from __future__ import annotations

from typing import Any, Literal

from chalice import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib import http

bp = Blueprint(__name__)


class EnrolBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=128)
    jwk: dict[str, Any]
    label: str = Field(default="iAM Smart app", min_length=1, max_length=60)


class ApprovalQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    k: str = Field(min_length=1, max_length=64)


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    k: str = Field(min_length=1, max_length=64)
    decision: Literal["approve", "deny"]
    number: int | None = Field(default=None, ge=0, le=99)


def _device(path: str) -> Any:
    from iamsmart.identity import devices

    request = bp.current_request
    raw = request.raw_body
    return devices.verify_request(request.headers.get("authorization"), method=request.method,
                                  path=path, body=raw.encode() if isinstance(raw, str) else raw)


@http.route(bp, "/v1/device/enrol", method="POST", body=EnrolBody, status=201,
            summary="Enrol a device key with an enrolment code", tag="device",
            errors_documented=(400, 403, 429, 503))
def enrol(body: EnrolBody) -> Response:
    from iamsmart.identity import devices, limits

    device = devices.enrol(body.code, body.jwk, body.label,
                           limits.source_of(bp.current_request))
    return Response(body={"account_id": device.account_id, "device_id": device.device_id,
                          "kid": device.kid}, status_code=201)


@http.route(bp, "/v1/device/approvals", summary="Login requests pushed to this device",
            tag="device", errors_documented=(401, 503))
def approvals() -> dict[str, Any]:
    from iamsmart.identity import login

    device = _device("/v1/device/approvals")
    return {"approvals": login.pending_for(device.account_id)}


@http.route(bp, "/v1/device/approvals/{txn_id}", query=ApprovalQuery,
            summary="A login request to approve: the service and three numbers to choose from",
            tag="device", errors_documented=(400, 401, 404, 409, 503))
def approval(txn_id: str, query: ApprovalQuery) -> dict[str, Any]:
    from iamsmart.identity import login

    _device(f"/v1/device/approvals/{txn_id}")
    return login.device_view(txn_id, query.k)


@http.route(bp, "/v1/device/approvals/{txn_id}", method="POST", body=AnswerBody,
            summary="Approve (with the number shown in the browser) or deny a login request",
            tag="device", errors_documented=(400, 401, 403, 404, 409, 429, 503))
def answer(txn_id: str, body: AnswerBody) -> dict[str, Any]:
    from iamsmart.identity import limits, login

    device = _device(f"/v1/device/approvals/{txn_id}")
    return login.device_answer(txn_id, body.k, number=body.number, decision=body.decision,
                               account_id=device.account_id,
                               source=limits.source_of(bp.current_request))
