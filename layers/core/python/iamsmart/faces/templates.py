"""Face templates: enrolment with recorded biometric consent, the 1:1 match, withdrawal.

One template per account, kept only with the citizen's explicit consent:

what the template is and where it lives is the face engine's (the port's ``enrol``,
``match``, ``forget``; ``settings.face_engine`` chooses the adapter): with Rekognition
(faces/rekognition.py) a face in a collection, of which we keep the ``FaceId``; with the
local engine (faces/local.py) a descriptor under KMS envelope encryption. The template of an
account is always matched and deleted by the engine that made it.

The record sits in the accounts table beside the account (``faces.dal``), with
``engine`` (the adapter's name), ``template`` (what the adapter stored), ``consent``
(version, time, wording's hash), ``source`` (``immigration_record`` at registration,
``fresh_capture`` later) and ``created_at``.

Withdrawal deletes the template everywhere (``DeleteFaces`` first, then the item) and returns
a receipt signed by the platform's KMS signing key (``typ`` ``receipt+jwt``). Photos are never
stored here, and neither photos nor templates are ever logged.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

from iamsmart import errors
from iamsmart.faces import dal
from iamsmart.faces.engine import Comparison, decide, engine_for
from iamsmart.settings import Settings, settings

Source = Literal["immigration_record", "fresh_capture"]

# What the citizen agrees to (shown on the "Face data" page; its hash is recorded).
CONSENT_VERSION = "2025-01"
CONSENT_EN = (
    "I agree that iAM Smart keeps a face template made from my photo (not the photo itself) "
    "to check that it is really me before important transactions I start, such as opening a "
    "bank account online. It is used only when a service asks for a face check and I take a "
    "live photo. I can withdraw at any time on the Face data page: the template is then "
    "deleted and I get a signed receipt.")
CONSENT_TC = (
    "我同意「智方便」保存一個由我的相片製成的面孔模板（不保存相片本身），以便在我進行重要交易"
    "（例如網上開立銀行戶口）前核實確是本人。只有在服務要求面孔核實並由我即時拍照時才會使用。"
    "我可隨時在「面孔資料」頁面撤回同意：模板會被刪除，我亦會收到一份已簽署的收據。")
CONSENT_HASH = hashlib.sha256(
    f"{CONSENT_VERSION}\n{CONSENT_EN}\n{CONSENT_TC}".encode()).hexdigest()
RECEIPT_TYP = "receipt+jwt"


class ConsentRequired(errors.InvalidInput):
    code = "consent_required"
    en = "Please read and agree to how your face template is kept before enrolling."
    tc = "登記前請先閱讀並同意我們如何保存你的面孔模板。"


class NotEnrolled(errors.Conflict):
    code = "face_not_enrolled"
    en = ("You have no face template with iAM Smart, so a face check cannot be done. You can "
          "enrol one on the Face data page of your account.")
    tc = "你未有在「智方便」登記面孔模板，因此未能進行面孔核實。你可在帳戶的「面孔資料」頁面登記。"


class AlreadyEnrolled(errors.Conflict):
    code = "face_already_enrolled"
    en = "A face template is already kept for you. Withdraw it first to enrol again."
    tc = "我們已保存你的面孔模板。如要重新登記，請先撤回。"


@dataclass(frozen=True)
class Template:
    account_id: str
    engine: str  # the adapter that made it (``settings.face_engine`` at enrolment)
    source: Source
    consent_version: str
    consented_at: int
    created_at: int
    stored: dict[str, str]  # face_id, or ciphertext/nonce/encrypted_key (never logged)

    def __repr__(self) -> str:
        return f"Template(engine={self.engine!r}, source={self.source!r})"

    def public(self) -> dict[str, Any]:
        """What the citizen's Face data page shows (no template bytes, no face id)."""
        return {"enrolled": True, "engine": self.engine, "source": self.source,
                "consent_version": self.consent_version, "consented_at": self.consented_at,
                "created_at": self.created_at,
                "kept_as": _engine_of(self.engine, settings()).kept_as}


# --- storage ----------------------------------------------------------------------------

