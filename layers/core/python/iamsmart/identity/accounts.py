"""Citizens' accounts, and the guards that sit beside them (stored by ``dal``):

- the account itself (``acc_...``; sandbox citizens ``sandbox-...``);
- its HKID keyed hash: one account per HKID (registration writes it in the same transaction
  as the account, conditional on its absence: ``registered_account_actions``);
- digests of its e-mail address and phone number: ``login_hint`` lookups (the address itself
  is not the key);
- digests of device enrolment codes (one-time, or reusable for sandbox citizens only).

Account ids never contain ``.`` or ``:`` (cookie values and device key ids are built from
them).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import ConfigDict

from iamsmart import errors
from iamsmart.common.model import Model
from iamsmart.identity import assurance, authenticators, dal

Level = Literal["basic", "plus"]
ACR_OF_LEVEL = {"basic": assurance.ACR_BASIC, "plus": assurance.ACR_PLUS}


class Account(Model):
    model_config = ConfigDict(frozen=True)

    id: str
    level: Level = "basic"
    name_en: str
    name_tc: str
    email: str | None = None
    phone_number: str | None = None  # E.164, e.g. +85251230001
    birthdate: str | None = None  # YYYY-MM-DD
    created_at: int
    status: Literal["active", "suspended"] = "active"

    @property
    def acr(self) -> str:
        """The highest assurance a login to this account can reach (face step-up aside)."""
        return ACR_OF_LEVEL[self.level]


class AccountNotFound(errors.NotFound):
    code = "account_not_found"


class DuplicateIdentity(errors.Conflict):
    """The HKID (or e-mail, phone) already belongs to an account. Callers facing the public
    must not pass this on as is (it would reveal that an identity exists)."""

    code = "duplicate_identity"


def new_id() -> str:
    return "acc_" + secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_phone(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    if phone.strip().startswith("+"):
        return "+" + digits
    if len(digits) == 8:  # a Hong Kong number without the country code
        return "+852" + digits
    return "+" + digits


def email_key(email: str) -> str:
    return dal.email_key(normalise_email(email))


def phone_key(phone: str) -> str:
    return dal.phone_key(normalise_phone(phone))


def enrol_key(code: str) -> str:
    """The enrolment code's id (a keyed digest: the code itself is never stored)."""
    return dal.enrol_key(code.strip().upper())


def _to_account(item: dict[str, Any]) -> Account:
    return Account.model_validate({k: v for k, v in item.items() if k in Account.model_fields})


def get(account_id: str) -> Account:
    """The account; ``AccountNotFound`` for an unknown id (and for guard items' ids)."""
    if not account_id or "#" in account_id:
        raise AccountNotFound()
    fields = dal.account(account_id)
    if fields is None:
        raise AccountNotFound()
    return _to_account(fields)


def of_fields(account_id: str, fields: dict[str, Any] | None) -> Account:
    """``get`` for an account read in a batch with other items (``limits``)."""
    if not account_id or "#" in account_id or fields is None:
        raise AccountNotFound()
    return _to_account(fields)


def find(account_id: str) -> Account | None:
    try:
        return get(account_id)
    except AccountNotFound:
        return None


def level(account_id: str) -> Level:
    return get(account_id).level


def find_by_login_hint(hint: str | None) -> str | None:
    """The account an OIDC ``login_hint`` (e-mail or phone number) names, or None. One read
    either way; the caller's answer must not differ with the outcome."""
    if not hint or len(hint) > 320:
        return None
    hint = hint.strip()
    if "@" in hint:
        key = email_key(hint)
    elif sum(c.isdigit() for c in hint) >= 8 and all(c in "+0123456789 -()" for c in hint):
        key = phone_key(hint)
    else:
        return None
    return dal.login_hint_owner(key)


def account_for_enrolment_code(code: str) -> str | None:
    """The account an enrolment code belongs to (a one-time code is used up here)."""
    if not code or len(code) > 128:
        return None
    key = enrol_key(code)
    found = dal.enrolment(key)
    if found is None:
        return None
    if found.get("expires_at") and int(found["expires_at"]) < dal.now():
        return None
    if not found.get("reusable") and not dal.use_enrolment(key):
        return None
    return str(found["account_id"])


def create(account: Account, *, hkid_hash: str | None = None) -> Account:
    """Create an account and its guard items in one transaction: the account id, the HKID
    keyed hash, the e-mail and the phone number must all be new (``DuplicateIdentity``
    otherwise; nothing is written)."""
    if not dal.transact(_new_account_actions(account, hkid_hash)):
        raise DuplicateIdentity()
    return account


def _new_account_actions(account: Account, hkid_hash: str | None) -> list[dal.Action]:
    return dal.new_account_actions(
        account.model_dump(), hkid_hash=hkid_hash,
        email=normalise_email(account.email) if account.email else None,
        phone=normalise_phone(account.phone_number) if account.phone_number else None)


def registered_account_actions(account: Account, *, hkid_hash: str, enrolment_code: str,
                               enrolment_expires_at: int,
                               device_jwk: dict[str, str] | None = None,
                               device_label: str = "") -> list[dal.Action]:
    """The transaction actions that create the account a registration proved: the account,
    its HKID guard (and e-mail / phone guards), the one-time enrolment code and, when the app
    registered, its device key. The caller adds its own actions and runs them all in one
    transaction; a failed condition there means the HKID, e-mail, phone number or
    code already exists (nothing is written)."""
    actions = _new_account_actions(account, hkid_hash)
    actions.append(dal.new_enrolment_action(enrol_key(enrolment_code), account.id,
                                            reusable=False, expires_at=enrolment_expires_at))
    if device_jwk:
        actions.append(authenticators.new_device_action(account.id, device_jwk, device_label))
    return actions


