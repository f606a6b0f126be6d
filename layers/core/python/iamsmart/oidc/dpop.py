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

The algorithm allowlist, the key checks and the signature check are ``jose``'s (shared with
client authentication).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from iamsmart.common import replay
from iamsmart.oidc import jose
from iamsmart.oidc.errors import InvalidDpopProof, UseDpopNonce

SKEW_SECONDS = 60
JTI_SECONDS = 120  # a proof's jti is remembered this long (iat ±60 s cannot outlive it)
NONCE_WINDOW_SECONDS = 300
# Header members that would point at a key other than the one pinned: never followed.
REFUSED_HEADERS = ("jku", "x5u", "x5c", "x5t", "x5t#S256", "crit")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of a public JWK (base64url)."""
    from joserfc.jwk import JWKRegistry

    public = {k: v for k, v in jwk.items() if k not in jose.PRIVATE_MEMBERS}
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


def nonce_in(proof: str) -> bool:
    """Does a proof ``verify`` accepted carry a valid server nonce (for a policy known only
    after the proof was checked: userinfo's)?"""
    try:
        _, claims = jose.decode_header(proof)
    except ValueError:
        return False
    return nonce_valid(claims.get("nonce"))


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
    if not isinstance(proof, str) or len(proof) > jose.MAX_JWT or proof.count(".") != 2:
        raise InvalidDpopProof()
    try:
        header, claims = jose.decode_header(proof)
    except ValueError:
        raise InvalidDpopProof() from None
    alg = header.get("alg")
    if (header.get("typ") != "dpop+jwt" or not isinstance(alg, str) or alg not in jose.ALGORITHMS
            or any(name in header for name in REFUSED_HEADERS)):
        raise InvalidDpopProof()
    jwk = header.get("jwk")
    key = jose.check_key(jwk, alg)
    if key is None or not jose.verify_signature(proof, key, alg):
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
            or not isinstance(jti, str) or not jti or len(jti) > jose.MAX_JTI):
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
