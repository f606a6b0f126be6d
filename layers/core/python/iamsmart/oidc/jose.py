"""JWS signed by keys the client holds (DPoP proofs, client assertions): the algorithm
allowlist, public-key checks, unverified parsing and the signature check with one key pinned.

- ``ALGORITHMS``: ES256, PS256, EdDSA (never ``none`` or HMAC); ``MAX_JWT`` / ``MAX_JTI``:
  size caps checked before any parsing.
- ``check_key(jwk, alg)``: a joserfc public key fit for ``alg`` (type, curve, RSA ≥ 2048 bits,
  ``use``/``alg``/``key_ops`` allowing verification, no private members), else None.
- ``decode_header(token)``: (protected header, claims) of a compact JWS, unverified; ValueError
  when it is not one.
- ``verify_signature(token, key, alg)``: True when ``key`` signed ``token`` with ``alg``.

joserfc is imported on first use (cold start).
"""

from __future__ import annotations

import base64
import warnings
from collections.abc import Mapping
from typing import Any

ALGORITHMS = ("ES256", "PS256", "EdDSA")
MAX_JWT = 8 * 1024
MAX_JTI = 256
_MAX_HEADER = 2048  # bytes of base64url protected header (an RSA-4096 jwk fits)
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_MIN_RSA_BITS = 2048


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

    if alg not in ALGORITHMS or not isinstance(jwk, Mapping) or PRIVATE_MEMBERS & set(jwk):
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