def replace_enrolment_code_actions(account_id: str, code: str, expires_at: int, *,
                                   replacing: str | None = None) -> list[dal.Action]:
    """The transaction actions that give an account a new one-time enrolment code (and delete
    the one at ``replacing``, an ``enrol_key``); the caller runs them with its own in one
    transaction."""
    actions = [dal.delete_enrolment_action(replacing)] if replacing else []
    actions.append(dal.new_enrolment_action(enrol_key(code), account_id, reusable=False,
                                            expires_at=expires_at))
    return actions


def hkid_owner(hkid_hash: str) -> str | None:
    """The account an HKID keyed hash belongs to (strongly consistent), or None."""
    return dal.hkid_owner(hkid_hash)


def add_enrolment_code(account_id: str, code: str, *, reusable: bool = False,
                       expires_at: int | None = None) -> None:
    dal.put_enrolment(enrol_key(code), account_id, reusable=reusable, expires_at=expires_at)


# --- OIDC claims --------------------------------------------------------------------------

SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "profile": ("name", "name#zh-Hant"),
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
}
KNOWN_CLAIMS = ("name", "name#zh-Hant", "email", "email_verified", "phone_number",
                "phone_number_verified", "birthdate")


def claim_values(account: Account) -> dict[str, Any]:
    values: dict[str, Any] = {"name": account.name_en, "name#zh-Hant": account.name_tc}
    if account.email:
        values["email"] = account.email
        values["email_verified"] = True
    if account.phone_number:
        values["phone_number"] = account.phone_number
        values["phone_number_verified"] = True
    if account.birthdate:
        values["birthdate"] = account.birthdate
    return values


def claims(account_id: str, scopes: Iterable[str], claims: Iterable[str] = ()) -> dict[str, Any]:
    """The identity claims the granted ``scopes`` and individually granted ``claims`` (names
    from ``KNOWN_CLAIMS``, e.g. ``birthdate``) cover; nothing else."""
    return _released(get(account_id), scopes, claims)


def item_key(account_id: str) -> tuple[str, dict[str, str]]:
    """(table, key) of the account's record: for callers that read it in a batch with other
    items and then call ``claims_from_item``."""
    return dal.account_location(account_id)


def claims_from_item(item: Mapping[str, Any] | None, scopes: Iterable[str],
                     claims: Iterable[str] = ()) -> dict[str, Any]:
    """``claims`` from the account's record already read (a plain item at ``item_key``)."""
    fields = dal.account_from_item(item)
    if fields is None:
        raise AccountNotFound()
    return _released(_to_account(fields), scopes, claims)


def _released(account: Account, scopes: Iterable[str], claims: Iterable[str]) -> dict[str, Any]:
    wanted: list[str] = []
    for scope in scopes:
        wanted.extend(SCOPE_CLAIMS.get(scope, ()))
    wanted.extend(c for c in claims if c in KNOWN_CLAIMS)
    values = claim_values(account)
    return {name: values[name] for name in dict.fromkeys(wanted) if name in values}


# --- sandbox citizens ---------------------------------------------------------------------

# Synthetic people for the sandbox (no real person's data). Their enrolment codes are
# reusable, sandbox-only secrets printed in the README: anyone may enrol a simulator device
# for them. Never seeded outside the local platform and sandbox stages.
SANDBOX_CITIZENS: tuple[dict[str, Any], ...] = (
    {"id": "sandbox-chan-tai-man", "level": "basic", "name_en": "CHAN Tai Man",
     "name_tc": "陳大文", "email": "chan.tai.man@sandbox.iamsmart.local",
     "phone_number": "+85290000001", "birthdate": "1985-03-14",
     "code": "SANDBOX-CHAN-TAI-MAN"},
    {"id": "sandbox-lee-siu-mei", "level": "plus", "name_en": "LEE Siu Mei",
     "name_tc": "李小美", "email": "lee.siu.mei@sandbox.iamsmart.local",
     "phone_number": "+85290000002", "birthdate": "1992-11-02",
     "code": "SANDBOX-LEE-SIU-MEI"},
    {"id": "sandbox-wong-ka-yan", "level": "basic", "name_en": "WONG Ka Yan",
     "name_tc": "黃嘉欣", "email": "wong.ka.yan@sandbox.iamsmart.local",
     "phone_number": "+85290000003", "birthdate": "2001-07-21",
     "code": "SANDBOX-WONG-KA-YAN"},
    {"id": "sandbox-cheung-chi-keung", "level": "basic", "name_en": "CHEUNG Chi Keung",
     "name_tc": "張志強", "email": "cheung.chi.keung@sandbox.iamsmart.local",
     "phone_number": "+85290000004", "birthdate": "1948-01-30",
     "code": "SANDBOX-CHEUNG-CHI-KEUNG"},
)


def seed_sandbox_citizens() -> dict[str, int]:
    """Create the sandbox citizens (idempotent: existing ones are left as they are) and their
    reusable enrolment codes."""
    created = existing = 0
    for person in SANDBOX_CITIZENS:
        fields = {k: v for k, v in person.items() if k != "code"}
        account = Account(**fields, created_at=dal.now())
        try:
            create(account)
            created += 1
        except DuplicateIdentity:
            existing += 1
        add_enrolment_code(account.id, person["code"], reusable=True)
    return {"created": created, "existing": existing}
