"""ES256 JWS signed by a KMS asymmetric key; the JWKS; verification with pinned keys.

- ``sign(claims)``: the JOSE header (``alg`` ES256, ``typ``, ``kid``) and payload are
  serialised here and signed by KMS (``Sign``, ``MessageType=RAW``, ``ECDSA_SHA_256``); the
  DER signature becomes the raw ``r || s`` JWS wants. The private key never leaves KMS.
  Warm, a signature is exactly one KMS call: the alias target and its public key are cached.
  KMS throttled or down -> ``errors.Unavailable`` (fail closed: never an unsigned token).
- ``jwks()``: the public key of every *Enabled* KMS key tagged as this deployment's OIDC
  signing key (tag ``SIGNING_TAG_KEY`` whose value is the deployment's signing alias, as
  ``infra.names.oidc_signing_tag`` tags them: another stage sharing the account is not
  published). Rotation with overlap: create a new key so tagged, then point the alias at it
  (it signs from then on, within ``signing_key_cache_seconds``); the previous key stays
  published while it is enabled, so tokens it signed still verify; disable it to retire it.
- ``kid`` is the RFC 7638 JWK thumbprint of the public key.
- ``verify(token)``: ES256 only, key chosen by ``kid`` among the JWKS keys; ``jku``, ``x5u``,
  ``jwk``, ``x5c`` and ``crit`` headers are refused, never followed.

KMS ``Sign`` quota (about 1,000/s per account and region for ECC keys, adjustable) bounds
signatures per second; with one call per signature that is the token-issuing ceiling.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from iamsmart import errors
from iamsmart.observability import logger

ALGORITHM = "ES256"
_KMS_ALGORITHM = "ECDSA_SHA_256"
_KMS_RAW_LIMIT = 4096  # bytes KMS signs with MessageType=RAW
_MAX_TOKEN = 16 * 1024
_REFUSED_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit")
# Key states after which the cached alias target must be resolved again.
_STALE_KEY = ("DisabledException", "KMSInvalidStateException", "NotFoundException")


# The tag marking a deployment's OIDC signing keys; its value is the deployment's signing
# alias (equal to infra.names.OIDC_SIGNING_TAG_KEY; a test checks).
SIGNING_TAG_KEY = "iamsmart:oidc-signing-for"


class InvalidToken(errors.InvalidInput):
    code = "invalid_token"
    en = "The token is not valid."
    tc = "權杖無效。"


@dataclass(frozen=True)
class PublicKey:
    arn: str
    kid: str
    jwk: dict[str, Any]  # public JWK with kid, use, alg


_lock = threading.Lock()
_public: dict[str, PublicKey] = {}  # key ARN -> public key (immutable for a key)
_tagged: dict[str, bool] = {}  # key ARN -> carries the OIDC signing tag
_current: tuple[float, PublicKey] | None = None  # (expires at, alias target)
_jwks: tuple[float, dict[str, Any]] | None = None  # (expires at, JWKS)


def reset() -> None:
    """Forget every cache (tests, or after a rotation when waiting is not wanted)."""
    global _current, _jwks
    with _lock:
        _public.clear()
        _tagged.clear()
        _current = None
        _jwks = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def _ttl() -> float:
    from iamsmart.settings import settings

    return settings().signing_key_cache_seconds


# --- KMS access -------------------------------------------------------------------------

def _kms(operation: str, **params: Any) -> dict[str, Any]:
    """One KMS call; throttling, outages and refusals become ``errors.Unavailable``."""
    from iamsmart import aws

    return aws.call("kms", operation, **params)  # type: ignore[no-any-return]


def _public_key(arn: str) -> PublicKey:
    cached = _public.get(arn)
    if cached is not None:
        return cached
    from joserfc.jwk import ECKey

    answer = _kms("get_public_key", KeyId=arn)
    key = ECKey.import_key(answer["PublicKey"])
    if key.as_dict(private=False).get("crv") != "P-256":
        raise errors.Unavailable(aws_error="UnexpectedKeySpec")
    kid = key.thumbprint()
    jwk = {**key.as_dict(private=False), "kid": kid, "use": "sig", "alg": ALGORITHM}
    public = PublicKey(arn=arn, kid=kid, jwk=jwk)
    _public[arn] = public
    return public


def _is_signing_key(arn: str) -> bool:
    cached = _tagged.get(arn)
    if cached is None:
        from iamsmart.settings import settings

        ours = (SIGNING_TAG_KEY, settings().oidc_signing_key_alias)
        tags = _kms("list_resource_tags", KeyId=arn).get("Tags", [])
        cached = any((t["TagKey"], t["TagValue"]) == ours for t in tags)
        _tagged[arn] = cached
    return cached


def _resolve_current() -> PublicKey:
    from iamsmart.settings import settings

    meta = _kms("describe_key", KeyId=settings().oidc_signing_key_alias)["KeyMetadata"]
    arn = meta["Arn"]
    if (meta.get("KeySpec") != "ECC_NIST_P256" or meta.get("KeyUsage") != "SIGN_VERIFY"
            or meta.get("KeyState") != "Enabled" or not _is_signing_key(arn)):
        # Misconfigured: a token from this key could not be verified. Fail closed.
        logger().error("OIDC signing alias target is not an enabled, tagged P-256 key",
                       extra={"key_arn": arn})
        raise errors.Unavailable(aws_error="SigningKeyMisconfigured")
    return _public_key(arn)


def current_key() -> PublicKey:
    """The alias target (cached for ``signing_key_cache_seconds``)."""
    global _current
    now = time.monotonic()
    cached = _current
    if cached is not None and cached[0] > now:
        return cached[1]
    with _lock:
        key = _resolve_current()
        _current = (now + _ttl(), key)
        return key


# --- signing ----------------------------------------------------------------------------

def sign(claims: Mapping[str, Any], *, typ: str = "JWT") -> str:
    """A compact JWS (ES256) over ``claims``, signed by the current KMS key."""
    global _current
    for attempt in (1, 2):
        key = current_key()
        header = {"alg": ALGORITHM, "typ": typ, "kid": key.kid}
        signing_input = f"{_b64(_json(header))}.{_b64(_json(claims))}".encode("ascii")
        if len(signing_input) > _KMS_RAW_LIMIT:
            raise ValueError(f"JWS signing input over {_KMS_RAW_LIMIT} bytes (KMS RAW limit)")
        try:
            der = _kms("sign", KeyId=key.arn, Message=signing_input, MessageType="RAW",
                       SigningAlgorithm=_KMS_ALGORITHM)["Signature"]
        except errors.Unavailable as exc:
            # The cached key was disabled or deleted meanwhile: resolve the alias once more.
            if attempt == 1 and exc.details.get("aws_error") in _STALE_KEY:
                _current = None
                continue
            raise
        return f"{signing_input.decode('ascii')}.{_b64(der_to_raw(der))}"
    raise AssertionError("unreachable")  # pragma: no cover


def der_to_raw(der: bytes, size: int = 32) -> bytes:
    """DER ``ECDSA-Sig-Value`` -> JWS ``r || s`` (each ``size`` bytes, big-endian)."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


