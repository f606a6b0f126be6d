"""The identity context's data-access module: the only identity module that names its tables,
keys, key prefixes, expressions and item attributes, or calls ``iamsmart.dynamo``. The other
modules call the named functions here with plain values and get plain values back.

Transaction actions (``Action``) are returned for callers outside identity that write their
own items in the same transaction (registration creating the account it proved); they are
opaque to those callers.
"""

from __future__ import annotations

import hashlib
from typing import Any

from iamsmart import dynamo
from iamsmart.settings import settings

Action = dict[str, Any]


def now() -> int:
    """The clock every identity expiry and window is computed from (``iamsmart.dynamo.now``)."""
    return dynamo.now()


def transact(actions: list[Action]) -> bool:
    """Run transaction actions (these or a caller's own); False when a condition failed."""
    return dynamo.transact_write(actions)


# --- accounts table: accounts and the guard items beside them ------------------------------

def _accounts() -> str:
    return settings().accounts_table


def _digest(kind: str, value: str) -> str:
    return f"{kind}#" + hashlib.sha256(f"iamsmart:{kind}:{value}".encode()).hexdigest()


def email_key(normalised_email: str) -> str:
    return _digest("email", normalised_email)


def phone_key(normalised_phone: str) -> str:
    return _digest("phone", normalised_phone)


def enrol_key(normalised_code: str) -> str:
    return _digest("enrol", normalised_code)


def _hkid_key(hkid_hash: str) -> str:
    return f"hkid#{hkid_hash}"


def _put_new(table: str, values: dict[str, Any]) -> Action:
    return {"Put": {"TableName": table, "Item": dynamo.to_item(values),
                    "ConditionExpression": "attribute_not_exists(id)"}}


def new_account_actions(values: dict[str, Any], *, hkid_hash: str | None,
                        email: str | None, phone: str | None) -> list[Action]:
    """The account (``values``: its fields) and its guard items, each new or nothing."""
    account_id = values["id"]
    actions = [_put_new(_accounts(), {**values, "kind": "account"})]
    guards = [_hkid_key(hkid_hash) if hkid_hash else None,
              email_key(email) if email else None, phone_key(phone) if phone else None]
    actions.extend(_put_new(_accounts(), {"id": key, "kind": "guard", "account_id": account_id})
                   for key in guards if key)
    return actions


def new_enrolment_action(key: str, account_id: str, *, reusable: bool,
                         expires_at: int | None) -> Action:
    """A one-time (or reusable) enrolment code at ``key`` (``enrol_key``), new or nothing."""
    return _put_new(_accounts(), {"id": key, "kind": "enrolment", "account_id": account_id,
                                  "reusable": reusable, "expires_at": expires_at})


def delete_enrolment_action(key: str) -> Action:
    return {"Delete": {"TableName": _accounts(), "Key": dynamo.to_item({"id": key})}}


def hkid_owner(hkid_hash: str) -> str | None:
    """The account behind an HKID keyed hash (strongly consistent read), or None."""
    guard = dynamo.get(_accounts(), {"id": _hkid_key(hkid_hash)}, consistent=True)
    return str(guard["account_id"]) if guard else None


# --- authenticators table: passkeys and device keys ---------------------------------------

def _authenticators() -> str:
    return settings().authenticators_table


def device_item(account_id: str, device_id: str, public_jwk: dict[str, str], label: str,
                created_at: int) -> dict[str, Any]:
    return {"account_id": account_id, "id": f"device#{device_id}", "kind": "device",
            "jwk": public_jwk, "label": label, "created_at": created_at}


def new_device_action(item: dict[str, Any]) -> Action:
    """The device key item (``device_item``), new or nothing."""
    return {"Put": {"TableName": _authenticators(), "Item": dynamo.to_item(item),
                    "ConditionExpression": "attribute_not_exists(id)"}}
