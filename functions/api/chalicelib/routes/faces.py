"""Face data and the face step-up (iamsmart.faces).

- ``/v1/login/{txn}/face...``: the step-up page of a login whose service asked for the face
  level (the login transaction's cookie binds it to the browser that started it).
- ``/v1/me/face``: the citizen's Face data page: see, enrol (with consent), withdraw (with a
  signed deletion receipt). Authenticated by the SSO session; mutations JSON only.

Photo bodies are JSON with the image in base64 (``selfie`` / ``photo``), up to
``stepup.MAX_BODY_BYTES``: larger than the general 1 MB JSON limit, parsed strictly here.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib import http
from chalicelib.liveness_models import Handoff, HandoffState
from iamsmart import errors
from iamsmart.common import strict_json
from iamsmart.common.model import Model

bp = Blueprint(__name__)

# A verified citizen enrols from a fresh capture only shortly after logging in.
ENROL_MAX_AUTH_AGE = 15 * 60


class SelfieBody(Model):
    model_config = ConfigDict(extra="forbid")

    selfie: str | None = Field(default=None, max_length=8 * 1024 * 1024)
    liveness_session: str | None = Field(default=None, max_length=64)


class EnrolBody(Model):
    model_config = ConfigDict(extra="forbid")

    consent: bool
    photo: str = Field(max_length=8 * 1024 * 1024)


def _photo_body(model: type[BaseModel]) -> Any:
    """A JSON body with a photo: the platform's strict parser at this route's size."""
    from iamsmart.faces.stepup import MAX_BODY_BYTES

    request = bp.current_request
    http.require_json(request)
    value = strict_json.loads(
        request.raw_body, max_bytes=MAX_BODY_BYTES, max_depth=4,
        too_large=errors.PayloadTooLarge(en="The photo is too large (at most 5 MB).",
                                         tc="相片過大（上限為 5 MB）。", reason="bytes"))
    try:
        return model.model_validate(value)
    except ValidationError:
        raise errors.InvalidInput(en="The request is not valid.", tc="請求無效。") from None


def _cookie() -> str | None:
    return bp.current_request.headers.get("cookie")


# --- step-up ------------------------------------------------------------------------------

@http.route(bp, "/v1/login/{txn_id}/face", summary="The face step-up of a login: service, "
            "transaction details, enrolment, liveness", tag="face",
            errors_documented=(404, 409, 503))
def stepup_view(txn_id: str) -> dict[str, Any]:
    from iamsmart.faces import stepup

    return stepup.view(txn_id, _cookie())


class StepUpLiveness(Model):
    liveness_session: str
    expires_in: int
    evaluated: bool = Field(description="False where no engine can evaluate liveness (local)")
    handoff: Handoff = Field(description="Hand the capture to the app: show the QR code (or "
                             "the same-device link) and the number")


@http.route(bp, "/v1/login/{txn_id}/face/liveness", method="POST",
            summary="A liveness session for this step-up (single use, short-lived), captured "
            "in the app", tag="face", status=201, response=StepUpLiveness,
            errors_documented=(404, 409, 429, 503))
def stepup_liveness(txn_id: str) -> StepUpLiveness:
    from iamsmart.faces import stepup

    http.require_json(bp.current_request)
    return StepUpLiveness.model_validate(stepup.start_liveness(txn_id, _cookie()))


@http.route(bp, "/v1/login/{txn_id}/face/liveness/{session_id}",
            summary="Where the app's live capture for this step-up stands, and its outcome",
            tag="face", response=HandoffState, errors_documented=(404, 503))
def stepup_liveness_state(txn_id: str, session_id: str) -> HandoffState:
    from iamsmart.faces import stepup

    return HandoffState.model_validate(stepup.liveness_state(txn_id, _cookie(), session_id))


@http.route(bp, "/v1/login/{txn_id}/face/check", method="POST",
            summary="Check the live photo against the citizen's face template",
            tag="face", errors_documented=(400, 403, 404, 409, 413, 429, 503),
            doc_body=SelfieBody)
def stepup_check(txn_id: str) -> dict[str, Any]:
    from iamsmart.faces import stepup

    body = _photo_body(SelfieBody)
    return stepup.submit(txn_id, _cookie(), body.model_dump())


@http.route(bp, "/v1/login/{txn_id}/face/cancel", method="POST",
            summary="Decline the face step-up (the service hears access_denied)",
            tag="face", errors_documented=(404, 409, 503))
def stepup_cancel(txn_id: str) -> dict[str, Any]:
    from iamsmart.faces import stepup

    http.require_json(bp.current_request)
    return stepup.cancel(txn_id, _cookie())


# --- face data ------------------------------------------------------------------------------

def _session() -> Any:
    return http.citizen_session(bp.current_request)


@http.route(bp, "/v1/me/face", summary="The citizen's face data: template kept or not, "
            "consent wording, recent face events", tag="face", errors_documented=(401, 503))
def face_data() -> dict[str, Any]:
    from iamsmart.faces import audit, templates
    from iamsmart.identity import accounts

    session = _session()
    template = templates.get(session.account_id)
    account = accounts.get(session.account_id)
    return {"template": template.public() if template else {"enrolled": False},
            "can_enrol": template is None and account.level == "plus",
            "consent": {"version": templates.CONSENT_VERSION, "en": templates.CONSENT_EN,
                        "tc": templates.CONSENT_TC},
            "events": audit.recent(session.account_id)}


class LevelTooLow(errors.Forbidden):
    code = "identity_not_verified"
    en = ("A face template can be kept only for an account whose identity was verified "
          "(iAM Smart+).")
    tc = "只有已核實身份的帳戶（「智方便+」）才可保存面孔模板。"


class LoginAgain(errors.Unauthorized):
    code = "fresh_login_required"
    en = "For your security, please log in again before enrolling your face."
    tc = "為保障你的安全，登記面孔前請重新登入。"


@http.route(bp, "/v1/me/face", method="POST", status=201,
            summary="Enrol a face template from a fresh photo, with biometric consent",
            tag="face", errors_documented=(400, 401, 403, 409, 413, 503),
            doc_body=EnrolBody)
def face_enrol() -> dict[str, Any]:
    import base64
    import binascii

    from iamsmart.faces import templates
    from iamsmart.identity import accounts, sessions

    session = _session()
    body = _photo_body(EnrolBody)
    if not body.consent:
        raise templates.ConsentRequired()
    if accounts.get(session.account_id).level != "plus":
        raise LevelTooLow()
    if sessions.age(session) > ENROL_MAX_AUTH_AGE:
        raise LoginAgain()
    photo = body.photo.partition(",")[2] if body.photo.startswith("data:") else body.photo
    try:
        image = base64.b64decode(photo, validate=True)
    except (binascii.Error, ValueError):
        raise errors.InvalidImage(reason="base64") from None
    template = templates.enrol(session.account_id, image, consent=True, source="fresh_capture")
    return {"template": template.public()}


@http.route(bp, "/v1/me/face", method="DELETE",
            summary="Withdraw: delete the face template everywhere; a signed receipt",
            tag="face", errors_documented=(401, 409, 503))
def face_withdraw() -> dict[str, Any]:
    from iamsmart.faces import templates

    session = _session()
    http.require_json(bp.current_request)
    return templates.withdraw(session.account_id)
