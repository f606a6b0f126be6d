"""The intake: accept an application from any channel, check it cheaply, keep it, queue it.

``submit`` does everything a citizen must be told about at once (a 4xx in both languages)
and nothing slow: strict JSON; then every problem of the text at once (``ApplicationInvalid``,
one entry per field in ``details.fields``, the HKID number's format and check digit first;
no lookup happens here at all): particulars, consent, contact (an e-mail address or a Hong
Kong mobile number); then the evidence's shape, the photos' size, type and pixel limits (their
errors name the field, ``selfie`` or ``evidence.photo``). ``check`` runs the text checks alone
(``POST /v1/registrations/check``), so that a page sends the photos only once the text is
right. It then stores the images in S3, writes
the application (and its idempotency key) in one conditional transaction, and sends the
application id to the queue; the workflow runs later at the rate the queue is drained. When
the queue cannot be reached everything written is removed again (503, nothing half-written).

Body (JSON, at most ``MAX_BODY_BYTES``)::

    {"channel": "web" | "app" | "kiosk" | "counter" | "mobile",
     "evidence": {"kind": "chip", "sod": b64, "data_groups": {"1": b64, "2": b64}}
               | {"kind": "card_photo", "photo": b64, "particulars": {...}},
     "selfie": b64 (JPEG or PNG),
     "consent": {"face_processing": true},
     "contact": {"email": "..."} | {"phone": "+852..."},
     "device_key": {P-256 public JWK}      (optional, app: bound with the account),
     "language": "en" | "tc",              (optional: the notification's language)
     "liveness_session": "...", "liveness_nonce": "..."}  (optional, together: from
                                           POST /v1/registrations/liveness, used once here)

The answer never depends on whether the HKID number already has an account.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iamsmart import errors
from iamsmart.common import strict_json
from iamsmart.metrics import Metric
from iamsmart.registration import applications, dal
from iamsmart.settings import settings

# API Gateway takes 10 MB, a synchronous Lambda invocation 6 MB (the event wraps the body):
# two photos of at most a few hundred KB each (base64) fit with room to spare.
MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 8
PUBLIC_CHANNELS = ("web", "app")
FIELDS = {"channel", "evidence", "selfie", "consent", "contact", "device_key", "language",
          "liveness_session", "liveness_nonce"}
MAX_IDEMPOTENCY_KEY = 128
_IDEM = re.compile(r"[A-Za-z0-9._:\-]{8,128}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.\-]{1,190}\.[A-Za-z]{2,24}")
# A Hong Kong mobile number (after removing spaces and hyphens): 8 digits from 4 to 9.
_PHONE = re.compile(r"(?:\+?852)?[4-9][0-9]{7}")
_OFFICER = re.compile(r"[A-Za-z0-9._\-]{2,64}")


class ConsentRequired(errors.InvalidInput):
    code = "consent_required"
    en = ("Your consent to the processing of your face images is needed to register online. "
          "Without it, please register in person at a counter.")
    tc = "網上登記須得到你同意處理你的面孔影像。如不同意，請親身到櫃位登記。"


class InvalidContact(errors.InvalidInput):
    code = "invalid_contact"
    en = "Please give one e-mail address or one mobile phone number for us to contact you."
    tc = "請提供一個電郵地址或一個流動電話號碼，以便我們聯絡你。"


class InvalidEmail(InvalidContact):
    en = "Please check the e-mail address: it should look like name@example.com."
    tc = "請檢查電郵地址，格式應如 name@example.com。"


class InvalidPhone(InvalidContact):
    en = ("Please enter a Hong Kong mobile phone number: 8 digits starting with 4, 5, 6, 7, 8 "
          "or 9 (+852 may be added in front).")
    tc = "請輸入香港流動電話號碼：以 4、5、6、7、8 或 9 字開頭的 8 位數字（前面可加 +852）。"


class ApplicationInvalid(errors.InvalidInput):
    """Every text field with a problem at once: ``details['fields']`` lists each as
    ``{field, problem, code, message: {en, tc}}`` (``field`` a dotted path in the body,
    e.g. ``evidence.particulars.date_of_birth``); the error's own code and message are the
    first problem's (the HKID number's when it has one)."""

    def __init__(self, fields: list[dict[str, Any]]) -> None:
        first = fields[0]
        super().__init__(first["message"]["en"], first["message"]["tc"], fields=fields)
        self.code = str(first["code"])


class IdempotencyKeyRequired(errors.InvalidInput):
    code = "idempotency_key_required"
    en = ("Kiosks, counters and mobile teams must send an Idempotency-Key header (8 to 128 "
          "letters, digits or . _ : -) with every application.")
    tc = ("自助機、櫃位及流動登記隊提交每份申請時，必須附有 Idempotency-Key 標頭"
          "（8 至 128 個字母、數字或 . _ : -）。")


class IdempotencyKeyReused(errors.Conflict):
    code = "idempotency_key_reused"
    en = "This Idempotency-Key was already used for a different application."
    tc = "此 Idempotency-Key 已用於另一份申請。"


class OfficerRequired(errors.InvalidInput):
    code = "officer_required"
    en = "Counter and mobile-team applications must name the officer (X-Officer-Id header)."
    tc = "櫃位及流動登記隊的申請必須註明負責職員（X-Officer-Id 標頭）。"


class TooManyApplications(errors.TooManyRequests):
    code = "too_many_applications"
    en = "Too many applications have been sent from here. Please try again later."
    tc = "從此處提交的申請過多，請稍後再試。"


@dataclass(frozen=True)
class Caller:
    """Who submits: a public client (web, app) by its source address, or a registration site
    (kiosk, post-office counter, mobile team) by its own API key."""

    channel: str  # web | app | kiosk | counter | mobile
    source: str  # what the gateway saw (requestContext.identity.sourceIp)
    site: str | None = None  # the site's id in the sites table (from its API key)
    key_id: str | None = None
    officer: str | None = None

    @property
    def principal(self) -> str:
        return f"key:{self.key_id}" if self.key_id else f"public:{self.channel}"


@dataclass(frozen=True)
class Accepted:
    application_id: str
    status_url: str
    replayed: bool = False


def parse_body(raw: bytes | None) -> dict[str, Any]:
    """Strict JSON object (the platform's parser at this size and depth), no unknown fields."""
    value = strict_json.loads(raw, max_bytes=MAX_BODY_BYTES, max_depth=MAX_DEPTH,
                              too_large=errors.PayloadTooLarge(
        en="The application is too large. Please send photos of at most about 1 MB each.",
        tc="申請內容過大。每張相片請勿超過約 1 MB。"))
    if not isinstance(value, dict):
        raise errors.InvalidInput(en="The application must be a JSON object.",
                                  tc="申請必須是 JSON 物件。")
    unknown = sorted(set(value) - FIELDS)
    if unknown:
        raise errors.InvalidInput(en="The application has unknown fields.",
                                  tc="申請含有不明欄位。", fields=unknown[:10])
    return value


def check_hkid_first(evidence: object) -> None:
    """Format and check digit of the number the evidence claims, before anything else."""
    from iamsmart.identity import hkid
    from iamsmart.registration.evidence import InvalidEvidence
    from iamsmart.registration.particulars import decode_dg1

    if not isinstance(evidence, dict):
        raise InvalidEvidence()
    if evidence.get("kind") == "card_photo":
        particulars = evidence.get("particulars")
        hkid.parse(particulars.get("hkid") if isinstance(particulars, dict) else None)
        return
    groups = evidence.get("data_groups")
    dg1 = groups.get("1") if isinstance(groups, dict) else None
    if not isinstance(dg1, str) or len(dg1) > 8192:
        raise InvalidEvidence(field="dg1")
    try:
        raw = base64.b64decode(dg1, validate=True)
        decode_dg1(raw)  # the HKID number is parsed first inside (InvalidHKID)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidEvidence(field="dg1") from None


def _selfie(value: object) -> bytes:
    from iamsmart.faces import images

    if not isinstance(value, str) or not value:
        raise errors.InvalidImage(reason="selfie_missing")
    if len(value) > MAX_BODY_BYTES:
        raise errors.PayloadTooLarge()
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise errors.InvalidImage(reason="selfie_encoding") from None
    return images.validate(data).data


def _contact(value: object) -> dict[str, str]:
    from iamsmart.identity.accounts import normalise_email, normalise_phone

    if not isinstance(value, dict) or len(value) != 1:
        raise InvalidContact()
    ((kind, text),) = value.items()
    if kind not in ("email", "phone") or not isinstance(text, str) or not text.strip():
        raise InvalidContact()
    text = unicodedata.normalize("NFKC", text).strip()
    if kind == "email":
        if len(text) > 254 or not _EMAIL.fullmatch(text):
            raise InvalidEmail(field="contact.email")
        return {"email": normalise_email(text)}
    compact = re.sub(r"[\s\-]", "", text)
    if len(text) > 32 or not _PHONE.fullmatch(compact):
        raise InvalidPhone(field="contact.phone")
    return {"phone": normalise_phone(compact)}


def _problem(field: str, exc: errors.InvalidInput, problem: str = "format") -> dict[str, Any]:
    return {"field": str(exc.details.get("field") or field), "problem": problem,
            "code": exc.code, "message": {"en": exc.en, "tc": exc.tc}}


def text_problems(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every problem of the application's text (not its photos), the HKID number's first:
    the particulars field by field (or the chip's number), the consent, the contact and the
    language. No lookup of any kind happens here."""
    from iamsmart.registration import particulars as particulars_mod

    found: list[dict[str, Any]] = []
    evidence = body.get("evidence")
    declared = evidence.get("particulars") if isinstance(evidence, dict) else None
    if isinstance(evidence, dict) and evidence.get("kind") == "card_photo" and isinstance(
            declared, dict):
        code = {"hkid": "invalid_hkid"}
        for p in particulars_mod.problems(declared):
            entry = p.as_dict("evidence.particulars.")
            entry["code"] = code.get(p.field, particulars_mod.InvalidParticulars.code)
            found.append(entry)
        unknown = sorted(set(declared) - set(particulars_mod.FIELDS))
        if unknown:
            found.append(_problem("evidence.particulars", particulars_mod.InvalidParticulars(),
                                  "unknown"))
    else:
        try:
            check_hkid_first(evidence)
        except errors.InvalidInput as exc:
            field = "evidence.data_groups.1" if exc.details.get("field") == "dg1" else "evidence"
            found.append(_problem(field, exc, str(exc.details.get("category") or "format")))
    try:
        _consent(body.get("consent"))
    except errors.InvalidInput as exc:
        found.append(_problem("consent.face_processing", exc, "missing"))
    try:
        _contact(body.get("contact"))
    except errors.InvalidInput as exc:
        found.append(_problem("contact", exc,
                              "format" if exc.details.get("field") else "missing"))
    if body.get("language", "tc") not in ("en", "tc"):
        found.append(_problem("language", errors.InvalidInput(
            en="The language must be en or tc.", tc="語言須為 en 或 tc。")))
    return found


def check_text(body: dict[str, Any]) -> None:
    """``ApplicationInvalid`` listing every text problem, or nothing."""
    found = text_problems(body)
    if found:
        raise ApplicationInvalid(found)


def check(raw: bytes | None) -> None:
    """``POST /v1/registrations/check``: the text of an application checked as the intake
    checks it, with or without its photos (a page checks before it sends them)."""
    check_text(parse_body(raw))


def _consent(value: object) -> dict[str, Any]:
    if not isinstance(value, dict) or value.get("face_processing") is not True:
        raise ConsentRequired()
    return {"face_processing": True, "at": applications.now(), "version": "2024-1"}


def _idempotency(caller: Caller, key: str | None) -> str | None:
    if key is None or key == "":
        if caller.channel in ("kiosk", "counter", "mobile"):
            raise IdempotencyKeyRequired()
        return None
    if not _IDEM.fullmatch(key):
        raise IdempotencyKeyRequired()
    return dal.idempotency_id(caller.principal, key)


def _limit(caller: Caller) -> None:
    cfg = settings()
    if caller.key_id:
        scope, subject, limit = "intake-key", caller.key_id, cfg.registration_key_hourly_limit
    else:
        scope, subject, limit = "intake-source", caller.source, \
            cfg.registration_source_hourly_limit
    count = dal.count_in_window(scope, subject, 3600, 60)
    if count > limit:
        raise TooManyApplications(retry_after=3600 - applications.now() % 3600)


def _queue_url() -> str:
    from iamsmart import aws

    return _queue_url_cached(settings().registration_queue, aws)


_QUEUE_URLS: dict[str, str] = {}


def _queue_url_cached(name: str, aws: Any) -> str:
    url = _QUEUE_URLS.get(name)
    if url is None:
        url = aws.call("sqs", "get_queue_url", QueueName=name)["QueueUrl"]
        _QUEUE_URLS[name] = url
    return url


def reset() -> None:
    _QUEUE_URLS.clear()


def submit(raw: bytes | None, caller: Caller, idempotency_key: str | None) -> Accepted:
    """Validate, store and queue one application (see the module docstring)."""
    from iamsmart.identity.devices import public_jwk
    from iamsmart.observability import count, logger
    from iamsmart.registration.evidence import parse_evidence

    body = parse_body(raw)
    # Every text problem at once, the HKID number's first, before anything looks at photos.
    check_text(body)
    channel = body.get("channel", caller.channel)
    if caller.key_id is None and channel in PUBLIC_CHANNELS:
        caller = dataclasses.replace(caller, channel=channel)
    elif channel != caller.channel:
        raise errors.InvalidInput(en="The channel does not match this route or API key.",
                                  tc="登記途徑與此路徑或 API 密鑰不符。")
    if caller.channel in ("counter", "mobile") and not (
            caller.officer and _OFFICER.fullmatch(caller.officer)):
        raise OfficerRequired()
    idem_id = _idempotency(caller, idempotency_key)
    consent = _consent(body.get("consent"))
    contact = _contact(body.get("contact"))
    with _field("evidence.photo"):
        evidence = parse_evidence(body.get("evidence"))
    with _field("selfie"):
        selfie = _selfie(body.get("selfie"))
    if getattr(evidence, "photo", None) is not None:
        from iamsmart.faces import images

        with _field("evidence.photo"):
            images.validate(evidence.photo)  # type: ignore[union-attr]
    device_key = None
    if body.get("device_key") is not None:
        if caller.channel != "app":
            raise errors.InvalidInput(en="Only the app may bind a device key.",
                                      tc="只有應用程式可綁定裝置密鑰。")
        device_key = public_jwk(body["device_key"])
    language = body.get("language", "tc")
    if language not in ("en", "tc"):
        raise errors.InvalidInput(en="The language must be en or tc.", tc="語言須為 en 或 tc。")

    digest = hashlib.sha256(raw or b"").hexdigest()
    if idem_id is not None:
        seen = dal.idempotent_request(idem_id)
        if seen is not None:
            return _replayed(seen, digest)
    _limit(caller)
    live, frame = _liveness(body)

    application_id = applications.new_id()
    while dal.reference_taken(applications.reference_of(application_id)):
        application_id = applications.new_id()  # rare: ~1 in 10^5 at a million applications
    reference = applications.reference_of(application_id)
    received = applications.now()
    expires = applications.retention_end(received)
    applications.put_object(application_id, "evidence.json",
                            json.dumps(body["evidence"], separators=(",", ":")).encode())
    applications.put_object(application_id, "selfie", selfie)
    if frame is not None:
        from iamsmart.registration.liveness import FRAME

        applications.put_object(application_id, FRAME, frame)
    fields: dict[str, Any] = {
        "status": "queued", "channel": caller.channel, "source": caller.source,
        "site": caller.site, "officer": caller.officer,
        "evidence_kind": "chip" if type(evidence).__name__ == "ChipEvidence" else "card_photo",
        "consent": consent, "contact": contact, "language": language,
        "device_key": device_key, "liveness": live, "received_at": received,
        "updated_at": received,
        "expires_at": expires,
        "steps": {"received": applications.step_record(officer=caller.officer)},
    }
    if not dal.store_application(application_id, fields, reference=reference,
                                 idempotency=(idem_id, digest) if idem_id else None):
        # The same key arrived twice at once: the other request won; answer as it did.
        applications.delete_objects(application_id)
        seen = dal.idempotent_request(idem_id) if idem_id else None
        if seen is None:
            raise errors.Unavailable()
        return _replayed(seen, digest)
    try:
        from iamsmart import aws

        aws.call("sqs", "send_message", QueueUrl=_queue_url(),
                 MessageBody=json.dumps({"application_id": application_id}))
    except errors.Unavailable:
        _undo(application_id, idem_id)
        raise
    count(Metric.REGISTRATION_ACCEPTED, channel=caller.channel)
    logger().info("registration accepted", extra={"application_id": application_id,
                                                  "channel": caller.channel})
    return Accepted(application_id, status_url(application_id))


@contextlib.contextmanager
def _field(name: str) -> Iterator[None]:
    """A photo's error names the field it is about (``details['field']``)."""
    try:
        yield
    except errors.InvalidImage as exc:
        exc.details.setdefault("field", name)
        raise


def _liveness(body: dict[str, Any]) -> tuple[str, bytes | None]:
    """The liveness session's outcome, used up here (its life is shorter than the queue's)."""
    from iamsmart.registration import liveness

    session, nonce = body.get("liveness_session"), body.get("liveness_nonce")
    if session is None and nonce is None:
        return "not_evaluated", None
    return liveness.consume(session, nonce)


def _replayed(seen: dict[str, Any], digest: str) -> Accepted:
    if seen.get("digest") != digest:
        raise IdempotencyKeyReused()
    application_id = str(seen["application_id"])
    return Accepted(application_id, status_url(application_id), replayed=True)


def _undo(application_id: str, idem_id: str | None) -> None:
    dal.remove_application(application_id, reference=applications.reference_of(application_id),
                           idempotency_id=idem_id)
    applications.delete_objects(application_id)


def status_url(application_id: str) -> str:
    return f"/v1/registrations/{application_id}"
