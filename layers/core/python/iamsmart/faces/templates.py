"""Face templates: enrolment with recorded biometric consent, the 1:1 match, withdrawal.

One template per account, kept only with the citizen's explicit consent:

- in AWS, a face in a Rekognition collection (``settings.face_collection_id``): we store the
  collection's ``FaceId`` only; Rekognition keeps its own feature vector, never the image
  (``IndexFaces`` with ``DetectionAttributes=[]``, ``MaxFaces=1``). The match is
  ``SearchFacesByImage`` with the selfie, and only our ``FaceId`` among the answers counts.
- locally (``face_engine = "local"``), the local engine's 128-number descriptor, encrypted
  with a KMS data key (envelope encryption: ``GenerateDataKey`` under
  ``settings.face_template_key_alias``, AES-256-GCM with the account id as associated data);
  only the ciphertext and the encrypted data key are stored, the plaintext key is dropped at
  once. The match decrypts it (``Decrypt``) and compares descriptors.

The item sits in the accounts table beside the account: ``id = "face#<account id>"`` with
``engine``, ``template`` (AWS: ``{"face_id"}``; local: ``{"ciphertext", "nonce",
"encrypted_key"}``, base64), ``consent`` (version, time, wording's hash), ``source``
(``immigration_record`` at registration, ``fresh_capture`` later) and ``created_at``.

Withdrawal deletes the template everywhere (``DeleteFaces`` first, then the item) and returns
a receipt signed by the platform's KMS signing key (``typ`` ``receipt+jwt``). Photos are never
stored here, and neither photos nor templates are ever logged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

from iamsmart import errors
from iamsmart.faces.engine import Comparison, decide, require_one_face
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
    engine: Literal["rekognition", "local"]
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
                "kept_as": ("a face in an Amazon Rekognition collection"
                            if self.engine == "rekognition"
                            else "an encrypted face descriptor (KMS envelope encryption)")}


# --- storage (the accounts table) --------------------------------------------------------

def _key(account_id: str) -> dict[str, str]:
    return {"id": f"face#{account_id}"}


def _table() -> str:
    return settings().accounts_table


def get(account_id: str) -> Template | None:
    from iamsmart.identity import store

    item = store.get(_table(), _key(account_id), consistent=True)
    if not item or item.get("kind") != "face_template":
        return None
    return Template(account_id=account_id, engine=item["engine"], source=item["source"],
                    consent_version=str(item["consent"]["version"]),
                    consented_at=int(item["consent"]["at"]),
                    created_at=int(item["created_at"]), stored=dict(item["template"]))


# --- KMS envelope (local templates) ------------------------------------------------------

def _aad(account_id: str) -> bytes:
    return f"iamsmart:face-template:{account_id}".encode()


def _seal(descriptor: list[float], account_id: str, cfg: Settings) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from iamsmart import aws

    answer = aws.call("kms", "generate_data_key", KeyId=cfg.face_template_key_alias,
                      KeySpec="AES_256",
                      EncryptionContext={"purpose": "face-template", "account": account_id})
    nonce = secrets.token_bytes(12)
    plaintext = json.dumps([round(float(x), 8) for x in descriptor]).encode()
    sealed = AESGCM(answer["Plaintext"]).encrypt(nonce, plaintext, _aad(account_id))
    b64 = base64.b64encode
    return {"ciphertext": b64(sealed).decode(), "nonce": b64(nonce).decode(),
            "encrypted_key": b64(answer["CiphertextBlob"]).decode()}


def _open(stored: dict[str, str], account_id: str) -> list[float]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from iamsmart import aws

    answer = aws.call("kms", "decrypt", CiphertextBlob=base64.b64decode(stored["encrypted_key"]),
                      EncryptionContext={"purpose": "face-template", "account": account_id})
    try:
        plain = AESGCM(answer["Plaintext"]).decrypt(base64.b64decode(stored["nonce"]),
                                                    base64.b64decode(stored["ciphertext"]),
                                                    _aad(account_id))
    except InvalidTag:
        # A template moved to another account, or tampered with: never a match.
        raise errors.Unavailable(reason="template_unreadable") from None
    return [float(x) for x in json.loads(plain)]


# --- Rekognition collection (AWS) --------------------------------------------------------

def _rekognition(cfg: Settings, client: Any | None) -> Any:
    from iamsmart import aws

    return client or aws.client("rekognition")


def _guarded(operation: str, call: Any) -> Any:
    from iamsmart.aws import guarded
    from iamsmart.faces.rekognition import INVALID_IMAGE_CODES

    refusals = dict.fromkeys(INVALID_IMAGE_CODES, errors.InvalidImage)
    return guarded("rekognition", operation, call, refusals)


def external_id(account_id: str) -> str:
    """The collection's ExternalImageId: an opaque digest, never the account id itself."""
    return hashlib.sha256(f"iamsmart:face:{account_id}".encode()).hexdigest()[:40]


