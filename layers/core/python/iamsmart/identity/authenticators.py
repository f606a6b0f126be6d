"""A citizen's authenticators in the ``authenticators`` table (partition ``account_id``):

- ``passkey#<credential id, base64url>``: a WebAuthn credential (COSE public key, sign count);
- ``device#<device id>``: the mobile app's device key (public ECDSA P-256 JWK).

Public keys only: private keys stay in the authenticator or the device.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from iamsmart import errors
from iamsmart.identity import dal, store
from iamsmart.settings import settings


@dataclass(frozen=True)
class Passkey:
    account_id: str
    credential_id: str  # base64url
    public_key: bytes  # COSE
    sign_count: int
    label: str
    created_at: int
    last_used_at: int | None
    transports: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeviceKey:
    account_id: str
    device_id: str
    jwk: dict[str, str]
    label: str
    created_at: int
    last_used_at: int | None

    @property
    def kid(self) -> str:
        return f"{self.account_id}:{self.device_id}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _table() -> str:
    return settings().authenticators_table


def _passkey(item: dict[str, Any]) -> Passkey:
    return Passkey(account_id=item["account_id"], credential_id=item["id"].split("#", 1)[1],
                   public_key=bytes(item["public_key"]), sign_count=int(item.get("sign_count", 0)),
                   label=str(item.get("label", "")), created_at=int(item["created_at"]),
                   last_used_at=item.get("last_used_at"),
                   transports=tuple(item.get("transports") or ()))


def _device(item: dict[str, Any]) -> DeviceKey:
    return DeviceKey(account_id=item["account_id"], device_id=item["id"].split("#", 1)[1],
                     jwk=dict(item["jwk"]), label=str(item.get("label", "")),
                     created_at=int(item["created_at"]), last_used_at=item.get("last_used_at"))


# --- passkeys -----------------------------------------------------------------------------

def add_passkey(account_id: str, credential_id: bytes, public_key: bytes, sign_count: int,
                label: str, transports: list[str] | None = None) -> Passkey:
    """Store a new credential; ``errors.Conflict`` if this credential id is already there."""
    now = store.now()
    values = {"account_id": account_id, "id": "passkey#" + b64url(credential_id),
              "kind": "passkey", "public_key": public_key, "sign_count": int(sign_count),
              "label": label, "created_at": now, "transports": list(transports or []) or None}
    if not store.put(_table(), values, condition="attribute_not_exists(id)"):
        raise errors.Conflict(en="This passkey is already registered.",
                              tc="此通行密鑰已經登記。")
    return _passkey(values)


def get_passkey(account_id: str, credential_id: str) -> Passkey | None:
    if not account_id or not credential_id or len(credential_id) > 1400:
        return None
    item = store.get(_table(), {"account_id": account_id, "id": f"passkey#{credential_id}"})
    return _passkey(item) if item else None


def record_passkey_use(passkey: Passkey, new_sign_count: int) -> bool:
    """Advance the sign count (only from the value that was verified: a concurrent use of a
    cloned authenticator loses). False when the count moved meanwhile."""
    done = store.update(
        _table(), {"account_id": passkey.account_id, "id": f"passkey#{passkey.credential_id}"},
        "SET sign_count = :new, last_used_at = :now",
        condition="attribute_exists(id) AND sign_count = :old",
        values_={":new": int(new_sign_count), ":now": store.now(), ":old": passkey.sign_count})
    return done is not None


def passkeys_of(account_id: str) -> list[Passkey]:
    return [_passkey(i) for i in store.query(_table(), ("account_id", account_id),
                                             begins_with=("id", "passkey#"))]


def delete_passkey(account_id: str, credential_id: str) -> bool:
    old = store.delete(_table(), {"account_id": account_id, "id": f"passkey#{credential_id}"})
    return old is not None


# --- device keys --------------------------------------------------------------------------

def new_device_id() -> str:
    return "dev_" + secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")


def _device_item(account_id: str, device_id: str, jwk: dict[str, str],
                 label: str) -> dict[str, Any]:
    public = {k: jwk[k] for k in ("kty", "crv", "x", "y")}
    return dal.device_item(account_id, device_id, public, label, dal.now())


def new_device_action(account_id: str, jwk: dict[str, str], label: str) -> dal.Action:
    """The transaction action binding a new device key (for ``accounts``' registration)."""
    return dal.new_device_action(_device_item(account_id, new_device_id(), jwk, label))


def add_device(account_id: str, jwk: dict[str, str], label: str) -> DeviceKey:
    device_id = new_device_id()
    values = _device_item(account_id, device_id, jwk, label)
    store.put(_table(), values, condition="attribute_not_exists(id)")
    return _device(values)


def get_device(account_id: str, device_id: str) -> DeviceKey | None:
    if not account_id or not device_id:
        return None
    item = store.get(_table(), {"account_id": account_id, "id": f"device#{device_id}"})
    return _device(item) if item else None


def devices_of(account_id: str) -> list[DeviceKey]:
    return [_device(i) for i in store.query(_table(), ("account_id", account_id),
                                            begins_with=("id", "device#"))]

