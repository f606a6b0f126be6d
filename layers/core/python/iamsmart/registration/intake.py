"""The intake: accept an application from any channel, check it cheaply, keep it, queue it.

``submit`` does everything a citizen must be told about at once (a 4xx in both languages)
and nothing slow: strict JSON, the HKID number's format and check digit before anything else
(no lookup happens here at all), the evidence's shape, the photos' size, type and pixel limits,
the recorded consent to face processing, the contact. It then stores the images in S3, writes
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
import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from iamsmart import errors
from iamsmart.common import strict_json
from iamsmart.registration import applications
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
_PHONE = re.compile(r"\+?[0-9][0-9 \-]{6,18}[0-9]")
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
    if not isinstance(text, str) or len(text) > 254:
        raise InvalidContact()
    if kind == "email" and _EMAIL.fullmatch(text.strip()):
        return {"email": normalise_email(text)}
    if kind == "phone" and _PHONE.fullmatch(text.strip()):
        return {"phone": normalise_phone(text)}
    raise InvalidContact()


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
    return applications.idempotency_pk(caller.principal, key)


def _limit(caller: Caller) -> None:
    cfg = settings()
    if caller.key_id:
        scope, subject, limit = "intake-key", caller.key_id, cfg.registration_key_hourly_limit
    else:
        scope, subject, limit = "intake-source", caller.source, \
            cfg.registration_source_hourly_limit
    count = applications.count_in_window(scope, subject, 3600, 60)
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
    check_hkid_first(body.get("evidence"))  # before anything else looks at the evidence
    channel = body.get("channel", caller.channel)
    if caller.key_id is None and channel in PUBLIC_CHANNELS:
        caller = dataclasses.replace(caller, channel=channel)
    elif channel != caller.channel:
        raise errors.InvalidInput(en="The channel does not match this route or API key.",
                                  tc="登記途徑與此路徑或 API 密鑰不符。")
    if caller.channel in ("counter", "mobile") and not (
            caller.officer and _OFFICER.fullmatch(caller.officer)):
        raise OfficerRequired()
    idem_pk = _idempotency(caller, idempotency_key)
    evidence = parse_evidence(body.get("evidence"))
    consent = _consent(body.get("consent"))
    contact = _contact(body.get("contact"))
    selfie = _selfie(body.get("selfie"))
    if getattr(evidence, "photo", None) is not None:
        from iamsmart.faces import images

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
    if idem_pk is not None:
        seen = applications.get_idempotent(idem_pk)
        if seen is not None:
            return _replayed(seen, digest)
    _limit(caller)
    live, frame = _liveness(body)

    application_id = applications.new_id()
    received = applications.now()
    expires = applications.retention_end(received)
    applications.put_object(application_id, "evidence.json",
                            json.dumps(body["evidence"], separators=(",", ":")).encode())
    applications.put_object(application_id, "selfie", selfie)
    if frame is not None:
        from iamsmart.registration.liveness import FRAME

        applications.put_object(application_id, FRAME, frame)
    item: dict[str, Any] = {
        "pk": application_id, "sk": applications.APPLICATION, "kind": "application",
        "status": "queued", "channel": caller.channel, "source": caller.source,
        "site": caller.site, "officer": caller.officer,
        "evidence_kind": "chip" if type(evidence).__name__ == "ChipEvidence" else "card_photo",
        "consent": consent, "contact": contact, "language": language,
        "device_key": device_key, "liveness": live, "received_at": received,
        "updated_at": received,
        "expires_at": expires,
        "steps": {"received": applications.step_record(officer=caller.officer)},
    }
    actions = [applications.put_action(item)]
    if idem_pk is not None:
        actions.append(applications.put_action({
            "pk": idem_pk, "sk": "idem", "application_id": application_id, "digest": digest,
            "expires_at": expires}))
    from iamsmart.identity import store

    if not store.transact_write(actions):
        # The same key arrived twice at once: the other request won; answer as it did.
        applications.delete_objects(application_id)
        seen = applications.get_idempotent(idem_pk) if idem_pk else None
        if seen is None:
            raise errors.Unavailable()
        return _replayed(seen, digest)
    try:
        from iamsmart import aws

        aws.call("sqs", "send_message", QueueUrl=_queue_url(),
                 MessageBody=json.dumps({"application_id": application_id}))
    except errors.Unavailable:
        _undo(application_id, idem_pk)
        raise
    count("RegistrationAccepted", channel=caller.channel)
    logger().info("registration accepted", extra={"application_id": application_id,
                                                  "channel": caller.channel})
    return Accepted(application_id, status_url(application_id))


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


def _undo(application_id: str, idem_pk: str | None) -> None:
    from iamsmart.identity import store

    table = settings().applications_table
    store.delete(table, applications.key(application_id))
    if idem_pk:
        store.delete(table, {"pk": idem_pk, "sk": "idem"})
    applications.delete_objects(application_id)


def status_url(application_id: str) -> str:
    return f"/v1/registrations/{application_id}"
