"""Registration: the intake (every channel), the applicant's status page, and the staff API
(manual review, the notification outbox).

Public (no key): ``POST /v1/registrations`` (web, app), ``GET /v1/registrations/{id}``,
``POST /v1/registrations/check`` (the text checked alone, before the photos are sent),
``POST /v1/registrations/liveness`` (a liveness session, captured in the app, to send with
the application) and ``POST /v1/registrations/liveness/{session}/state`` (the page follows the
app's capture).
Registration sites (each kiosk, post-office counter and mobile team has its own API key,
registered to it in the API key registry): ``POST /v1/registrations/assisted``
(``Idempotency-Key`` required; counters and mobile teams name the officer in
``X-Officer-Id``); the application records the site. Staff (a ``registration-staff`` key;
the seam for staff single sign-on): ``/v1/staff/...``.

The intake body may hold two photos, so it is read here with the registration's own size
limit (``intake.MAX_BODY_BYTES``) instead of the general 1 MB JSON limit.
"""

from __future__ import annotations

from typing import Any, Literal

from chalice import Blueprint
from pydantic import ConfigDict, Field

from chalicelib import http
from chalicelib.liveness_models import Handoff, HandoffState, NonceBody
from chalicelib.registration_models import (
    ApplicationText,
    AssistedApplication,
    NewCodeBody,
    WebApplication,
)
from iamsmart import errors
from iamsmart.common.model import Model
from iamsmart.identity import limits

bp = Blueprint(__name__)

_IDEM_RULE = dict(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9._:\-]{8,128}$")
_IDEMPOTENCY_KEY = http.Header(
    "Idempotency-Key", "Optional: the same key with the same body answers the first "
    "application again instead of a second one", **_IDEM_RULE)  # type: ignore[arg-type]
_IDEMPOTENCY_KEY_REQUIRED = http.Header(
    "Idempotency-Key", "Required: one key per application (8 to 128 letters, digits or "
    ". _ : -); resending it with the same body answers the first application again, with "
    "another body 409", required=True, **_IDEM_RULE)  # type: ignore[arg-type]
_OFFICER = http.Header("X-Officer-Id", "The officer taking the application (required at "
                       "counters and for mobile teams)", min_length=2, max_length=64)


class Accepted(Model):
    application_id: str
    status_url: str
    status: Literal["received"] = "received"


class StepState(Model):
    step: str
    state: Literal["done", "current", "pending", "skipped"]


class Message(Model):
    en: str
    tc: str


class HelpContact(Model):
    email: str | None = None
    phone: str | None = None
    sandbox: bool = Field(description="True: fictitious sandbox contact details")


class Status(Model):
    application_id: str
    reference: str = Field(description="Short reference to quote when asking for help "
                           "(not a way to open the application)")
    help: HelpContact
    status: Literal["received", "in_progress", "in_review", "completed", "not_completed"]
    steps: list[StepState]
    message: Message
    level: Literal["basic", "plus"] | None = None
    enrolment_code: str | None = Field(
        default=None, description="Shown once, when the registration is completed")
    device_bound: bool | None = None
    liveness_note: Message | None = Field(
        default=None, description="Completed at basic because liveness was not evaluated")


class LivenessSession(Model):
    liveness_session: str
    liveness_nonce: str = Field(description="Send it with liveness_session in the application")
    expires_in: int
    evaluated: bool = Field(description="False where no engine can evaluate liveness (local)")
    handoff: Handoff = Field(description="Hand the capture to the app: show the QR code (or "
                             "the same-device link) and the number")


class ReviewQuery(Model):
    model_config = ConfigDict(extra="forbid")
    status: Literal["review"] = "review"


class ReviewItem(Model):
    application_id: str
    reference: str | None = None
    reason: str | None = None
    channel: str | None = None
    escalated: bool = False
    opened_at: int | None = None


class ReviewList(Model):
    items: list[ReviewItem]


class DecisionBody(Model):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject"]
    reason: str = Field(min_length=1, max_length=500)


class DecisionResult(Model):
    application_id: str
    decision: Literal["approve", "reject"]


class OutboxItem(Model):
    application_id: str
    channel: str
    destination: str
    text: str
    created_at: int


class Outbox(Model):
    items: list[OutboxItem]


def _api_key_id() -> str | None:
    identity = (bp.current_request.context or {}).get("identity") or {}
    return identity.get("apiKeyId")


def _accepted(result: Any) -> Accepted:
    return Accepted(application_id=result.application_id, status_url=result.status_url)


@http.route(bp, "/v1/registrations", method="POST", status=202,
            summary="Apply for an account (web or app): queued, answered at once",
            tag="registration", response=Accepted, errors_documented=(400, 413, 429, 503),
            doc_body=WebApplication, headers=(_IDEMPOTENCY_KEY,))
def register() -> Accepted:
    from iamsmart.registration import intake

    request = bp.current_request
    caller = intake.Caller(channel="web", source=limits.source_of(request))  # or "app" (body)
    result = intake.submit(request.raw_body, caller, request.headers.get("idempotency-key"))
    return _accepted(result)


class TextChecked(Model):
    valid: Literal[True] = True


@http.route(bp, "/v1/registrations/check", method="POST",
            summary="Check an application's text before sending its photos (nothing is kept)",
            tag="registration", response=TextChecked, errors_documented=(400, 413),
            doc_body=ApplicationText)
