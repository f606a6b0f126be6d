"""A new enrolment code for an applicant who did not note theirs: verified again online with
the same smart HKID card's chip and a new selfie, as at registration (the app reads the chip;
the sandbox page uses a sandbox card instead). The old code stops working at once.

``reissue(application_id, raw, source)``; ``application_id`` may also be the application's
short reference (``applications.reference_of``), as an applicant quotes it at a registration
counter, whose terminal reads the card's chip and takes the photo: then nothing is told about
the application (not whether it exists, nor its state) until the card and the face verify.

- the application must be completed with its account made, and the app not set up yet (no
  device on the account, none bound at registration): otherwise ``NotReissuable`` (409) says
  what to do instead (a counter, or the app's own device list);
- at most ``DAILY_ATTEMPTS`` attempts per application per day, and the intake's hourly limit
  per source address (429 with ``Retry-After``);
- the body ``{"evidence": <chip evidence as at intake>, "selfie": b64}``: the chip is verified
  (passive authentication, ``evidence.check_evidence``) and its HKID number's keyed hash must
  be the application's; the selfie must match the Immigration record's photo (``face_match``,
  "match" only). A card photo cannot be verified automatically: a counter issues a new code.
- any failure of those reads the same (``NotVerified``, 403): the answer never says whether
  the card or the face did not match;
- then one transaction: the old code deleted, the new one stored (once, 24 hours), the
  application marked; the new code is in the answer only.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from iamsmart import errors
from iamsmart.metrics import Metric
from iamsmart.registration import applications, dal

DAILY_ATTEMPTS = 5
FIELDS = {"evidence", "selfie"}


class NotReissuable(errors.Conflict):
    code = "enrolment_code_not_reissuable"
    en = ("A new enrolment code can only be given for a completed registration whose app has "
          "not been set up yet. If your app is already set up, use it; otherwise please visit a "
          "registration counter with your identity card.")
    tc = ("只有已完成登記而尚未設定應用程式的申請，才可取得新的登記碼。如你已設定應用程式，請使用"
          "該應用程式；否則請攜同身份證親臨登記櫃位。")


class NotVerified(errors.Forbidden):
    code = "not_verified"
    en = ("We could not verify that you made this application. Please check that you used the "
          "same identity card and a clear photo of your face, or visit a registration counter.")
    tc = ("我們未能核實這份申請是由你提出。請確認你使用同一張身份證及清晰的面孔相片，"
          "或親臨登記櫃位。")


class CardPhotoNotAccepted(errors.InvalidInput):
    code = "chip_required"
    en = ("A new enrolment code online needs your smart identity card's chip. Without it, "
          "please visit a registration counter with your identity card.")
    tc = "網上取得新的登記碼須讀取智能身份證晶片。如未能讀取，請攜同身份證親臨登記櫃位。"


class TooManyAttempts(errors.TooManyRequests):
    code = "too_many_attempts"
    en = "Too many attempts for this application today. Please try again tomorrow."
    tc = "這份申請今日的嘗試次數過多，請明天再試。"

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after=retry_after)


class TooManyFromHere(TooManyAttempts):
    """The intake's hourly limit for one source address (shared by every application)."""

    en = "Too many attempts from this device or network. Please try again in an hour."
    tc = "此裝置或網絡的嘗試次數過多，請於一小時後再試。"


def _eligible(item: dict[str, Any] | None) -> dict[str, Any]:
    from iamsmart.identity import authenticators

    if item is None:
        raise errors.NotFound(en="No application with this id.", tc="沒有此編號的申請。")
    if (item.get("status") != "approved" or not item.get("account_created")
            or item.get("device_key") or authenticators.devices_of(str(item["account_id"]))):
        raise NotReissuable()
    return item