# --- publication and verification -------------------------------------------------------

def jwks() -> dict[str, Any]:
    """``{"keys": [...]}``: every enabled, tagged OIDC signing key (cached when warm)."""
    global _jwks
    now = time.monotonic()
    cached = _jwks
    if cached is not None and cached[0] > now:
        return cached[1]
    from iamsmart import aws

    keys: list[dict[str, str]] = []
    pages = aws.client("kms").get_paginator("list_keys").paginate()
    listed = aws.guarded("kms", "list_keys",
                         lambda: [k["KeyArn"] for page in pages for k in page["Keys"]])
    for arn in listed:
        meta = _kms("describe_key", KeyId=arn)["KeyMetadata"]
        if (meta.get("KeyState") != "Enabled" or meta.get("KeyUsage") != "SIGN_VERIFY"
                or meta.get("KeySpec") != "ECC_NIST_P256"):
            continue
        if _is_signing_key(arn):
            keys.append(_public_key(arn).jwk)
    keys.sort(key=lambda k: k["kid"])
    document = {"keys": keys}
    _jwks = (now + _ttl(), document)
    return document


def verify(token: object) -> dict[str, Any]:
    """Claims of a token one of our published keys signed (ES256 only); else ``InvalidToken``.

    Time claims (``exp``, ``nbf``, ``iat``) are checked when present; audience, issuer and
    nonce are the caller's to check.
    """
    from joserfc import jws, jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import ECKey

    if not isinstance(token, str) or len(token) > _MAX_TOKEN:
        raise InvalidToken()
    try:
        header = jws.extract_compact(token.encode("ascii")).protected
    except (JoseError, ValueError, TypeError, UnicodeError):
        raise InvalidToken() from None
    if header.get("alg") != ALGORITHM or any(h in header for h in _REFUSED_HEADERS):
        raise InvalidToken()
    kid = header.get("kid")
    jwk = next((k for k in jwks()["keys"] if k["kid"] == kid), None)
    if not isinstance(kid, str) or jwk is None:
        raise InvalidToken()
    try:
        decoded = jwt.decode(token, ECKey.import_key(jwk), algorithms=[ALGORITHM])
        jwt.JWTClaimsRegistry(leeway=60).validate(decoded.claims)
    except (JoseError, ValueError, TypeError):
        raise InvalidToken() from None
    return dict(decoded.claims)
