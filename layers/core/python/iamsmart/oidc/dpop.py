"""DPoP (RFC 9449): proofs of possession binding tokens to a client's key.

- ``verify(proof, method=, url=, access_token=, required=, nonce_required=)`` checks one
  ``DPoP`` header and answers the RFC 7638 thumbprint (``jkt``) of its key, or None when there
  is no proof and none is required. Checks: ``typ`` ``dpop+jwt``; ``alg`` in the allowlist
  (ES256, PS256, EdDSA: never ``none`` or HMAC); the key is the public ``jwk`` of the header
  and nothing else (``jku``, ``x5u``, ``x5c``, ``crit`` refused, ``kid`` ignored); the
  signature; ``htm`` and ``htu`` (scheme, host, port and path; query and fragment ignored);
  ``iat`` within ±60 s; ``ath`` (SHA-256 of the access token) at resource endpoints; the
  server nonce when the client's policy asks for it; and ``jti`` single use (one conditional
  write, last, so refused proofs cost no write). Failures raise ``InvalidDpopProof`` (400 at
  the token endpoint; resource endpoints answer ``InvalidToken`` with ``WWW-Authenticate:
  DPoP error="invalid_dpop_proof"``); a missing or stale nonce raises ``UseDpopNonce`` with a
  fresh ``DPoP-Nonce`` header.
- ``nonce()``: deterministic per 5-minute window, ``b64url(HMAC-SHA-256)`` by the KMS
  token-hmac key over ``dpop-nonce|<window>`` (one ``GenerateMac`` per window per warm
  function); the current and the previous window's nonces are accepted.
- ``thumbprint(jwk)``: RFC 7638 SHA-256 thumbprint (joserfc).

The algorithm allowlist and the key checks (``check_key``) are shared with client
authentication (``client_auth``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
import warnings
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from iamsmart.common import replay
from iamsmart.oidc.errors import InvalidDpopProof, UseDpopNonce

ALGORITHMS = ("ES256", "PS256", "EdDSA")
SKEW_SECONDS = 60
JTI_SECONDS = 120  # a proof's jti is remembered this long (iat ±60 s cannot outlive it)
NONCE_WINDOW_SECONDS = 300
MAX_JWT = 8 * 1024
MAX_JTI = 256
_MAX_HEADER = 2048  # bytes of base64url protected header (an RSA-4096 jwk fits)
# Header members that would point at a key other than the one pinned: never followed.
REFUSED_HEADERS = ("jku", "x5u", "x5c", "x5t", "x5t#S256", "crit")
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_MIN_RSA_BITS = 2048


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# --- keys and algorithms (shared with client_auth) -------------------------------------

def key_fits(jwk: Mapping[str, Any], alg: str) -> bool:
    """Is this (public) JWK of the type and curve ``alg`` needs?"""
    kty = jwk.get("kty")
    if alg == "ES256":
        return kty == "EC" and jwk.get("crv") == "P-256"
    if alg == "PS256":
        n = jwk.get("n")
        if kty != "RSA" or not isinstance(n, str) or len(n) > 2048:
            return False
        try:
            modulus = base64.urlsafe_b64decode(n + "=" * (-len(n) % 4))
        except ValueError:
            return False
        return int.from_bytes(modulus, "big").bit_length() >= _MIN_RSA_BITS
    if alg == "EdDSA":
        return kty == "OKP" and jwk.get("crv") == "Ed25519"
    return False


def check_key(jwk: object, alg: str) -> Any:
    """A joserfc public key for ``jwk`` fit for ``alg`` (in the allowlist); else None.
    Private members are never accepted; ``use``/``alg``/``key_ops`` must allow verifying."""
    from joserfc.errors import JoseError
    from joserfc.jwk import JWKRegistry

    if alg not in ALGORITHMS or not isinstance(jwk, Mapping) or _PRIVATE_MEMBERS & set(jwk):
        return None
    if not key_fits(jwk, alg) or jwk.get("use", "sig") != "sig" or jwk.get("alg", alg) != alg:
        return None
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        return None
    try:
        key = JWKRegistry.import_key(dict(jwk))
    except (JoseError, ValueError, TypeError, KeyError):
        return None
    if key.is_private:  # pragma: no cover - private members were refused above
        return None
    return key


def _registry(alg: str | None = None) -> Any:
    """joserfc's JWS registry, with exactly ``alg`` allowed (none when parsing only) and room
    for a DPoP header carrying an RSA ``jwk`` (joserfc's default header cap is 512 bytes)."""
    from joserfc.jws import JWSRegistry

    registry = JWSRegistry(algorithms=[alg] if alg else list(ALGORITHMS))
    registry.max_header_length = _MAX_HEADER
    return registry


def decode_header(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(protected header, claims) of a compact JWS, unverified (joserfc parsing); raises
    ValueError when it is not one."""
    import json

    from joserfc import jws
    from joserfc.errors import JoseError

    try:
        compact = jws.extract_compact(token.encode("ascii"), registry=_registry())
        claims = json.loads(compact.payload)
    except (JoseError, ValueError, TypeError, UnicodeError, RecursionError) as exc:
        raise ValueError("not a compact JWS") from exc
    header = dict(compact.protected)
    if not isinstance(claims, dict):
        raise ValueError("claims are not an object")
    return header, claims


def verify_signature(token: str, key: Any, alg: str) -> bool:
    """Signature check by joserfc, with exactly ``alg`` allowed and the given key pinned."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import SecurityWarning

    with warnings.catch_warnings():
        # joserfc warns that RFC 9864 deprecates the name "EdDSA" (for "Ed25519"); clients
        # still send it, and the allowlist names it on purpose.
        warnings.simplefilter("ignore", SecurityWarning)
        try:
            jwt.decode(token, key, algorithms=[alg], registry=_registry(alg))
        except (JoseError, ValueError, TypeError):
            return False
    return True


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of a public JWK (base64url)."""
    from joserfc.jwk import JWKRegistry

    public = {k: v for k, v in jwk.items() if k not in _PRIVATE_MEMBERS}
    return JWKRegistry.import_key(public).thumbprint()


# --- nonces ---------------------------------------------------------------------------

_nonces: dict[int, str] = {}
_nonce_lock = threading.Lock()


def _window(now: float | None = None) -> int:
    return int(time.time() if now is None else now) // NONCE_WINDOW_SECONDS


def _nonce_for(window: int) -> str:
    cached = _nonces.get(window)
    if cached is not None:
        return cached
    from iamsmart import aws
    from iamsmart.settings import settings

    with _nonce_lock:
        answer = aws.call("kms", "generate_mac", KeyId=settings().token_hmac_key_alias,
                          Message=f"dpop-nonce|{window}".encode("ascii"),
                          MacAlgorithm="HMAC_SHA_256")
        value = b64url(answer["Mac"])
        for old in [w for w in _nonces if w < window - 1]:
            del _nonces[old]
        _nonces[window] = value
        return value


def nonce() -> str:
    """The current DPoP nonce (changes every 5 minutes; the previous one stays valid)."""
    return _nonce_for(_window())


def nonce_valid(value: object) -> bool:
    if not isinstance(value, str) or not value or len(value) > 128:
        return False
    window = _window()
    for candidate in (window, window - 1):
        if hmac.compare_digest(value.encode("ascii", "replace"),
                               _nonce_for(candidate).encode("ascii")):
            return True
    return False


def reset() -> None:
    """Forget cached nonces (tests)."""
    _nonces.clear()


# --- proofs ---------------------------------------------------------------------------

def _normalise_url(url: str) -> tuple[str, str, int | None, str] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    if port is None:
        port = 443 if scheme == "https" else 80
    return scheme, parts.hostname.lower(), port, parts.path or "/"


def ath(access_token: str) -> str:
    """``ath``: base64url SHA-256 of the access token (RFC 9449 §4.2)."""
    return b64url(hashlib.sha256(access_token.encode("ascii")).digest())


def verify(proof: str | None, *, method: str, url: str, access_token: str | None = None,
           required: bool, nonce_required: bool, guards: list[Any] | None = None) -> str | None:
    """Check a DPoP proof (see the module docstring); the key's thumbprint, or None when
    there is no proof and none is required. With ``guards``, the ``jti`` check is appended
    there (a ``replay.Guard``) for the caller's transaction instead of being made here."""
    if proof is None or proof == "":
        if required:
            raise InvalidDpopProof(en="A DPoP proof is required.",
                                   tc="須提供 DPoP 證明。")
        return None
    if not isinstance(proof, str) or len(proof) > MAX_JWT or proof.count(".") != 2:
        raise InvalidDpopProof()
    try:
        header, claims = decode_header(proof)
    except ValueError:
        raise InvalidDpopProof() from None
    alg = header.get("alg")
    if (header.get("typ") != "dpop+jwt" or not isinstance(alg, str) or alg not in ALGORITHMS
            or any(name in header for name in REFUSED_HEADERS)):
        raise InvalidDpopProof()
    jwk = header.get("jwk")
    key = check_key(jwk, alg)
    if key is None or not verify_signature(proof, key, alg):
        raise InvalidDpopProof()
    assert isinstance(jwk, Mapping)

    now = int(time.time())
    iat = claims.get("iat")
    jti = claims.get("jti")
    if (claims.get("htm") != method
            or not isinstance(claims.get("htu"), str)
            or _normalise_url(claims["htu"]) is None
            or _normalise_url(claims["htu"]) != _normalise_url(url)
            or not isinstance(iat, int | float) or isinstance(iat, bool)
            or abs(now - iat) > SKEW_SECONDS
            or not isinstance(jti, str) or not jti or len(jti) > MAX_JTI):
        raise InvalidDpopProof()
    if access_token is not None:
        claimed = claims.get("ath")
        if not isinstance(claimed, str) or not hmac.compare_digest(
                claimed.encode("ascii", "replace"), ath(access_token).encode("ascii")):
            raise InvalidDpopProof()
    if nonce_required and not nonce_valid(claims.get("nonce")):
        raise UseDpopNonce(headers={"DPoP-Nonce": nonce()})

    jkt = thumbprint(jwk)
    guard = replay.Guard("dpop", f"{jkt}#{jti}", now + JTI_SECONDS, _replayed)
    if guards is not None:
        guards.append(guard)
    elif not guard.record():
        raise _replayed()
    return jkt


def _replayed() -> InvalidDpopProof:
    return InvalidDpopProof(en="This DPoP proof was already used.", tc="此 DPoP 證明已被使用。")