def registration_check() -> TextChecked:
    """The application's body, photos optional: 400 lists every text problem at once in
    ``details.fields`` (particulars, consent, contact), as ``POST /v1/registrations`` would."""
    from iamsmart.registration import intake

    intake.check(bp.current_request.raw_body)
    return TextChecked()


@http.route(bp, "/v1/registrations/liveness", method="POST", status=201,
            summary="A liveness session for one application (single use, short-lived)",
            tag="registration", response=LivenessSession, errors_documented=(429, 503))
def registration_liveness() -> LivenessSession:
    from iamsmart.registration import liveness

    return LivenessSession.model_validate(
        liveness.create(limits.source_of(bp.current_request)))


@http.route(bp, "/v1/registrations/liveness/{session_id}/state", method="POST",
            body=NonceBody, response=HandoffState, tag="registration",
            summary="Where the app's live capture for this application stands",
            errors_documented=(400, 503))
def registration_liveness_state(session_id: str, body: NonceBody) -> HandoffState:
    from iamsmart.registration import liveness

    return HandoffState.model_validate(liveness.state(session_id, body.liveness_nonce))


@http.route(bp, "/v1/registrations/assisted", method="POST", status=202,
            summary="Apply for an account at a kiosk, a counter or with a mobile team",
            tag="registration", response=Accepted, api_key=True,
            errors_documented=(400, 403, 409, 413, 429, 503),
            doc_body=AssistedApplication, headers=(_IDEMPOTENCY_KEY_REQUIRED, _OFFICER))
def register_assisted() -> Accepted:
    from iamsmart.registration import intake, principals

    request = bp.current_request
    site = principals.channel_site(_api_key_id())
    caller = intake.Caller(channel=site.channel, source=limits.source_of(request),
                           site=site.site, key_id=site.key_id,
                           officer=request.headers.get("x-officer-id"))
    result = intake.submit(request.raw_body, caller, request.headers.get("idempotency-key"))
    return _accepted(result)


NOT_FOUND = errors.NotFound(en="No application with this id.", tc="沒有此編號的申請。")


class NewEnrolmentCode(Model):
    application_id: str
    enrolment_code: str = Field(description="Shown once; the previous code no longer works")
    expires_in: int


@http.route(bp, "/v1/registrations/{application_id}/enrolment-code", method="POST",
            status=201, summary="A new enrolment code after verifying again (chip + selfie)",
            tag="registration", response=NewEnrolmentCode, doc_body=NewCodeBody,
            errors_documented=(400, 403, 404, 409, 413, 429, 503))
def registration_new_code(application_id: str) -> NewEnrolmentCode:
    """Body ``{"evidence": <chip evidence>, "selfie": b64}`` (``registration.reissue``): for a
    completed registration whose app is not set up yet; the old code stops working. The path
    takes the application id or its short reference (quoted at a counter)."""
    from iamsmart.registration import reissue

    request = bp.current_request
    return NewEnrolmentCode.model_validate(
        reissue.reissue(application_id, request.raw_body, limits.source_of(request)))


@http.route(bp, "/v1/registrations/{application_id}",
            summary="An application's status: steps done and pending, the outcome",
            tag="registration", response=Status, errors_documented=(404, 503))
def registration_status(application_id: str) -> Status:
    from iamsmart.registration import applications, dal, workflow

    item = applications.get(application_id)
    if item is None:
        raise NOT_FOUND
    answer = workflow.public_status(item)
    if answer.get("enrolment_code") and not dal.take_enrolment_code(application_id):
        answer["enrolment_code"] = None  # shown once: another reader took it first
    return Status.model_validate(answer)


@http.route(bp, "/v1/staff/registrations", summary="Applications waiting for manual review",
            tag="registration-staff", query=ReviewQuery, response=ReviewList, api_key=True,
            errors_documented=(400, 403, 503))
def staff_pending(query: ReviewQuery) -> ReviewList:
    from iamsmart.registration import principals, review

    principals.staff_member(_api_key_id())
    return ReviewList.model_validate({"items": review.pending()})


@http.route(bp, "/v1/staff/registrations/{application_id}",
            summary="One application with its evidence, for review", tag="registration-staff",
            api_key=True, errors_documented=(403, 404, 503))
def staff_application(application_id: str) -> dict[str, Any]:
    from iamsmart.registration import applications, principals, review

    principals.staff_member(_api_key_id())
    if not applications.valid_id(application_id):
        raise NOT_FOUND
    return review.detail(application_id)


@http.route(bp, "/v1/staff/registrations/{application_id}/decision", method="POST",
            summary="Approve or reject an application in review, with a reason",
            tag="registration-staff", body=DecisionBody, response=DecisionResult, api_key=True,
            errors_documented=(400, 403, 404, 409, 503))
def staff_decision(application_id: str, body: DecisionBody) -> DecisionResult:
    from iamsmart.registration import applications, principals, review

    staff = principals.staff_member(_api_key_id())
    if not applications.valid_id(application_id):
        raise NOT_FOUND
    return DecisionResult.model_validate(
        review.decide(application_id, body.decision, body.reason, staff))


@http.route(bp, "/v1/staff/outbox", summary="Notifications sent to applicants (local outbox)",
            tag="registration-staff", response=Outbox, api_key=True,
            errors_documented=(403, 503))
def staff_outbox() -> Outbox:
    from iamsmart.registration import notify, principals

    principals.staff_member(_api_key_id())
    return Outbox.model_validate({"items": notify.outbox()})