def _limits(application_id: str, source: str) -> None:
    from iamsmart.settings import settings

    day = 24 * 3600
    if dal.count_in_window("reissue", application_id, day, 60) > DAILY_ATTEMPTS:
        raise TooManyAttempts(retry_after=day - applications.now() % day)
    hourly = settings().registration_source_hourly_limit
    if dal.count_in_window("intake-source", source, 3600, 60) > hourly:
        raise TooManyFromHere(retry_after=3600 - applications.now() % 3600)


def _verified(item: dict[str, Any], body: dict[str, Any]) -> None:
    from iamsmart.identity import hkid
    from iamsmart.registration import chip
    from iamsmart.registration.evidence import (
        ChipEvidence,
        check_evidence,
        face_match,
        parse_evidence,
    )
    from iamsmart.registration.workflow import FACE_LOCK

    evidence = parse_evidence(body.get("evidence"))
    if not isinstance(evidence, ChipEvidence):
        raise CardPhotoNotAccepted()
    selfie_b64 = body.get("selfie")
    if not isinstance(selfie_b64, str) or not selfie_b64:
        raise errors.InvalidImage(reason="selfie_missing", field="selfie")
    try:
        selfie = base64.b64decode(selfie_b64, validate=True)
    except (binascii.Error, ValueError):
        raise errors.InvalidImage(reason="selfie_encoding", field="selfie") from None
    try:
        result = check_evidence(evidence)
    except chip.ChipNotAuthentic:
        raise NotVerified() from None
    if result.outcome != "verified" or result.reference_photo is None:
        raise NotVerified()
    if hkid.keyed_hash(result.particulars.hkid) != item.get("hkid_hash"):
        raise NotVerified()
    try:
        with FACE_LOCK:
            comparison = face_match(selfie, result.reference_photo)
    except errors.FaceNotUsable as exc:
        if str(exc.details.get("reason", "")).startswith("reference"):
            raise NotVerified() from None
        exc.details.setdefault("field", "selfie")
        raise
    if comparison.decision != "match":
        raise NotVerified()


def _body(raw: bytes | None) -> dict[str, Any]:
    from iamsmart.registration import intake

    body = intake.parse_body(raw)
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise errors.InvalidInput(en="The request has unknown fields.", tc="請求含有不明欄位。",
                                  fields=unknown[:10])
    return body


def reissue(application_id: str, raw: bytes | None, source: str) -> dict[str, Any]:
    """Verify again and replace the enrolment code (see the module docstring)."""
    from iamsmart.identity import accounts
    from iamsmart.observability import count, logger
    from iamsmart.registration.workflow import ENROLMENT_CODE_SECONDS, new_enrolment_code

    reference = applications.normalise_reference(application_id)
    if reference is not None:
        # Quoted at a counter (or in the app): until the card and the face are verified, the
        # answer does not say whether such an application exists or what became of it.
        found = dal.application_of_reference(reference)
        body = _body(raw)
        _limits(found or reference, source)
        item = applications.get(found) if found else None
        if item is None:
            raise NotVerified()
        _verified(item, body)
        application_id = str(item["application_id"])
        _eligible(item)
    else:
        if not applications.valid_id(application_id):
            raise errors.NotFound(en="No application with this id.", tc="沒有此編號的申請。")
        item = _eligible(applications.get(application_id))
        _limits(application_id, source)
        _verified(item, _body(raw))

    code = new_enrolment_code()
    new_id = accounts.enrol_key(code)
    actions = accounts.replace_enrolment_code_actions(
        str(item["account_id"]), code, applications.now() + ENROLMENT_CODE_SECONDS,
        replacing=item.get("enrol_id"))
    actions.append(dal.enrolment_code_reissued_action(application_id, enrolment_id=new_id))
    if not dal.transact(actions):
        raise errors.Unavailable()
    count(Metric.REGISTRATION_CODE_REISSUED)
    logger().info("enrolment code reissued", extra={"application_id": application_id})
    return {"application_id": application_id, "enrolment_code": code,
            "expires_in": ENROLMENT_CODE_SECONDS}
