"""The face step-up of a login: a service asked for ``urn:iamsmart:acr:face``; the citizen has
authenticated (device or passkey) and now proves, with a live photo, to be the person whose
face template the platform keeps.

The browser side (``/v1/login/{txn}/face...``, the login transaction's cookie binds it):
``view`` (service, transaction details, what to do), ``start_liveness`` (a liveness session
bound to this transaction and citizen, with its hand-off to the app: QR code, same-device
link, number), ``liveness_state`` (the page follows the app's capture and its outcome),
``submit`` (the web capture: a selfie, staged in S3 for the workflow only; accepted only
where the face engine cannot evaluate liveness, and liveness then says ``not_evaluated``)
and ``cancel``.

The app's side (``/v1/device/liveness/...``, signed by a device of the same citizen):
``device_task`` (the service and transaction it confirms, three numbers), then
``iamsmart.faces.liveness.start`` (Rekognition's session and credentials), the video, and
``device_complete``: the same workflow runs with the session (in AWS the live frame from
Rekognition is what is matched; locally the app's photo, and liveness ``not_evaluated``).

``submit`` runs the Express state machine ``face-stepup`` synchronously
(statemachines/face_stepup.asl.json): validate image → liveness result → match → decide →
audit, and the selfie is discarded whatever happens. The tasks are the functions below
(``task_*``), called by functions/faces/handler.py.

Decision rules (THREATS 24–27):
- ``acr`` face only when the 1:1 match passed (``decide`` "match"); "borderline" is refused
  with a retry; attempts are limited per citizen (``face-account``) and per transaction
  (``face-txn``, and the transaction is declined at the limit).
- Liveness: evaluated in AWS (Rekognition Face Liveness), where a failed or missing liveness
  refuses the step-up. The local engine cannot evaluate liveness: the sandbox then grants the
  face level for a passed match and says ``"liveness": "not_evaluated"`` in the
  ``face_assurance`` claim, and ``amr`` carries ``face`` without ``liveness``; the service
  decides with that fact. Never a claim of liveness that was not evaluated. In AWS the
  not-evaluated path does not exist (a session without Rekognition's result is refused).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import secrets
from typing import Any

from iamsmart import errors
from iamsmart.common import express
from iamsmart.faces import dal
from iamsmart.faces.engine import engine_for
from iamsmart.identity import assurance, limits
from iamsmart.settings import Settings, settings

STEPUP_PAGE = "/stepup.html"
# Attempt limits: identity.limits' "face-account" and "face-txn" policies (failed step-ups
# per citizen and per transaction).
MAX_ATTEMPTS_PER_TXN = limits.POLICIES["face-txn"].limit
AMR_FACE = "face"
AMR_LIVENESS = "liveness"  # only when liveness was evaluated and passed
OBJECT_PREFIX = "stepup/"
# Base64 of a 5 MB photo, with room for the JSON around it (the route's own body limit).
MAX_BODY_BYTES = 7 * 1024 * 1024 + 4096

# Domain errors a refused workflow reports by class name (the ASL's contract), and back.
_REPORTED: dict[str, type[errors.DomainError]] = {}


def _reported() -> dict[str, type[errors.DomainError]]:
    if not _REPORTED:
        from iamsmart.faces import liveness, templates

        for cls in (errors.InvalidImage, errors.FaceNotUsable, errors.PayloadTooLarge,
                    errors.Unavailable, liveness.LivenessRefused, liveness.LivenessFailed,
                    templates.NotEnrolled, StepUpClosed):
            _REPORTED[cls.__name__] = cls
    return _REPORTED


class StepUpClosed(errors.Conflict):
    code = "stepup_closed"
    en = "This face check is no longer waiting. Please start again from the service."
    tc = "此面孔核實已不再等待。請返回有關服務重新開始。"


class FaceNotMatched(errors.Forbidden):
    code = "face_not_matched"
    en = ("The photo did not match the face we keep for you. Please try again, facing the "
          "camera in good light, with nothing covering your face.")
    tc = "相片與我們為你保存的面孔不符。請在光線充足的地方面向鏡頭、不要遮蓋面孔，然後再試。"


class FaceUncertain(FaceNotMatched):
    code = "face_uncertain"
    en = ("We could not be sure the photo is you. Please take it again, facing the camera in "
          "good light, without glasses or a hat.")
    tc = "我們未能確定相片中是你本人。請在光線充足的地方面向鏡頭、除下眼鏡或帽子，再拍一次。"


class BadSelfie(errors.InvalidInput):
    code = "invalid_selfie"
    en = "Please send the photo as a JPEG or PNG image."
    tc = "請以 JPEG 或 PNG 圖像傳送相片。"


# --- the claim the service receives ------------------------------------------------------

def band(value: float, threshold: float) -> str:
    """Confidence band of a score that passed its threshold: "high" in the upper half of the
    range above it, "standard" below that."""
    return "high" if value >= threshold + (1.0 - threshold) / 2 else "standard"


def assurance_claim(*, liveness: str, liveness_confidence: float | None, similarity: float,
                    cfg: Settings) -> dict[str, Any]:
    """``face_assurance``: the facts of this step-up, never more than was evaluated."""
    claim: dict[str, Any] = {"match": "passed", "liveness": liveness,
                             "confidence_band": band(similarity, cfg.face_match_threshold),
                             "engine": cfg.face_engine}
    if liveness == "evaluated" and liveness_confidence is not None:
        claim["liveness_confidence_band"] = band(liveness_confidence,
                                                 cfg.face_liveness_threshold)
    return claim


# --- the browser's side ------------------------------------------------------------------

def _transaction(grant_id: str) -> dict[str, Any] | None:
    from iamsmart.oidc import grants

    grant = grants.get(grant_id)
    if grant is None or not grant.request.authorization_details:
        return None
    return json.loads(grant.request.authorization_details)[0]  # type: ignore[no-any-return]


def view(txn_id: str, cookie_header: str | None) -> dict[str, Any]:
    """What the step-up page shows."""
    from iamsmart.faces import templates
    from iamsmart.identity import login

    item = login.face_pending(txn_id, cookie_header)
    evaluates = engine_for(settings()).evaluates_liveness
    return {"status": "face_required",
            "service": {"name_en": item["name_en"], "name_tc": item["name_tc"]},
            "transaction": _transaction(str(item["grant_id"])),
            "enrolled": templates.get(str(item["account_id"])) is not None,
            "liveness": "evaluated" if evaluates else "not_evaluated",
            # The app captures (Face Liveness); a photo taken in the page is accepted only
            # where the engine cannot evaluate liveness, and says liveness was not evaluated.
            "capture": ["app"] if evaluates else ["app", "web"],
            "upload_allowed": not evaluates,
            "expires_in": max(0, int(item["expires_at"]) - dal.now())}


def start_liveness(txn_id: str, cookie_header: str | None) -> dict[str, Any]:
    from iamsmart.faces import liveness, templates
    from iamsmart.identity import login

    item = login.face_pending(txn_id, cookie_header)
    account_id = str(item["account_id"])
    if templates.get(account_id) is None:
        raise templates.NotEnrolled()
    limits.check(("face-account", account_id), ("face-txn", txn_id))
    return liveness.create(account_id, txn_id)


def liveness_state(txn_id: str, cookie_header: str | None, session_id: str) -> dict[str, Any]:
    """Where the app's capture stands for this browser's step-up; once it passed (or the
    attempts ran out) where to go next."""
    from iamsmart.faces import liveness
    from iamsmart.identity import login

    login.bound(txn_id, cookie_header)
    answer = liveness.state(session_id, txn_id)
    if answer.get("state") == "passed" or answer.get("declined"):
        answer["next"] = login.resume_path(txn_id)
    return answer


def device_task(session_id: str, k: str, account_id: str) -> dict[str, Any]:
    """What the app shows for a step-up: the service, the transaction, three numbers."""
    from iamsmart.faces import liveness
    from iamsmart.identity import login

    task = liveness.device_view(session_id, k, account_id)
    item = login.face_waiting(str(liveness.purpose_of(session_id, k, account_id)[1]),
                              account_id)
    return {**task, "service": {"name_en": item["name_en"], "name_tc": item["name_tc"]},
            "transaction": _transaction(str(item["grant_id"]))}


def device_complete(session_id: str, k: str, account_id: str,
                    selfie: str | None) -> dict[str, Any]:
    """The app finished the capture: run the step-up with its session (this citizen's, this
    transaction's, once) and keep the outcome for the page."""
    from iamsmart.faces import liveness
    from iamsmart.identity import login

    _, txn_id = liveness.purpose_of(session_id, k, account_id)
    item = login.face_waiting(txn_id, account_id)
    liveness.captured(session_id, k, account_id)
    try:
        answer = _check(txn_id, item, session_id, selfie)
    except errors.DomainError as exc:
        outcome: dict[str, Any] = {"state": "refused", "error": exc.code,
                                   "message": {"en": exc.en, "tc": exc.tc}}
        for name in ("remaining", "declined"):
            if name in exc.details:
                outcome[name] = exc.details[name]
        liveness.record_outcome(session_id, outcome)
        raise
    liveness.record_outcome(session_id, {"state": "passed",
                                         "face_assurance": answer.get("face_assurance")})
    return {"status": "passed", "face_assurance": answer.get("face_assurance")}


def _selfie(value: object) -> bytes:
    if not isinstance(value, str) or not value:
        raise BadSelfie()
    if len(value) > MAX_BODY_BYTES:
        raise errors.PayloadTooLarge(en="The photo is too large (at most 5 MB).",
                                     tc="相片過大（上限為 5 MB）。", reason="bytes")
    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadSelfie() from None


def machine_arn(cfg: Settings | None = None) -> str:
    return (cfg or settings()).face_stepup_state_machine_arn


def run_workflow(payload: dict[str, Any], cfg: Settings) -> express.Run:
    """One synchronous run of the Express machine (``iamsmart.common.express``)."""
    return express.run(machine_arn(cfg), payload)


def _service_names(client_id: str) -> dict[str, str]:
    """The service's names as the citizen's access log will show them (empty if unknown)."""
    from iamsmart.oidc import clients

    try:
        client = clients.get(client_id)
    except errors.DomainError:
        return {}
    return {"name_en": client.name_en, "name_tc": client.name_tc}


def submit(txn_id: str, cookie_header: str | None, body: dict[str, Any]) -> dict[str, Any]:
    """Run the step-up workflow for this transaction; the outcome (or the refusal)."""
    from iamsmart.identity import login

    item = login.face_pending(txn_id, cookie_header)
    return _check(txn_id, item, body.get("liveness_session"), body.get("selfie"))


def _check(txn_id: str, item: dict[str, Any], session: object,
           selfie_value: object) -> dict[str, Any]:
    """One step-up attempt (from the page or the app), the login item already checked."""
    from iamsmart import aws
    from iamsmart.identity import login

    cfg = settings()
    account_id = str(item["account_id"])
    limits.check(("face-account", account_id), ("face-txn", txn_id))
    object_key = None
    evaluates = engine_for(cfg).evaluates_liveness
    if selfie_value is not None:
        if evaluates:
            raise errors.InvalidInput(
                en="Photos are taken only through the live check.",
                tc="相片只可透過活體檢測拍攝。", reason="upload_not_allowed")
        selfie = _selfie(selfie_value)
        object_key = f"{OBJECT_PREFIX}{secrets.token_urlsafe(18)}"
        aws.guarded("s3", "put_object", lambda: aws.client("s3").put_object(
            Bucket=cfg.evidence_bucket, Key=object_key, Body=selfie,
            ServerSideEncryption="AES256"))
        del selfie
    elif not evaluates:
        raise BadSelfie()
    payload = {"txn_id": txn_id, "account_id": account_id, "client_id": item["client_id"],
               "service": _service_names(str(item["client_id"])),
               "liveness_session": session if isinstance(session, str) else "",
               "object_key": object_key}
    answer = run_workflow(payload, cfg)
    if not answer.succeeded:
        if object_key:  # the workflow did not get to discard it
            task_discard({"object_key": object_key})
        raise errors.Unavailable(reason="workflow_" + answer.status.lower())
    output = answer.output
    if output.get("outcome") == "passed":
        return {"status": "passed", "next": login.resume_path(txn_id),
                "face_assurance": output.get("claim")}
    error = _reported().get(str(output.get("error")), errors.DomainError)
    if output.get("outcome") == "refused":
        error = FaceUncertain if output.get("reason") == "borderline" else FaceNotMatched
        if output.get("reason") == "liveness_failed":
            from iamsmart.faces.liveness import LivenessFailed

            error = LivenessFailed
    left = int(output.get("attempts_left", 0))
    texts = _face_texts().get(str(output.get("message"))) if error is errors.FaceNotUsable \
        else None
    en, tc = texts if texts else (None, None)
    raise error(en, tc, remaining=left, declined=bool(output.get("declined")))


@functools.cache
def _face_texts() -> dict[str, tuple[str, str]]:
    """The engine's own wording for each unusable selfie (no face, cut off, several), so the
    API repeats it in both languages after the workflow reported it by class name."""
    from iamsmart.faces.engine import require_one_face

    texts = {}
    for count, cut_off in ((0, 0), (1, 1), (2, 0)):
        try:
            require_one_face(count, "selfie", cut_off)
        except errors.FaceNotUsable as exc:
            texts[exc.en] = (exc.en, exc.tc)
    return texts


def cancel(txn_id: str, cookie_header: str | None) -> dict[str, Any]:
    from iamsmart.identity import login

    login.face_pending(txn_id, cookie_header)
    login.face_declined(txn_id)
    return {"status": "denied", "next": login.resume_path(txn_id)}


# --- the workflow's tasks (functions/faces/handler.py) ----------------------------------

def _read_object(key: str) -> bytes:
    from iamsmart import aws

    cfg = settings()
    if not key.startswith(OBJECT_PREFIX):
        raise errors.InvalidImage(reason="object")
    answer = aws.guarded("s3", "get_object", lambda: aws.client("s3").get_object(
        Bucket=cfg.evidence_bucket, Key=key))
    return bytes(answer["Body"].read())


def task_validate(event: dict[str, Any]) -> dict[str, Any]:
    """The uploaded photo passes the one gate (size, type, bomb, polyglot) first."""
    from iamsmart.faces import images

    if event.get("object_key"):
        images.validate(_read_object(str(event["object_key"])))
        return {"image": "valid"}
    return {"image": "from_liveness"}


def task_liveness(event: dict[str, Any]) -> dict[str, Any]:
    """Consume the liveness session (single use, this citizen, this transaction); in AWS the
    live frame becomes the image the match uses (staged like an upload, discarded after)."""
    from iamsmart import aws
    from iamsmart.faces import images, liveness

    cfg = settings()
    result = liveness.consume(event.get("liveness_session"), str(event["account_id"]),
                              str(event["txn_id"]))
    answer: dict[str, Any] = {"liveness": result.liveness, "passed": result.passed,
                              "confidence": result.confidence}
    if result.reference_image is not None:
        valid = images.validate(result.reference_image, cfg)
        key = event.get("object_key") or f"{OBJECT_PREFIX}{secrets.token_urlsafe(18)}"
        aws.guarded("s3", "put_object", lambda: aws.client("s3").put_object(
            Bucket=cfg.evidence_bucket, Key=key, Body=valid.data,
            ServerSideEncryption="AES256"))
        answer["object_key"] = key
    elif engine_for(cfg).evaluates_liveness:
        raise liveness.LivenessFailed(reason="no_live_image")
    return answer


def task_match(event: dict[str, Any]) -> dict[str, Any]:
    from iamsmart.faces import templates

    key = (event.get("liveness") or {}).get("object_key") or event.get("object_key")
    if not key:
        raise errors.InvalidImage(reason="no_image")
    comparison = templates.match(str(event["account_id"]), _read_object(str(key)))
    return {"decision": comparison.decision, "similarity": comparison.similarity}


def task_decide(event: dict[str, Any]) -> dict[str, Any]:
    """Pass or refuse; a pass raises the login transaction to the face level."""
    from iamsmart.identity import login

    cfg = settings()
    account_id, txn_id = str(event["account_id"]), str(event["txn_id"])
    live = event.get("liveness") or {}
    match = event.get("match") or {}
    reason = None
    if live.get("liveness") == "evaluated" and not live.get("passed"):
        reason = "liveness_failed"
    elif live.get("liveness") != "evaluated" and engine_for(cfg).evaluates_liveness:
        reason = "liveness_failed"  # never without liveness where it can be evaluated
    elif match.get("decision") == "borderline":
        reason = "borderline"
    elif match.get("decision") != "match":
        reason = "no_match"
    if reason is None:
        claim = assurance_claim(liveness=str(live.get("liveness")),
                                liveness_confidence=live.get("confidence"),
                                similarity=float(match["similarity"]), cfg=cfg)
        amr = [AMR_FACE] + ([AMR_LIVENESS] if claim["liveness"] == "evaluated" else [])
        if not login.face_passed(txn_id, account_id, assurance.ACR_FACE, amr, claim):
            raise StepUpClosed()
        return {"outcome": "passed", "claim": claim}
    return refused(event, reason)


def refused(event: dict[str, Any], reason: str, error: str | None = None) -> dict[str, Any]:
    """Count a failed attempt; at the transaction's limit the login is declined."""
    from iamsmart.identity import login

    account_id, txn_id = str(event["account_id"]), str(event["txn_id"])
    counted = reason not in ("Unavailable", "StepUpClosed")
    # The citizen's hourly count is its own limit (checked before each attempt); the tries
    # left and the decline are this transaction's alone.
    if counted:
        limits.fail(("face-account", account_id))
    in_txn = limits.fail(("face-txn", txn_id)) if counted else 0
    declined = False
    if counted and in_txn >= MAX_ATTEMPTS_PER_TXN:
        login.face_declined(txn_id)
        declined = True
    out: dict[str, Any] = {"outcome": "refused" if error is None else "error",
                           "reason": reason, "declined": declined,
                           "attempts_left": max(0, MAX_ATTEMPTS_PER_TXN - in_txn)}
    if error is not None:
        out["error"] = error
    return out


def task_failed(event: dict[str, Any]) -> dict[str, Any]:
    """A task raised (caught by the ASL): the error's class name is the reason."""
    failure = event.get("failure") or {}
    name = str(failure.get("Error") or "DomainError")
    if name not in _reported():
        name = "DomainError"
    out = refused(event, name, error=name)
    try:  # Lambda's Cause: {"errorMessage": <the error's English text>, "errorType": ...}
        message = json.loads(str(failure.get("Cause") or "{}")).get("errorMessage")
    except (json.JSONDecodeError, AttributeError):
        message = None
    if isinstance(message, str):
        out["message"] = message[:300]
    return out


def task_audit(event: dict[str, Any]) -> dict[str, Any]:
    from iamsmart.faces import audit

    result = event.get("result") or {}
    outcome = result.get("outcome")
    claim = result.get("claim") or {}
    name = {"passed": "face_stepup_passed", "refused": "face_stepup_refused"}.get(
        str(outcome), "face_stepup_error")
    service = event.get("service")
    audit.record(str(event["account_id"]), name, client_id=str(event.get("client_id") or ""),
                 service=service if isinstance(service, dict) else None,
                 reason=str(result.get("reason") or ""),
                 liveness=str(claim.get("liveness") or
                              (event.get("liveness") or {}).get("liveness") or ""))
    return {"audited": name}


def task_discard(event: dict[str, Any]) -> dict[str, Any]:
    """Delete the staged photo(s) of this step-up (idempotent)."""
    from iamsmart import aws

    keys = {k for k in (event.get("object_key"),
                        (event.get("liveness") or {}).get("object_key")) if k}
    bucket = settings().evidence_bucket

    def delete(key: str) -> None:
        aws.guarded("s3", "delete_object",
                    lambda: aws.client("s3").delete_object(Bucket=bucket, Key=key))

    for key in keys:
        if str(key).startswith(OBJECT_PREFIX):
            delete(str(key))
    return {"discarded": len(keys)}
