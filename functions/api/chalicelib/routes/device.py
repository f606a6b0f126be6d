"""The mobile app's device API (enrolment, approvals with number matching, live capture).

Requests after enrolment carry ``Authorization: Device <JWS>`` signed by the device key
(see ``iamsmart.identity.devices``).

Live capture (``/v1/device/liveness...``, ``iamsmart.faces.liveness``): a page hands a Face
Liveness check to the app with a QR code or link (session id and secret ``k``) and a number.
A step-up's session is its citizen's: only a device of that citizen, signed, may see, start
or complete it (and it is listed in ``GET /v1/device/liveness``). A registration's applicant
has no enrolled device yet: the secret and the number are the capability, and a signature,
when sent, is checked all the same.
"""

from __future__ import annotations

from typing import Any, Literal

from chalice import Blueprint, Response
from pydantic import ConfigDict, Field

from chalicelib import http
from iamsmart import errors
from iamsmart.common.model import Model
from iamsmart.identity import limits

bp = Blueprint(__name__)

_SIGNED = http.Header("Authorization", "Device <JWS>: the request signed with the device key "
                      "(method, path, body hash, time, unique id)", required=True)
# A live capture: a step-up's session needs its citizen's signed device; a registration's
# applicant has no enrolled key yet and sends none (the QR secret and number suffice).
_SIGNED_FOR_STEPUP = http.Header(
    "Authorization", "Device <JWS> (as for every device request): required for a face "
    "step-up's session; an applicant's app (registration, no enrolled key yet) sends none")


class EnrolBody(Model):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=128)
    jwk: dict[str, Any]
    label: str = Field(default="iAM Smart app", min_length=1, max_length=60)


class ApprovalQuery(Model):
    model_config = ConfigDict(extra="forbid")

    k: str = Field(min_length=1, max_length=64)


class AnswerBody(Model):
    model_config = ConfigDict(extra="forbid")

    k: str = Field(min_length=1, max_length=64)
    decision: Literal["approve", "deny"]
    number: int | None = Field(default=None, ge=0, le=99)


class LivenessQuery(Model):
    model_config = ConfigDict(extra="forbid")

    k: str = Field(min_length=1, max_length=64)


class LivenessStartBody(Model):
    model_config = ConfigDict(extra="forbid")

    k: str = Field(min_length=1, max_length=64)
    number: int = Field(ge=0, le=99, description="The number shown on the page")


class LivenessCompleteBody(Model):
    model_config = ConfigDict(extra="forbid")

    k: str = Field(min_length=1, max_length=64)
    selfie: str | None = Field(
        default=None, max_length=1_000_000,
        description="Only where the face engine is local (no liveness engine): the app's "
        "photo, base64. In AWS the live frame comes from the Face Liveness session.")


class LivenessWaiting(Model):
    liveness_session: str
    k: str = Field(description="The secret the QR code would have carried")
    purpose: Literal["stepup"]
    expires_in: int


class LivenessPending(Model):
    liveness: list[LivenessWaiting]


class ServiceNames(Model):
    name_en: str
    name_tc: str


class LivenessTask(Model):
    liveness_session: str
    purpose: Literal["stepup", "registration"]
    choices: list[int] = Field(description="Three numbers; the citizen picks the page's")
    expires_in: int
    service: ServiceNames | None = Field(default=None, description="A step-up's service")
    transaction: dict[str, Any] | None = Field(
        default=None, description="A step-up's transaction details (authorization_details)")


class LivenessCompleted(Model):
    status: Literal["passed", "captured"] = Field(
        description="passed: the step-up passed (a refusal is an error answer); captured: a "
        "registration's page may now send its application")
    face_assurance: dict[str, Any] | None = None


class Credentials(Model):
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: str


class LivenessStarted(Model):
    liveness_session: str
    evaluated: bool = Field(description="False where no engine can evaluate liveness (local): "
                            "nothing to stream to, no credentials")
    expires_in: int
    engine_session: str | None = Field(
        default=None, description="Rekognition's Face Liveness session id (AWS)")
    region: str | None = Field(default=None, description="Rekognition's region (AWS)")
    credentials: Credentials | None = Field(
        default=None, description="Short-lived (15 min) credentials allowing "
        "rekognition:StartFaceLivenessSession and nothing else (AWS)")


def _signed(path: str) -> Any:
    """The request's device signature in form, its key named (``devices.SignedRequest``)."""
    from iamsmart.identity import devices

    request = bp.current_request
    raw = request.raw_body
    return devices.signed_request(request.headers.get("authorization"), method=request.method,
                                  path=path, body=raw.encode() if isinstance(raw, str) else raw)


def _device(path: str) -> Any:
    """The device key that signed the request (its ``jti`` recorded)."""
    from iamsmart.identity import devices

    return devices.verify(_signed(path))


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
            tag="device", errors_documented=(401, 503),
            headers=(_SIGNED,))
def approvals() -> dict[str, Any]:
    from iamsmart.identity import login

    device = _device("/v1/device/approvals")
    return {"approvals": login.pending_for(device.account_id)}


