"""Scopes and claims: what each scope releases, the words the consent page shows for them,
and the OIDC ``claims`` request parameter (OIDC Core §5.5), limited to names.

A relying party receives the claims of the scopes it asked for (each scope within its
registration, ``Client.scopes``) plus individually requested claims that its registration
allows (``Client.claims``). Anything else is refused at PAR time, never silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "openid": (),
    "profile": ("name", "name#zh-Hant"),  # birthdate only when asked for one by one
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
}
SCOPES_SUPPORTED = tuple(SCOPE_CLAIMS)

# Claims an ID token or userinfo answer may carry (discovery's claims_supported).
PROTOCOL_CLAIMS = ("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid")
IDENTITY_CLAIMS = ("name", "name#zh-Hant", "birthdate", "email", "email_verified",
                   "phone_number", "phone_number_verified")
CLAIMS_SUPPORTED = PROTOCOL_CLAIMS + IDENTITY_CLAIMS

SCOPE_LABELS: dict[str, tuple[str, str]] = {
    "openid": ("That you have logged in with iAM Smart (a service-specific identifier)",
               "你已使用「智方便」登入（只供此服務使用的識別碼）"),
    "profile": ("Your name in English and Chinese", "你的中英文姓名"),
    "email": ("Your email address", "你的電郵地址"),
    "phone": ("Your mobile phone number", "你的手提電話號碼"),
}
CLAIM_LABELS: dict[str, tuple[str, str]] = {
    "name": ("Name in English", "英文姓名"),
    "name#zh-Hant": ("Name in Chinese", "中文姓名"),
    "birthdate": ("Date of birth", "出生日期"),
    "email": ("Email address", "電郵地址"),
    "email_verified": ("Whether your email address is verified", "電郵地址是否已核實"),
    "phone_number": ("Mobile phone number", "手提電話號碼"),
    "phone_number_verified": ("Whether your phone number is verified", "電話號碼是否已核實"),
}

MAX_CLAIMS_PARAM = 2048


def released(scopes: Iterable[str], claims: Iterable[str] = ()) -> tuple[str, ...]:
    """Identity claim names the scopes and individually granted claims release."""
    names: list[str] = []
    for scope in scopes:
        for name in SCOPE_CLAIMS.get(scope, ()):
            if name not in names:
                names.append(name)
    for name in claims:
        if name not in names:
            names.append(name)
    return tuple(names)


def requested_names(raw: str | None) -> tuple[str, ...]:
    """Claim names in an OIDC ``claims`` parameter (``{"userinfo": {...}, "id_token":
    {...}}``); a malformed value raises ``ValueError``."""
    if raw is None or raw == "":
        return ()
    if len(raw) > MAX_CLAIMS_PARAM:
        raise ValueError("claims parameter too long")
    value = json.loads(raw)
    if not isinstance(value, dict) or not set(value) <= {"userinfo", "id_token"}:
        raise ValueError("claims must be an object with userinfo and/or id_token")
    names: list[str] = []
    for member in value.values():
        if not isinstance(member, dict):
            raise ValueError("claims members must be objects")
        for name in member:
            if name in PROTOCOL_CLAIMS:
                continue  # asked for protocol claims: they are always there (or acr_values)
            if name not in names:
                names.append(name)
    return tuple(names)


def labels(scopes: Iterable[str], claims: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    """What the consent page shows, in both languages."""
    scope_list = [
        {"scope": s, "en": SCOPE_LABELS.get(s, (s, s))[0], "tc": SCOPE_LABELS.get(s, (s, s))[1]}
        for s in scopes
    ]
    claim_list = [
        {"claim": c, "en": CLAIM_LABELS.get(c, (c, c))[0], "tc": CLAIM_LABELS.get(c, (c, c))[1]}
        for c in released(scopes, claims)
    ]
    return {"scopes": scope_list, "claims": claim_list}