def get(account_id: str) -> Template | None:
    item = dal.face_template(account_id)
    if item is None:
        return None
    return Template(account_id=account_id, engine=item["engine"], source=item["source"],
                    consent_version=str(item["consent"]["version"]),
                    consented_at=int(item["consent"]["at"]),
                    created_at=int(item["created_at"]), stored=dict(item["template"]))


def _engine_of(name: str, cfg: Settings, engine: Any | None = None) -> Any:
    """The adapter named ``name`` (the one that made a template), unless one is given."""
    return engine or engine_for(cfg.model_copy(update={"face_engine": name}))


# --- the operations ----------------------------------------------------------------------

def enrol(account_id: str, image: bytes, *, consent: bool, source: Source = "fresh_capture",
          cfg: Settings | None = None, engine: Any | None = None) -> Template:
    """Keep a template of the one face in ``image`` for the account (consent required).

    ``source`` says where the image came from: the Immigration-matched record photo at
    registration, or a fresh capture by an already verified ("plus") citizen. The image itself
    is not kept. One template per account (``AlreadyEnrolled``). ``engine``: the configured
    adapter unless given."""
    from iamsmart.faces import images

    cfg = cfg or settings()
    if consent is not True:
        raise ConsentRequired()
    if get(account_id) is not None:
        raise AlreadyEnrolled()
    valid = images.validate(image, cfg)
    engine = engine or engine_for(cfg)
    stored = engine.enrol(valid.data, account_id)
    now = int(time.time())
    consent_record = {"version": CONSENT_VERSION, "at": now, "text_sha256": CONSENT_HASH}
    if not dal.put_face_template(account_id, engine=engine.name, template=stored, source=source,
                                 created_at=now, consent=consent_record):
        engine.forget(stored)
        raise AlreadyEnrolled()
    from iamsmart.faces import audit

    audit.record(account_id, "face_enrolled", source=source)
    return Template(account_id, engine.name, source, CONSENT_VERSION, now, now, stored)


def match(account_id: str, selfie: bytes, *, cfg: Settings | None = None,
          engine: Any | None = None) -> Comparison:
    """The selfie's one face against the account's template (``NotEnrolled`` without one)."""
    from iamsmart.faces import images

    cfg = cfg or settings()
    template = get(account_id)
    if template is None:
        raise NotEnrolled()
    valid = images.validate(selfie, cfg)
    score = _engine_of(template.engine, cfg, engine).match(valid.data, template.stored,
                                                             account_id)
    return Comparison(similarity=score, decision=decide(score, cfg), faces_in_selfie=1)


def withdraw(account_id: str, *, cfg: Settings | None = None,
             engine: Any | None = None) -> dict[str, Any]:
    """Delete the template everywhere; a signed deletion receipt (``NotEnrolled`` if none)."""
    from iamsmart.oidc import discovery, signing

    cfg = cfg or settings()
    template = get(account_id)
    if template is None:
        raise NotEnrolled()
    adapter = _engine_of(template.engine, cfg, engine)
    adapter.forget(template.stored)  # fails closed: the item is kept
    now = int(time.time())
    receipt_id = secrets.token_urlsafe(16)
    claims = {"iss": discovery.issuer(), "sub": account_id, "iat": now, "jti": receipt_id,
              "event": "face_template_deleted",
              "deleted": {"engine": template.engine, "source": template.source,
                          "enrolled_at": template.created_at,
                          "stores": list(adapter.stores)},
              "consent_version": template.consent_version}
    # Signed before the item goes: a KMS failure leaves the item for a retry (DeleteFaces of
    # a face already gone succeeds), never a deletion without its receipt.
    receipt = signing.sign(claims, typ=RECEIPT_TYP)
    dal.delete_face_template(account_id)
    from iamsmart.faces import audit

    audit.record(account_id, "face_withdrawn", receipt_id=receipt_id)
    return {"deleted": True, "receipt": receipt, "receipt_id": receipt_id, "deleted_at": now}


# --- the engine's template storage -------------------------------------------------------

def seed_local_template_key() -> dict[str, int]:
    """Seeder (``infra.names.SEEDERS``): what the configured engine needs before it keeps
    templates (the local engine: the symmetric KMS key that wraps their data keys; Rekognition:
    nothing, its collection is infrastructure). Idempotent."""
    return dict(engine_for(settings()).prepare_storage())
