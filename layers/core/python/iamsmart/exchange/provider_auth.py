"""The signed gateway -> provider request (contract (a) of the data-exchange README section).

The gateway signs every provider call with the platform's KMS key (``signing.sign``, typ
``gateway+jwt``): method, URL, time, a unique id and the hash of the body, so a provider can
tell the call came from the gateway, was meant for it, is fresh, is not a replay and carries
this exact body. ``verify`` is the provider's side: it needs only joserfc and the platform's
JWKS (no AWS), so a department can run it as is.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

TYP = "gateway+jwt"
SCHEME = "Gateway"
LIFETIME = 60
SKEW = 60
_REFUSED_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit")


class Refused(Exception):
    """The request is not a valid gateway call (answer 401 invalid_request_signature)."""


def body_hash(body: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(body).digest()).rstrip(b"=").decode()


def authorization(*, url: str, audience: str, body: bytes, now: int | None = None) -> str:
    """``Gateway <JWS>`` for one POST of ``body`` to ``url`` (one KMS Sign)."""
    from iamsmart.oidc import discovery, signing

    iat = int(time.time()) if now is None else now
    claims = {"iss": discovery.issuer(), "aud": audience, "htm": "POST", "htu": url,
              "iat": iat, "exp": iat + LIFETIME, "jti": uuid.uuid4().hex, "bh": body_hash(body)}
    return f"{SCHEME} {signing.sign(claims, typ=TYP)}"


class JtiCache:
    """Ids of requests seen within the replay window (one process; a provider with many
    instances keeps them in a shared store instead)."""

    def __init__(self, window: int = LIFETIME + SKEW) -> None:
        self._window = window
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_time(self, jti: str, now: float) -> bool:
        with self._lock:
            if len(self._seen) > 10000:
                self._seen = {k: v for k, v in self._seen.items() if v > now}
            if self._seen.get(jti, 0) > now:
                return False
            self._seen[jti] = now + self._window
            return True


def verify(header: str | None, *, method: str, url: str, body: bytes, audience: str,
           issuer: str, jwks: Mapping[str, Any], seen: JtiCache | None = None,
           now: float | None = None) -> dict[str, Any]:
    """The claims of a valid gateway call, else ``Refused``."""
    from joserfc import jws
    from joserfc.errors import JoseError
    from joserfc.jwk import ECKey

    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme != SCHEME or not token or len(token) > 8192:
        raise Refused("no gateway signature")
    try:
        parts = token.split(".")
        if len(parts) != 3:
            raise Refused("not a compact JWS")
        import json

        protected = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused("malformed header") from exc
    if not isinstance(protected, dict) or protected.get("alg") != "ES256" or \
            protected.get("typ") != TYP or any(h in protected for h in _REFUSED_HEADERS):
        raise Refused("header not allowed")
    keys = [k for k in jwks.get("keys", []) if k.get("kid") == protected.get("kid")]
    if len(keys) != 1 or keys[0].get("kty") != "EC" or keys[0].get("crv") != "P-256":
        raise Refused("unknown key")
    try:
        key = ECKey.import_key({k: v for k, v in keys[0].items() if k in ("kty", "crv", "x",
                                                                          "y")})
        obj = jws.deserialize_compact(token, key, algorithms=["ES256"])
        claims = json.loads(obj.payload)
    except (JoseError, ValueError) as exc:
        raise Refused("bad signature") from exc
    at = time.time() if now is None else now
    if not isinstance(claims, dict):
        raise Refused("bad claims")
    checks = (claims.get("iss") == issuer, claims.get("aud") == audience,
              claims.get("htm") == method.upper(), claims.get("htu") == url,
              isinstance(claims.get("iat"), int) and abs(at - claims["iat"]) <= SKEW,
              isinstance(claims.get("exp"), int) and claims["exp"] > at - SKEW,
              isinstance(claims.get("jti"), str) and 0 < len(claims["jti"]) <= 128,
              claims.get("bh") == body_hash(body))
    if not all(checks):
        raise Refused("claims do not match the request")
    if seen is not None and not seen.first_time(claims["jti"], at):
        raise Refused("replayed")
    return claims