def _index(image: bytes, account_id: str, cfg: Settings, client: Any | None) -> dict[str, str]:
    rek = _rekognition(cfg, client)
    answer = _guarded("index_faces", lambda: rek.index_faces(
        CollectionId=cfg.face_collection_id, Image={"Bytes": image},
        ExternalImageId=external_id(account_id), DetectionAttributes=[], MaxFaces=1,
        QualityFilter="AUTO"))
    records = answer.get("FaceRecords") or []
    unindexed = answer.get("UnindexedFaces") or []
    if len(records) != 1 or unindexed:
        # Several faces (one indexed, others left out) or none good enough: nothing kept.
        for record in records:
            face_id = record.get("Face", {}).get("FaceId")
            if face_id:
                _delete_face(face_id, cfg, client)
        require_one_face(len(records) + len(unindexed), "selfie",
                         cut_off=1 if len(records) + len(unindexed) == 1 else 0)
    return {"face_id": str(records[0]["Face"]["FaceId"])}


def _delete_face(face_id: str, cfg: Settings, client: Any | None) -> None:
    rek = _rekognition(cfg, client)
    _guarded("delete_faces", lambda: rek.delete_faces(CollectionId=cfg.face_collection_id,
                                                      FaceIds=[face_id]))


def _search(image: bytes, face_id: str, cfg: Settings, client: Any | None) -> float:
    """Similarity (0..1) of the selfie's face to our face id in the collection (0 when the
    search did not return it)."""
    rek = _rekognition(cfg, client)
    floor = max(0.0, cfg.face_match_threshold - cfg.face_borderline_margin)
    answer = _guarded("search_faces_by_image", lambda: rek.search_faces_by_image(
        CollectionId=cfg.face_collection_id, Image={"Bytes": image}, MaxFaces=10,
        FaceMatchThreshold=round(floor * 100, 2), QualityFilter="AUTO"))
    percent = max((m.get("Similarity", 0.0) for m in answer.get("FaceMatches", [])
                   if m.get("Face", {}).get("FaceId") == face_id), default=0.0)
    return round(min(max(percent / 100.0, 0.0), 1.0), 4)


# --- the operations ----------------------------------------------------------------------

def enrol(account_id: str, image: bytes, *, consent: bool, source: Source = "fresh_capture",
          cfg: Settings | None = None, client: Any | None = None) -> Template:
    """Keep a template of the one face in ``image`` for the account (consent required).

    ``source`` says where the image came from: the Immigration-matched record photo at
    registration, or a fresh capture by an already verified ("plus") citizen. The image itself
    is not kept. One template per account (``AlreadyEnrolled``)."""
    from iamsmart.faces import images
    from iamsmart.identity import store

    cfg = cfg or settings()
    if consent is not True:
        raise ConsentRequired()
    if get(account_id) is not None:
        raise AlreadyEnrolled()
    valid = images.validate(image, cfg)
    if cfg.face_engine == "local":
        from iamsmart.faces.local import LocalFaceEngine

        stored = _seal(LocalFaceEngine(cfg).descriptor(valid.data, "selfie"), account_id, cfg)
    else:
        stored = _index(valid.data, account_id, cfg, client)
    now = int(time.time())
    item = {**_key(account_id), "kind": "face_template", "engine": cfg.face_engine,
            "template": stored, "source": source, "created_at": now,
            "consent": {"version": CONSENT_VERSION, "at": now, "text_sha256": CONSENT_HASH}}
    if not store.put(_table(), item, condition="attribute_not_exists(id)"):
        if cfg.face_engine == "rekognition":
            _delete_face(stored["face_id"], cfg, client)
        raise AlreadyEnrolled()
    from iamsmart.faces import audit

    audit.record(account_id, "face_enrolled", source=source)
    return Template(account_id, cfg.face_engine, source, CONSENT_VERSION, now, now, stored)