@http.route(bp, "/v1/device/approvals/{txn_id}", query=ApprovalQuery,
            summary="A login request to approve: the service and three numbers to choose from",
            tag="device", errors_documented=(400, 401, 404, 409, 503),
            headers=(_SIGNED,))
def approval(txn_id: str, query: ApprovalQuery) -> dict[str, Any]:
    from iamsmart.identity import login

    _device(f"/v1/device/approvals/{txn_id}")
    return login.device_view(txn_id, query.k)


@http.route(bp, "/v1/device/approvals/{txn_id}", method="POST", body=AnswerBody,
            summary="Approve (with the number shown in the browser) or deny a login request",
            tag="device", errors_documented=(400, 401, 403, 404, 409, 429, 503),
            headers=(_SIGNED,))
def answer(txn_id: str, body: AnswerBody) -> dict[str, Any]:
    from iamsmart.identity import limits, login

    # The signature is verified with the key read in the approval's one read, and its replay
    # check rides in the approval's own write (login.device_answer).
    return login.device_answer(txn_id, body.k, number=body.number, decision=body.decision,
                               request=_signed(f"/v1/device/approvals/{txn_id}"),
                               source=limits.source_of(bp.current_request))


def _maybe_device(path: str) -> tuple[str | None, str]:
    """(account, device label) of a signed request; (None, "unsigned") without a signature
    (a registration's applicant has no device key yet). A bad signature is still a 401."""
    if not bp.current_request.headers.get("authorization"):
        return None, "unsigned"
    device = _device(path)
    return device.account_id, f"{device.account_id}:{device.device_id}"


@http.route(bp, "/v1/device/liveness", summary="Face step-ups waiting for this device's "
            "citizen to capture in the app", tag="device", response=LivenessPending,
            errors_documented=(401, 503), headers=(_SIGNED,))
def liveness_pending() -> LivenessPending:
    from iamsmart.faces import liveness

    device = _device("/v1/device/liveness")
    return LivenessPending.model_validate({"liveness": liveness.pending_for(device.account_id)})


@http.route(bp, "/v1/device/liveness/{session_id}", query=LivenessQuery, response=LivenessTask,
            summary="A live capture handed to the app: what it is for, three numbers",
            tag="device", errors_documented=(400, 401, 403, 409, 503),
            headers=(_SIGNED_FOR_STEPUP,))
def liveness_task(session_id: str, query: LivenessQuery) -> LivenessTask:
    from iamsmart.faces import liveness, stepup

    account_id, _ = _maybe_device(f"/v1/device/liveness/{session_id}")
    purpose, _ = liveness.purpose_of(session_id, query.k, account_id)
    if purpose == "stepup":
        return LivenessTask.model_validate(stepup.device_task(session_id, query.k,
                                                              str(account_id)))
    return LivenessTask.model_validate(liveness.device_view(session_id, query.k, account_id))


@http.route(bp, "/v1/device/liveness/{session_id}/start", method="POST",
            body=LivenessStartBody, response=LivenessStarted,
            summary="Start the live capture with the number shown on the page: Rekognition's "
            "session and credentials for StartFaceLivenessSession only", tag="device",
            errors_documented=(400, 401, 403, 429, 503),
            headers=(_SIGNED_FOR_STEPUP,))
def liveness_start(session_id: str, body: LivenessStartBody) -> LivenessStarted:
    from iamsmart.faces import liveness

    path = f"/v1/device/liveness/{session_id}/start"
    account_id, label = _maybe_device(path)
    source = limits.source_of(bp.current_request)
    limits.check(("approval-source", source))
    try:
        started = liveness.start(session_id, body.k, body.number, account_id=account_id,
                                 device=label)
    except liveness.LivenessWrongNumber:
        limits.fail(("approval-source", source))
        raise
    return LivenessStarted.model_validate(started)


@http.route(bp, "/v1/device/liveness/{session_id}/complete", method="POST",
            body=LivenessCompleteBody,
            summary="The live capture finished: a step-up is checked now (its outcome also "
            "reaches the page); a registration's page may send its application",
            tag="device", response=LivenessCompleted,
            errors_documented=(400, 401, 403, 409, 413, 429, 503),
            headers=(_SIGNED_FOR_STEPUP,))
def liveness_complete(session_id: str, body: LivenessCompleteBody) -> LivenessCompleted:
    from iamsmart.faces import liveness, stepup

    account_id, _ = _maybe_device(f"/v1/device/liveness/{session_id}/complete")
    purpose, _ = liveness.purpose_of(session_id, body.k, account_id)
    if purpose == "stepup":
        return LivenessCompleted.model_validate(
            stepup.device_complete(session_id, body.k, str(account_id), body.selfie))
    if body.selfie is not None:
        raise errors.InvalidInput(en="The application carries the photo, not the live check.",
                                  tc="相片隨申請提交，而非隨活體檢測提交。")
    liveness.captured(session_id, body.k, account_id)
    return LivenessCompleted(status="captured")
