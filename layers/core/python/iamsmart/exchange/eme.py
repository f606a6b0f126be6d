"""The citizen's own e-ME profile (填表通): address, phone and e-mail, entered and kept by the
citizen, and offered to consumers through the gateway like any department's data.

EME is a provider like the others (contract (a)): the platform's own API serves it at
``<public url>/v1/providers/eme`` and checks the gateway's signature exactly as a department
would (``provider_auth.verify`` against the published keys, replays refused). Profiles are in
the ``exchange`` table (``exchange.dal``) keyed by EME's pairwise subject, the subject the
gateway sends, so the provider side never needs the account id; the citizen's own routes
derive that subject from the session's account (one KMS GenerateMac).
"""

from __future__ import annotations

import re
import time
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from iamsmart import errors
from iamsmart.common import strict_json
from iamsmart.common.model import Model
from iamsmart.exchange import dal

PROVIDER_ID = "EME"
DATASET = "profile"
PATH = "/v1/providers/eme"
MAX_RETENTION_DAYS = 365
MAX_REQUEST_BYTES = 64 * 1024  # a gateway call names a subject and a few fields
NAME = ("Your e-ME profile", "你的「填表通」個人資料")
FIELDS: dict[str, dict[str, str]] = {
    "address": {"type": "address", "label_en": "Correspondence address (English)",
                "label_tc": "通訊地址（英文）"},
    "address_tc": {"type": "address", "label_en": "Correspondence address (Chinese)",
                   "label_tc": "通訊地址（中文）"},
    "phone": {"type": "string", "label_en": "Contact phone number", "label_tc": "聯絡電話號碼"},
    "email": {"type": "string", "label_en": "Contact e-mail address", "label_tc": "聯絡電郵地址"},
}
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{6,18}[0-9]$")
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
_jti: Any = None


class Profile(Model):
    """What the citizen may keep (every field optional; blank means "not kept")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    address: str = Field(default="", max_length=200)
    address_tc: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=24)
    email: str = Field(default="", max_length=254)

    @field_validator("address", "address_tc")
    @classmethod
    def _text(cls, value: str) -> str:
        if any(ord(c) < 32 for c in value):
            raise ValueError("no control characters")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not _PHONE.match(value):
            raise ValueError("not a phone number")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not _EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value

    def kept(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v}


def base_url() -> str:
    from iamsmart.oidc import discovery

    return discovery.issuer() + PATH


def provider() -> Any:
    """EME's registration (every purpose a consumer may register; never ``citizen_access``)."""
    from iamsmart.exchange.models import Provider
    from iamsmart.exchange.vocabulary import CITIZEN_ACCESS, PURPOSES

    return Provider.model_validate({
        "id": PROVIDER_ID, "name_en": NAME[0], "name_tc": NAME[1], "base_url": base_url(),
        "timeout_seconds": 3.0,
        "datasets": {DATASET: {
            "name_en": "Contact details you keep", "name_tc": "你自行保存的聯絡資料",
            "fields": FIELDS, "purposes": [p for p in PURPOSES if p != CITIZEN_ACCESS],
            "max_retention_days": MAX_RETENTION_DAYS}}})


def register() -> None:
    """Put EME in the provider registry (the local platform does it at start; in AWS a seed)."""
    from iamsmart.exchange import registry

    registry.put_provider(provider())


def _sub(account_id: str) -> str:
    from iamsmart.exchange.subjects import provider_sub

    return provider_sub(PROVIDER_ID, account_id)


def _iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def read(account_id: str) -> dict[str, Any]:
    """``{"profile": {...kept fields}, "updated_at": ISO | None}`` for the citizen."""
    found = dal.eme_profile(_sub(account_id))
    if found is None:
        return {"profile": {}, "updated_at": None}
    kept, updated_at = found
    return {"profile": kept, "updated_at": _iso(updated_at)}


def write(account_id: str, profile: Profile) -> dict[str, Any]:
    """Keep the citizen's profile (an empty one deletes it)."""
    kept = profile.kept()
    if not kept:
        delete(account_id)
        return {"profile": {}, "updated_at": None}
    at = int(time.time())
    dal.put_eme_profile(_sub(account_id), kept, at)
    return {"profile": kept, "updated_at": _iso(at)}


def delete(account_id: str) -> None:
    dal.delete_eme_profile(_sub(account_id))


# --- the provider side (what the gateway calls) -----------------------------------------

def _seen() -> Any:
    global _jti
    if _jti is None:
        from iamsmart.exchange.provider_auth import JtiCache

        _jti = JtiCache()  # per warm instance; a fleet would share one (a conditional put)
    return _jti


# The provider's refusals: contract (a)'s ``error`` code, with the platform's bilingual words.
REFUSALS: dict[str, tuple[str, str]] = {
    "invalid_request_signature": ("The request is not a valid signed gateway call.",
                                  "此要求不是有效的已簽署閘道要求。"),
    "bad_request": ("The request is not valid.", "請求無效。"),
    "unknown_dataset": ("This data set is not offered.", "沒有提供此資料集。"),
    "unknown_field": ("A requested field is not offered.", "所要求的欄位並未提供。"),
    "unknown_subject": ("No record for this person.", "沒有此人的紀錄。"),
}


def answer(dataset: str, *, authorization: str | None, body: bytes) -> tuple[int, dict[str, Any]]:
    """Contract (a): verify the gateway's call, answer only the asked fields; a refusal is
    ``{"error", "error_description", "message": {"en", "tc"}}`` like every platform error."""
    status, payload = _answer(dataset, authorization=authorization, body=body)
    code = payload.get("error")
    if isinstance(code, str) and code in REFUSALS:
        en, tc = REFUSALS[code]
        payload = {"error": code, "error_description": en, "message": {"en": en, "tc": tc}}
    return status, payload


def _answer(dataset: str, *, authorization: str | None,
            body: bytes) -> tuple[int, dict[str, Any]]:
    from iamsmart.exchange import provider_auth
    from iamsmart.oidc import discovery, signing

    url = f"{base_url()}/v1/datasets/{dataset}"
    try:
        provider_auth.verify(authorization, method="POST", url=url, body=body,
                             audience=base_url(), issuer=discovery.issuer(),
                             jwks=signing.jwks(), seen=_seen())
    except provider_auth.Refused:
        return 401, {"error": "invalid_request_signature"}
    try:
        request = strict_json.loads(body, max_bytes=MAX_REQUEST_BYTES, max_depth=3)
    except errors.DomainError:
        return 400, {"error": "bad_request"}
    if (not isinstance(request, dict)
            or set(request) != {"sub", "fields", "purpose", "consent_id", "request_id"}
            or not isinstance(request["sub"], str) or not isinstance(request["fields"], list)
            or not request["fields"] or not all(isinstance(f, str) for f in request["fields"])):
        return 400, {"error": "bad_request"}
    if dataset != DATASET:
        return 400, {"error": "unknown_dataset"}
    if any(name not in FIELDS for name in request["fields"]):
        return 400, {"error": "unknown_field"}
    if len(request["sub"]) > 64:
        return 404, {"error": "unknown_subject"}
    found = dal.eme_profile(request["sub"])
    if found is None:
        return 404, {"error": "unknown_subject"}
    kept, updated_at = found
    return 200, {"fields": {f: kept[f] for f in request["fields"] if f in kept},
                 "as_of": _iso(updated_at)}