def match(account_id: str, selfie: bytes, *, cfg: Settings | None = None,
          client: Any | None = None) -> Comparison:
    """The selfie's one face against the account's template (``NotEnrolled`` without one)."""
    from iamsmart.faces import images

    cfg = cfg or settings()
    template = get(account_id)
    if template is None:
        raise NotEnrolled()
    valid = images.validate(selfie, cfg)
    if template.engine == "local":
        from iamsmart.faces.local import LocalFaceEngine, similarity

        engine = LocalFaceEngine(cfg)
        live = engine.descriptor(valid.data, "selfie")
        kept = _open(template.stored, account_id)
        distance = sum((x - y) ** 2 for x, y in zip(live, kept, strict=True)) ** 0.5
        score = round(similarity(distance), 4)
    else:
        from iamsmart.faces.rekognition import RekognitionFaceEngine

        engine_r = RekognitionFaceEngine(cfg, client)
        details = engine_r._details(valid.data)
        require_one_face(len(details), "selfie", engine_r._cut_off(details))
        score = _search(valid.data, template.stored["face_id"], cfg, client)
    return Comparison(similarity=score, decision=decide(score, cfg), faces_in_selfie=1)


def withdraw(account_id: str, *, cfg: Settings | None = None,
             client: Any | None = None) -> dict[str, Any]:
    """Delete the template everywhere; a signed deletion receipt (``NotEnrolled`` if none)."""
    from iamsmart.identity import store
    from iamsmart.oidc import discovery, signing

    cfg = cfg or settings()
    template = get(account_id)
    if template is None:
        raise NotEnrolled()
    if template.engine == "rekognition":
        _delete_face(template.stored["face_id"], cfg, client)  # fails closed: item kept
    now = int(time.time())
    receipt_id = secrets.token_urlsafe(16)
    claims = {"iss": discovery.issuer(), "sub": account_id, "iat": now, "jti": receipt_id,
              "event": "face_template_deleted",
              "deleted": {"engine": template.engine, "source": template.source,
                          "enrolled_at": template.created_at,
                          "stores": (["rekognition_collection", "accounts_table"]
                                     if template.engine == "rekognition"
                                     else ["accounts_table", "kms_encrypted_data_key"])},
              "consent_version": template.consent_version}
    # Signed before the item goes: a KMS failure leaves the item for a retry (DeleteFaces of
    # a face already gone succeeds), never a deletion without its receipt.
    receipt = signing.sign(claims, typ=RECEIPT_TYP)
    store.delete(_table(), _key(account_id))
    from iamsmart.faces import audit

    audit.record(account_id, "face_withdrawn", receipt_id=receipt_id)
    return {"deleted": True, "receipt": receipt, "receipt_id": receipt_id, "deleted_at": now}


# --- the local platform's template key ---------------------------------------------------

def seed_local_template_key() -> dict[str, int]:
    """Seeder (``infra.names.SEEDERS``): where the local engine keeps templates (the local
    platform), the symmetric KMS key that wraps their data keys. In AWS (Rekognition
    collection) there is nothing to do. Idempotent: an existing alias is left alone."""
    from iamsmart import aws

    cfg = settings()
    if cfg.face_engine != "local":
        return {"keys": 0}
    kms = aws.client("kms")
    try:
        kms.describe_key(KeyId=cfg.face_template_key_alias)
        return {"keys": 0}
    except kms.exceptions.NotFoundException:
        pass
    meta = kms.create_key(Description="Wraps the data keys of local face templates",
                          KeySpec="SYMMETRIC_DEFAULT", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    kms.create_alias(AliasName=cfg.face_template_key_alias, TargetKeyId=meta["KeyId"])
    return {"keys": 1}
