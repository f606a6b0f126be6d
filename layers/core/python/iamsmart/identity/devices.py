"""The mobile app's device keys: enrolment, and the signed requests the app makes.

Every device API request carries ``Authorization: Device <JWS>``, a compact JWS the device key
(ECDSA P-256) signs: header ``typ "device+jwt"``, ``alg "ES256"`` (the only one accepted),
``kid "<account_id>:<device_id>"`` (no ``jwk``/``jku``/``x5u``/``x5c``: the key is the one
stored at enrolment); claims ``htm`` (method), ``htu`` (``iamsmart.origin.public_url()`` + path, no
query), ``iat`` (±60 s), ``jti`` (single use) and ``bh`` (base64url SHA-256 of the body, of
nothing for a GET).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from iamsmart import errors, origin
from iamsmart.common import replay
from iamsmart.identity import authenticators, limits

TYP = "device+jwt"
MAX_SKEW = 60
_FORBIDDEN_HEADERS = ("jwk", "jku", "x5u", "x5c", "crit")


class DeviceUnauthorized(errors.Unauthorized):
    code = "invalid_device_request"
    en = "The device request could not be verified. Please check the app's clock or enrol again."
    tc = "未能驗證裝置的要求。請檢查應用程式的時間設定或重新登記裝置。"

    def __init__(self, reason: str) -> None:
        super().__init__(headers={"WWW-Authenticate": 'Device error="invalid_token"'},
                         reason=reason)


class EnrolmentRefused(errors.Forbidden):
    code = "enrolment_refused"
    en = "The enrolment code is not valid."
    tc = "登記碼無效。"


def body_hash(body: bytes | None) -> str:
    digest = hashlib.sha256(body or b"").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def public_jwk(jwk: Any) -> dict[str, str]:
    """A P-256 public key in JWK form (checked to be a point on the curve), private parts
    refused."""
    from joserfc.jwk import ECKey

    bad = errors.InvalidInput(en="The device key must be a P-256 public key (JWK).",
                              tc="裝置密鑰必須是 P-256 公開密鑰（JWK）。")
    if not isinstance(jwk, dict) or "d" in jwk:
        raise bad
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise bad
    public = {k: jwk.get(k) for k in ("kty", "crv", "x", "y")}
    if not all(isinstance(v, str) and 0 < len(v) <= 64 for v in public.values()):
        raise bad
    try:
        ECKey.import_key(public)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - any parse failure means the key is unusable
        raise bad from None
    return public  # type: ignore[return-value]


def enrol(code: str, jwk: Any, label: str, source: str) -> authenticators.DeviceKey:
    """Bind a device key to the account an enrolment code belongs to. Wrong codes count
    against the source (guessing codes is throttled)."""
    from iamsmart.identity import accounts

    public = public_jwk(jwk)
    limits.check(("enrol-source", source))
    account_id = accounts.account_for_enrolment_code(code)
    account = accounts.find(account_id) if account_id else None
    if account is None or account.status != "active":
        limits.fail(("enrol-source", source))
        raise EnrolmentRefused()
    return authenticators.add_device(account.id, public, label)


def _unverified_header(token: str) -> dict[str, Any]:
    try:
        head = token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise DeviceUnauthorized("malformed") from None
    if not isinstance(header, dict):
        raise DeviceUnauthorized("malformed")
    return header


@dataclass(frozen=True)
class SignedRequest:
    """A device request whose form is checked and whose key is named (``kid``), not verified
    yet: ``verified`` with the key read (alone, or in a batch with what the request needs)."""

    token: str
    account_id: str
    device_id: str
    method: str
    path: str
    body: bytes | None

    @property
    def kid(self) -> str:
        return f"{self.account_id}:{self.device_id}"

    def verified(self, device: authenticators.DeviceKey | None,
                 guards: list[replay.Guard] | None = None) -> authenticators.DeviceKey:
        """The device key that signed this request; ``DeviceUnauthorized`` otherwise. With
        ``guards``, the request's ``jti`` check is appended there (a ``replay.Guard``) for
        the caller's transaction (``login.device_answer``) instead of being made here."""
        from joserfc import jws
        from joserfc.errors import JoseError
        from joserfc.jwk import ECKey

        if device is None or device.kid != self.kid:
            raise DeviceUnauthorized("unknown_key")
        try:
            verified = jws.deserialize_compact(self.token, ECKey.import_key(device.jwk),  # type: ignore[arg-type]
                                               algorithms=["ES256"])
            claims = json.loads(verified.payload)
        except (JoseError, ValueError, UnicodeDecodeError):
            raise DeviceUnauthorized("signature") from None
        if not isinstance(claims, dict):
            raise DeviceUnauthorized("claims")
        now = int(time.time())
        iat = claims.get("iat")
        jti = claims.get("jti")
        if claims.get("htm") != self.method.upper():
            raise DeviceUnauthorized("htm")
        if claims.get("htu") != origin.public_url() + self.path:
            raise DeviceUnauthorized("htu")
        if not isinstance(iat, int) or isinstance(iat, bool) or abs(now - iat) > MAX_SKEW:
            raise DeviceUnauthorized("iat")
        if not isinstance(jti, str) or not 16 <= len(jti) <= 128:
            raise DeviceUnauthorized("jti")
        if claims.get("bh") != body_hash(self.body):
            raise DeviceUnauthorized("body")
        guard = replay.Guard("device", f"{self.kid}#{jti}", iat + 2 * MAX_SKEW, _replayed)
        if guards is not None:
            guards.append(guard)
        elif not guard.record():
            raise _replayed()
        return device


def signed_request(authorization: str | None, *, method: str, path: str,
                   body: bytes | None) -> SignedRequest:
    """The request's signature in form (``DeviceUnauthorized`` otherwise), its key named."""
    if not authorization or not authorization.startswith("Device "):
        raise DeviceUnauthorized("missing")
    token = authorization[len("Device "):].strip()
    if len(token) > 4096 or token.count(".") != 2:
        raise DeviceUnauthorized("malformed")
    header = _unverified_header(token)
    if header.get("alg") != "ES256" or header.get("typ") != TYP:
        raise DeviceUnauthorized("header")
    if any(name in header for name in _FORBIDDEN_HEADERS):
        raise DeviceUnauthorized("header")
    kid = header.get("kid")
    if not isinstance(kid, str) or kid.count(":") != 1:
        raise DeviceUnauthorized("kid")
    account_id, device_id = kid.split(":")
    if not account_id or not device_id:
        raise DeviceUnauthorized("unknown_key")
    return SignedRequest(token, account_id, device_id, method, path, body)


def verify(signed: SignedRequest) -> authenticators.DeviceKey:
    """The device key that signed this request (its ``jti`` recorded); ``DeviceUnauthorized``
    otherwise."""
    return signed.verified(authenticators.get_device(signed.account_id, signed.device_id))


def _replayed() -> DeviceUnauthorized:
    return DeviceUnauthorized("replay")
