"""Liveness for online registration: a session made before the application is sent, used
once when it arrives.

There is no citizen yet, so a session (``iamsmart.faces.liveness``: single use, short-lived,
read server side) is bound to a fresh random applicant nonce, returned with it and required
beside it in the application. The intake consumes the session at once (its lifetime is a few
minutes, the queue may hold an application longer) and records only the outcome on the
application: ``evaluated_passed``, ``evaluated_failed`` or ``not_evaluated`` (locally, or when
no session was sent). Where Rekognition evaluated it, the live frame is kept beside the
application (S3, deleted at the decision) so that the face step matches the face that passed
liveness against the Immigration record, not only the selfie.

The capture happens in the app (``iamsmart.faces.liveness``): the page shows the session's
QR code and number (or the same-device link); the applicant's app has no enrolled key yet, so
it acts on the session with the QR secret and the number alone, starts it (Rekognition's
session and credentials for ``StartFaceLivenessSession`` only), streams, and reports it
captured; the page follows with ``state`` and then sends the application.

An unknown, expired, reused or wrongly bound session is refused (400, both languages).
"""

from __future__ import annotations

import secrets
from typing import Any, Literal

from iamsmart import errors

Outcome = Literal["evaluated_passed", "evaluated_failed", "not_evaluated"]
# The sessions table's account field for registration sessions: no account id looks like it.
APPLICANT = "registration:applicant"
FRAME = "liveness_frame"


class LivenessSessionRefused(errors.InvalidInput):
    code = "liveness_session_refused"
    en = ("This live check cannot be used (it has expired or was already used). Please start "
          "the live check again, or send the application without it.")
    tc = "此活體檢測無法使用（已過期或已使用）。請重新進行活體檢測，或不附活體檢測提交申請。"


class TooManyLivenessSessions(errors.TooManyRequests):
    code = "too_many_liveness_sessions"
    en = "Too many live checks have been started from here. Please try again later."
    tc = "從此處開始的活體檢測過多，請稍後再試。"


def create(source: str) -> dict[str, Any]:
    """A session for one application: its id, the applicant nonce bound to it, its lifetime
    (and Rekognition's session id for the browser's Face Liveness component in AWS)."""
    from iamsmart.faces import liveness
    from iamsmart.registration import applications, dal
    from iamsmart.settings import settings

    limit = settings().registration_source_hourly_limit
    if dal.count_in_window("liveness-source", source, 3600, 60) > limit:
        raise TooManyLivenessSessions(retry_after=3600 - applications.now() % 3600)
    nonce = secrets.token_urlsafe(18)
    created = liveness.create(APPLICANT, nonce, purpose="registration")
    return {**created, "liveness_nonce": nonce}


def state(session_id: str, nonce: str) -> dict[str, Any]:
    """Where the app's capture stands (``waiting``, ``started``, ``captured``, ``used``,
    ``expired``), for the page holding the nonce."""
    from iamsmart.faces import liveness

    return liveness.state(session_id, nonce)


def consume(session_id: object, nonce: object) -> tuple[Outcome, bytes | None]:
    """Use the session once (bound to ``nonce``); the outcome and, when evaluated and passed,
    the live frame."""
    from iamsmart.faces import liveness

    if not isinstance(nonce, str) or not 16 <= len(nonce) <= 64:
        raise LivenessSessionRefused()
    try:
        result = liveness.consume(session_id, APPLICANT, nonce)
    except liveness.LivenessRefused:
        raise LivenessSessionRefused() from None
    except liveness.LivenessFailed:
        return "evaluated_failed", None
    return outcome_of(result.liveness, result.passed), result.reference_image


def outcome_of(evaluated: str, passed: bool) -> Outcome:
    if evaluated != "evaluated":
        return "not_evaluated"
    return "evaluated_passed" if passed else "evaluated_failed"
