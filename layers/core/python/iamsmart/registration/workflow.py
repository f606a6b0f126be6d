"""The registration workflow's steps (statemachines/registration.asl.json runs them in order):

validate → duplicate check → evidence → Immigration record → face → decide → (review) →
create account | reject → finish → notify.

Each step reads the application (item and evidence objects), records its summary on the item
under ``steps.<name>`` and returns only small, non-personal values: workflow state and its
history never hold particulars, images or the HKID number. Every step may run twice (a
Lambda retry, a replayed task) with the same effect as once.

Every check runs for every application, whatever an earlier one found, and a duplicate HKID
only counts at the decision: the steps, the time they take and the answer are the same for a
number that already has an account as for any other application that cannot be completed
online (THREATS 20). The applicant learns one of: completed, "retake your selfie", or
"we could not complete your registration online: visit a counter or contact us".
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass
from typing import Any, Literal

from iamsmart import errors
from iamsmart.metrics import Metric
from iamsmart.registration import applications, dal

# The local engine (dlib) is not thread-safe, and the local platform runs every Lambda in one
# process: one comparison at a time here (in AWS each invocation has its own process).
FACE_LOCK = threading.Lock()
ENROLMENT_CODE_SECONDS = 24 * 3600
Decision = Literal["approve", "review", "reject"]
# Reasons the applicant can do something about themselves; every other rejection reads the
# same ("not completed online").
APPLICANT_REASONS = ("selfie_unusable",)
# Channels where an officer sees the applicant and the card in person.
IN_PERSON = ("counter", "mobile")


class ApplicationGone(errors.NotFound):
    """The application expired or never existed (a replayed or late task)."""

    code = "application_not_found"


class ReviewRejected(errors.DomainError):
    """A reviewer rejected the application (SendTaskFailure's error name; the ASL catches it)."""

    code = "review_rejected"


def _load(application_id: object) -> dict[str, Any]:
    if not applications.valid_id(application_id):
        raise ApplicationGone()
    item = applications.get(str(application_id))
    if item is None:
        raise ApplicationGone()
    return item


def _evidence_payload(application_id: str) -> Any:
    raw = applications.get_object(application_id, "evidence.json")
    return json.loads(raw) if raw is not None else None


def _step(application_id: str, step: str, fields: dict[str, Any] | None = None,
          **record: Any) -> None:
    item = applications.get(application_id)
    officer = item.get("officer") if item else None
    dal.update_application(application_id, fields or {},
                           steps={step: applications.step_record(officer=officer, **record)})


def _claimed_hkid(payload: Any) -> Any:
    """The HKID number the evidence claims (verified or not: the evidence step decides)."""
    import base64

    from iamsmart.identity import hkid
    from iamsmart.registration.particulars import decode_dg1

    if isinstance(payload, dict) and payload.get("kind") == "card_photo":
        return hkid.parse(payload["particulars"]["hkid"])
    return decode_dg1(base64.b64decode(payload["data_groups"]["1"])).hkid


# --- steps --------------------------------------------------------------------------------

def validate(application_id: str) -> dict[str, Any]:
    """The stored application is complete and still valid (the intake checked it already)."""
    from iamsmart.faces import images
    from iamsmart.registration.evidence import parse_evidence
    from iamsmart.settings import settings

    item = _load(application_id)
    ok = True
    try:
        parse_evidence(_evidence_payload(application_id))
        selfie = applications.get_object(application_id, "selfie")
        images.validate(selfie or b"")
    except errors.InvalidInput:
        ok = False
    fields: dict[str, Any] = {"valid": ok}
    if item.get("status") == "queued":
        fields["status"] = "running"
    _step(application_id, "validated", fields, ok=ok)
    cfg = settings()
    return {"ok": ok, "review_seconds": cfg.registration_review_seconds,
            "escalation_seconds": cfg.registration_escalation_seconds}


def duplicate_check(application_id: str) -> dict[str, Any]:
    """Keyed hash of the number (KMS HMAC; never the number itself), an existing account
    with it, and the applications per number today. Recorded; acted on at the decision."""
    from iamsmart.identity import accounts, hkid
    from iamsmart.settings import settings

    item = _load(application_id)
    try:
        number = _claimed_hkid(_evidence_payload(application_id))
    except (errors.InvalidInput, ValueError, KeyError, TypeError):
        _step(application_id, "duplicate_check", {"duplicate": False, "hkid_limited": False})
        return {"done": True}
    digest = item.get("hkid_hash") or hkid.keyed_hash(number)
    owner = accounts.hkid_owner(digest)
    duplicate = owner is not None and owner != item.get("account_id")
    today = dal.applications_per_hkid_today(digest, application_id)
    limited = today > settings().registration_hkid_daily_limit
    _step(application_id, "duplicate_check",
          {"hkid_hash": digest, "duplicate": duplicate, "hkid_limited": limited})
    return {"done": True}


def evidence(application_id: str) -> dict[str, Any]:
    """Authenticity: chip passive authentication, or the card photo's validity."""
    from iamsmart.faces import images
    from iamsmart.registration import chip
    from iamsmart.registration.evidence import ChipEvidence, parse_evidence

    _load(application_id)
    try:
        parsed = parse_evidence(_evidence_payload(application_id))
        if isinstance(parsed, ChipEvidence):
            chip.verify_chip(parsed.sod, parsed.data_groups)
            outcome = "chip_verified"
        else:
            images.validate(parsed.photo)
            outcome = "card_photo"
    except chip.ChipNotAuthentic:
        outcome = "not_authentic"
    except errors.InvalidInput:
        outcome = "invalid"
    _step(application_id, "evidence", {"evidence_outcome": outcome}, outcome=outcome)
    return {"outcome": outcome}


def immigration(application_id: str) -> dict[str, Any]:
    """The Immigration Department's record: found, particulars agree; the record's photo is
    kept beside the application (S3) for the face step, never in the item or the state."""
    from iamsmart.registration.evidence import check_evidence, parse_evidence

    item = _load(application_id)
    summary: dict[str, Any]
    if item.get("evidence_outcome") not in ("chip_verified", "card_photo"):
        summary = {"outcome": "skipped"}
    else:
        try:
            result = check_evidence(parse_evidence(_evidence_payload(application_id)))
        except errors.InvalidInput:
            summary = {"outcome": "rejected", "reasons": ["invalid"]}
        else:
            summary = {"outcome": result.outcome, "reasons": list(result.reasons),
                       "mismatches": list(result.mismatches)}
            if result.reference_photo is not None and result.outcome != "rejected":
                applications.put_object(application_id, "reference", result.reference_photo)
    _step(application_id, "immigration", {"immigration": summary}, outcome=summary["outcome"])
    return {"outcome": summary["outcome"]}


def face(application_id: str) -> dict[str, Any]:
    """The selfie against the Immigration record's photo (the configured face engine)."""
    from iamsmart.registration.evidence import face_match

    _load(application_id)
    reference = applications.get_object(application_id, "reference")
    selfie = applications.get_object(application_id, "selfie")
    summary: dict[str, Any]
    if reference is None or selfie is None:
        summary = {"decision": "skipped"}
    else:
        try:
            with FACE_LOCK:
                comparison = face_match(selfie, reference)
        except errors.FaceNotUsable as exc:
            which = str(exc.details.get("reason", ""))
            summary = {"decision": "reference_unusable" if which.startswith("reference")
                       else "selfie_unusable"}
        except errors.InvalidImage:
            summary = {"decision": "selfie_unusable"}
        else:
            summary = {"decision": comparison.decision,
                       "similarity": round(float(comparison.similarity), 3)}
            frame = _live_frame(application_id, reference)
            if frame is not None:
                summary["live_frame"] = frame
    from decimal import Decimal

    stored = {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in summary.items()}
    _step(application_id, "face", {"face": stored}, decision=summary["decision"])
    return {"decision": summary["decision"]}


def _live_frame(application_id: str, reference: bytes) -> str | None:
    """The frame that passed liveness (AWS) against the same reference: the live face must be
    the applicant's, not only the selfie. None when there is no frame (not evaluated)."""
    from iamsmart.registration.evidence import face_match
    from iamsmart.registration.liveness import FRAME

    frame = applications.get_object(application_id, FRAME)
    if frame is None:
        return None
    try:
        with FACE_LOCK:
            return str(face_match(frame, reference).decision)
    except (errors.FaceNotUsable, errors.InvalidImage):
        return "unusable"


@dataclass(frozen=True)
class Facts:
    channel: str
    valid: bool
    duplicate: bool
    hkid_limited: bool
    evidence: str  # chip_verified | card_photo | not_authentic | invalid
    immigration: str  # verified | needs_manual_review | rejected | skipped
    face: str  # match | borderline | no_match | reference_unusable | selfie_unusable | skipped
    # evaluated_passed | evaluated_failed | not_evaluated (locally, or no session sent)
    liveness: str = "not_evaluated"


def decide_facts(f: Facts) -> tuple[Decision, str, str]:
    """(decision, reason, level) from the facts; the one rule, unit-tested on its own."""
    if not f.valid:
        return "reject", "invalid", "basic"
    if f.hkid_limited:
        return "reject", "hkid_limited", "basic"
    if f.evidence in ("not_authentic", "invalid"):
        return "reject", "evidence_not_authentic", "basic"
    if f.immigration == "rejected" or f.immigration == "skipped":
        return "reject", "immigration_mismatch", "basic"
    if f.face == "no_match":
        return "reject", "face_no_match", "basic"
    if f.face == "selfie_unusable":
        return "reject", "selfie_unusable", "basic"
    in_person = f.channel in IN_PERSON
    # "plus" online: chip, face and liveness all verified; liveness not evaluated: "basic".
    level = "plus" if in_person or (f.evidence == "chip_verified" and f.face == "match"
                                    and f.liveness == "evaluated_passed") else "basic"
    # What needs a person's eyes goes to review whether or not the number has an account, so
    # that a card-photo application cannot learn it there (the reviewer sees the flag).
    if f.evidence == "card_photo":
        return "review", "card_photo", level
    if f.face in ("borderline", "reference_unusable"):
        return "review", f"face_{f.face}", level
    if f.face != "match":
        return "reject", "face_not_checked", "basic"
    if f.liveness == "evaluated_failed":
        return "review", "liveness_failed", level
    if f.duplicate:
        return "reject", "duplicate", "basic"
    return "approve", "verified", level


def decide(application_id: str) -> dict[str, Any]:
    item = _load(application_id)
    facts = Facts(
        channel=str(item.get("channel")),
        valid=bool(item.get("valid", False)),
        duplicate=bool(item.get("duplicate", False)),
        hkid_limited=bool(item.get("hkid_limited", False)),
        evidence=str(item.get("evidence_outcome", "invalid")),
        immigration=str((item.get("immigration") or {}).get("outcome", "skipped")),
        face=str((item.get("face") or {}).get("decision", "skipped")),
        liveness=_liveness_fact(item),
    )
    decision, reason, level = decide_facts(facts)
    account_id = item.get("account_id") or _new_account_id()
    _step(application_id, "decision", {"decision": decision, "reason": reason, "level": level,
                                       "account_id": account_id}, decision=decision)
    from iamsmart.observability import count

    count(Metric.REGISTRATION_DECISION, decision=decision, channel=facts.channel)
    return {"decision": decision}


def _liveness_fact(item: dict[str, Any]) -> str:
    """The intake's liveness outcome; a pass counts only when the live face matched too."""
    live = str(item.get("liveness") or "not_evaluated")
    if live not in ("evaluated_passed", "evaluated_failed"):
        return "not_evaluated"
    if live == "evaluated_passed" and (item.get("face") or {}).get("live_frame") != "match":
        return "evaluated_failed"
    return live


def _new_account_id() -> str:
    from iamsmart.identity.accounts import new_id

    return new_id()


def open_review(application_id: str, task_token: str, escalated: bool) -> dict[str, Any]:
    """Park the application for a reviewer: the task token on the item, a queue entry."""
    item = _load(application_id)
    place = dal.enqueue_review(item, opened_at=applications.now(), escalated=escalated)
    _step(application_id, "review", {"status": "review", "review_token": task_token,
                                     "review_sk": place, "escalated": escalated},
          escalated=escalated)
    return {"opened": True}


def new_enrolment_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def create_account(application_id: str) -> dict[str, Any]:
    """One transaction: identity's actions for the account this registration proved (the
    account, its HKID-hash guard and e-mail/phone guards, the enrolment code or the app's
    device key) and the application marked. A replay finds the account it made (same id behind
    the HKID guard) and succeeds; a concurrent duplicate finds another account and the
    application is refused (the generic answer)."""
    from iamsmart.identity import accounts

    item = _load(application_id)
    account_id = str(item["account_id"])
    if item.get("account_created") or _hkid_owner(item) == account_id:
        return {"created": True}  # a replay: this application made it
    particulars = _particulars(application_id)
    contact = item.get("contact") or {}
    account = accounts.Account(
        id=account_id, level=item.get("level", "basic"),
        name_en=particulars.name_en, name_tc=particulars.name_zh or particulars.name_en,
        email=contact.get("email"), phone_number=contact.get("phone"),
        birthdate=particulars.date_of_birth.isoformat(), created_at=applications.now())
    code = new_enrolment_code()
    expires_at = applications.now() + ENROLMENT_CODE_SECONDS
    marked = dal.account_created_action(application_id, enrolment_code=code,
                                        enrolment_id=accounts.enrol_key(code))

    def created(account: accounts.Account) -> bool:
        return dal.transact([*accounts.registered_account_actions(
            account, hkid_hash=str(item["hkid_hash"]), enrolment_code=code,
            enrolment_expires_at=expires_at, device_jwk=item.get("device_key"),
            device_label=f"Registered with the app ({application_id[-6:]})"), marked])

    done = created(account)
    if not done and _hkid_owner(item) is None:
        # The e-mail address or phone number is another account's (a family sharing one):
        # the account is made without it as a login hint; the applicant is still notified
        # at the contact given.
        done = created(account.model_copy(update={"email": None, "phone_number": None}))
    if not done:
        if _hkid_owner(item) == account_id:
            return {"created": True}  # a concurrent replay of this very step won
        _step(application_id, "account", {"reason": "duplicate"}, outcome="refused")
        return {"created": False}
    _step(application_id, "account", {}, outcome="created")
    from iamsmart.observability import count

    count(Metric.REGISTRATION_ACCOUNT_CREATED, level=account.level)
    return {"created": True}


def _hkid_owner(item: dict[str, Any]) -> str | None:
    from iamsmart.identity import accounts

    return accounts.hkid_owner(str(item["hkid_hash"]))


def _particulars(application_id: str) -> Any:
    import base64

    from iamsmart.registration.particulars import decode_dg1, from_form

    payload = _evidence_payload(application_id)
    if payload is None:
        raise ApplicationGone()
    if payload.get("kind") == "card_photo":
        return from_form(payload["particulars"])
    return decode_dg1(base64.b64decode(payload["data_groups"]["1"]))


def finish(application_id: str, outcome: Literal["approved", "rejected"],
           reason: str | None = None) -> dict[str, Any]:
    """Record the outcome, delete the images (kept only until the decision), leave the
    review queue."""
    item = _load(application_id)
    fields: dict[str, Any] = {"status": outcome, "decided_at": item.get("decided_at")
                              or applications.now()}
    if reason:
        fields["reason"] = reason
    if item.get("review_sk"):
        dal.dequeue_review(str(item["review_sk"]))
    deleted = applications.delete_objects(application_id)
    dal.update_application(application_id, fields, remove=("review_token", "review_sk"))
    from iamsmart.observability import count, logger

    count(Metric.REGISTRATION_FINISHED, outcome=outcome)
    logger().info("registration finished", extra={"application_id": application_id,
                                                  "outcome": outcome,
                                                  "reason": fields.get("reason") or
                                                  item.get("reason"),
                                                  "objects_deleted": deleted})
    return {"outcome": outcome}


def notify(application_id: str) -> dict[str, Any]:
    from iamsmart.registration import notify as notify_mod

    item = _load(application_id)
    sent = notify_mod.send(item)
    dal.update_application(application_id, {}, remove=("contact",),
                           steps={"notified": applications.step_record(
                               sent=sent, officer=item.get("officer"))})
    return {"notified": sent}


# --- what the applicant sees --------------------------------------------------------------

PUBLIC_STATUS = {"queued": "received", "running": "in_progress", "review": "in_review",
                 "approved": "completed", "rejected": "not_completed"}
MESSAGES: dict[str, tuple[str, str]] = {
    "received": ("We have received your application.", "我們已收到你的申請。"),
    "in_progress": ("We are checking your application.", "我們正在核對你的申請。"),
    "in_review": ("A member of our staff is checking your application.",
                  "我們的職員正在審核你的申請。"),
    "completed": ("Your registration is complete. Use the enrolment code to set up the app.",
                  "登記已完成。請使用登記碼設定應用程式。"),
    "not_completed": ("We could not complete your registration online. Please visit a "
                      "registration counter or contact us.",
                      "我們未能在網上完成你的登記。請親臨登記櫃位或與我們聯絡。"),
    "selfie_unusable": ("We could not use your selfie. Please apply again with a clear photo "
                        "of your face.",
                        "我們未能使用你的自拍相片。請以清晰的面孔相片重新申請。"),
}

LIVENESS_NOT_EVALUATED = (
    "Your account is at the basic level: the live check of your face could not be evaluated "
    "online. To reach the higher level (plus), visit a registration counter with your "
    "identity card.",
    "你的帳戶屬基本級別：未能在網上評估你的面孔活體檢測。如需提升至較高級別（plus），請攜同身份證"
    "親臨登記櫃位。")


def help_contact() -> dict[str, Any]:
    """Where an applicant asks for help (configured per deployment; sandbox values locally)."""
    from iamsmart.settings import settings

    cfg = settings()
    return {"email": cfg.registration_help_email or None,
            "phone": cfg.registration_help_phone or None,
            "sandbox": cfg.registration_help_sandbox}


def public_status(item: dict[str, Any]) -> dict[str, Any]:
    """The status page: the same for every rejection the applicant cannot fix (a duplicate
    HKID included), steps shown as done / current / pending, never a reason code."""
    status = PUBLIC_STATUS.get(str(item.get("status")), "in_progress")
    done = set((item.get("steps") or {}).keys())
    steps = [s for s in applications.STEPS if s != "review" or "review" in done]
    if status == "in_review":  # the review step is recorded when it opens: it is current
        done.discard("review")
    if status in ("completed", "not_completed"):
        if status == "not_completed":
            done = set(applications.STEPS[:7])  # identical for every rejection
            steps = [s for s in applications.STEPS if s != "review"]
        done |= {"decision"}
    progress = []
    current_set = False
    for step in steps:
        if step in done:
            state = "done"
        elif status in ("completed", "not_completed"):
            state = "done" if status == "completed" else "skipped"
        elif not current_set:
            state, current_set = "current", True
        else:
            state = "pending"
        progress.append({"step": step, "state": state})
    message_key = status
    if status == "not_completed" and item.get("reason") in APPLICANT_REASONS:
        message_key = str(item["reason"])
    en, tc = MESSAGES[message_key]
    answer: dict[str, Any] = {"application_id": item["application_id"],
                              "reference": applications.reference_of(
                                  str(item["application_id"])),
                              "status": status, "steps": progress,
                              "message": {"en": en, "tc": tc}, "help": help_contact()}
    if status == "completed":
        answer["level"] = item.get("level", "basic")
        if answer["level"] == "basic" and item.get("liveness") in (None, "not_evaluated"):
            en, tc = LIVENESS_NOT_EVALUATED
            answer["liveness_note"] = {"en": en, "tc": tc}
        answer["enrolment_code"] = item.get("enrolment_code")
        answer["device_bound"] = bool(item.get("device_key"))
    return answer
