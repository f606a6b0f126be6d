"""A citizen's authenticators (stored by ``dal`` under the account):

- passkeys, by credential id (base64url): a WebAuthn credential (COSE public key, sign count);
- device keys, by device id: the mobile app's device key (public ECDSA P-256 JWK).

Public keys only: private keys stay in the authenticator or the device.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from iamsmart import errors
from iamsmart.identity import dal


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


def _passkey(record: dict[str, Any]) -> Passkey:
    return Passkey(account_id=record["account_id"], credential_id=record["credential_id"],
                   public_key=bytes(record["public_key"]),
                   sign_count=int(record.get("sign_count", 0)),
                   label=str(record.get("label", "")), created_at=int(record["created_at"]),
                   last_used_at=record.get("last_used_at"),
                   transports=tuple(record.get("transports") or ()))


def _device(record: dict[str, Any]) -> DeviceKey:
    return DeviceKey(account_id=record["account_id"], device_id=record["device_id"],
                     jwk=dict(record["jwk"]), label=str(record.get("label", "")),
                     created_at=int(record["created_at"]),
                     last_used_at=record.get("last_used_at"))


# --- passkeys -----------------------------------------------------------------------------

def add_passkey(account_id: str, credential_id: bytes, public_key: bytes, sign_count: int,
                label: str, transports: list[str] | None = None) -> Passkey:
    """Store a new credential; ``errors.Conflict`` if this credential id is already there."""
    stored = dal.add_passkey(account_id, b64url(credential_id), public_key=public_key,
                             sign_count=int(sign_count), label=label, created_at=dal.now(),
                             transports=list(transports or []))
    if stored is None:
        raise errors.Conflict(en="This passkey is already registered.",
                              tc="此通行密鑰已經登記。")
    return _passkey(stored)


def get_passkey(account_id: str, credential_id: str) -> Passkey | None:
    if not account_id or not credential_id or len(credential_id) > 1400:
        return None
    found = dal.passkey(account_id, credential_id)
    return _passkey(found) if found else None


def record_passkey_use(passkey: Passkey, new_sign_count: int) -> bool:
    """Advance the sign count (only from the value that was verified: a concurrent use of a
    cloned authenticator loses). False when the count moved meanwhile."""
    return dal.advance_sign_count(passkey.account_id, passkey.credential_id,
                                  old=passkey.sign_count, new=int(new_sign_count),
                                  used_at=dal.now())


def passkeys_of(account_id: str) -> list[Passkey]:
    return [_passkey(r) for r in dal.passkeys_of(account_id)]


def delete_passkey(account_id: str, credential_id: str) -> bool:
    return dal.delete_passkey(account_id, credential_id)


# --- device keys --------------------------------------------------------------------------

def new_device_id() -> str:
    return "dev_" + secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")


def _public(jwk: dict[str, str]) -> dict[str, str]:
    return {k: jwk[k] for k in ("kty", "crv", "x", "y")}


def new_device_action(account_id: str, jwk: dict[str, str], label: str) -> dal.Action:
    """The transaction action binding a new device key (for ``accounts``' registration)."""
    return dal.new_device_action(account_id, new_device_id(), _public(jwk), label, dal.now())


def add_device(account_id: str, jwk: dict[str, str], label: str) -> DeviceKey:
    return _device(dal.add_device(account_id, new_device_id(), _public(jwk), label, dal.now()))


def get_device(account_id: str, device_id: str) -> DeviceKey | None:
    if not account_id or not device_id:
        return None
    return device_of(dal.device(account_id, device_id))


def device_of(record: dict[str, Any] | None) -> DeviceKey | None:
    """The device key of a record ``dal`` read (alone or in a batch); None for none."""
    return _device(record) if record else None


def devices_of(account_id: str) -> list[DeviceKey]:
    return [_device(r) for r in dal.devices_of(account_id)]
