"""Client authentication at the token, PAR, introspection and revocation endpoints.

``authenticate(form, authorization)`` answers the authenticated ``Client`` or raises
``InvalidClient`` (401; ``WWW-Authenticate: Basic`` when HTTP Basic was tried). Two methods:

- ``private_key_jwt`` (RFC 7523, FAPI 2.0): ``client_assertion_type`` jwt-bearer and a
  ``client_assertion`` JWS signed with ES256, PS256 or EdDSA (never ``none`` or HMAC) by a key
  of the client's registered JWKS (``jwks``, or ``jwks_uri`` fetched with a size cap and a
  timeout, cached briefly), chosen by ``kid``. ``jku``, ``x5u``, ``jwk``, ``x5c`` and ``crit``
  headers are refused, never followed. Claims: ``iss`` = ``sub`` = the client id; ``aud`` the
  issuer exactly (a string, or a one-element list); ``exp`` required, not passed and at most
  300 s ahead (plus 60 s skew); ``iat``/``nbf`` within ±60 s; ``jti`` single use
  (``replay.first_use("jti", "<client_id>#<jti>")``).
- ``client_secret_basic`` only for clients registered on the ``basic`` profile with that
  method: the secret is compared in constant time with its stored scrypt hash.

Anything else (no authentication, ``client_secret_post``, both methods at once, a
``client_id`` parameter naming another client) is ``InvalidClient``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from iamsmart import origin
from iamsmart.common import replay
from iamsmart.oidc import clients, jose
from iamsmart.oidc.clients import Client
from iamsmart.oidc.errors import InvalidClient

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SKEW_SECONDS = 60
MAX_ASSERTION_SECONDS = 300
# Key-selecting headers other than kid: never followed (pinned keys only).
REFUSED_HEADERS = ("jku", "x5u", "jwk", "x5c", "x5t", "x5t#S256", "crit")
# typ values an assertion may carry (RFC 7523 sets none; some libraries send "JWT").
_TYPES = (None, "JWT", "jwt", "client-authentication+jwt")
_BASIC_CHALLENGE = 'Basic realm="iamsmart", charset="UTF-8"'

JWKS_MAX_BYTES = 64 * 1024
JWKS_TIMEOUT_SECONDS = 3.0
JWKS_CACHE_SECONDS = 300.0
JWKS_REFETCH_SECONDS = 30.0  # an unknown kid refetches at most this often

_jwks_cache: dict[str, tuple[float, float, list[Any]]] = {}  # uri -> (expires, fetched, keys)
_jwks_lock = threading.Lock()


def reset() -> None:
    """Forget fetched JWKS documents (tests)."""
    _jwks_cache.clear()


def _refuse(basic: bool = False) -> InvalidClient:
    headers = {"WWW-Authenticate": _BASIC_CHALLENGE} if basic else None
    return InvalidClient(headers=headers)


def authenticate(form: Mapping[str, str], authorization: str | None,
                 guards: list[Any] | None = None) -> Client:
    """The client that authenticated this request (see the module docstring). With
    ``guards``, the assertion's ``jti`` check is appended there (a ``replay.Guard``) for the
    caller's transaction instead of being made here."""
    form_client_id = form.get("client_id")
    assertion_type = form.get("client_assertion_type")
    assertion = form.get("client_assertion")
    if "client_secret" in form:  # client_secret_post: never accepted
        raise _refuse()
    if authorization is not None and authorization.strip():
        scheme = authorization.strip().split(" ", 1)[0]
        if scheme.lower() != "basic" or assertion is not None or assertion_type is not None:
            raise _refuse(basic=True)
        client = _basic(authorization)
    elif assertion_type is not None or assertion is not None:
        if assertion_type != ASSERTION_TYPE or not isinstance(assertion, str):
            raise _refuse()
        client = _private_key_jwt(assertion, guards)
    else:
        raise _refuse()
    if form_client_id is not None and form_client_id != client.client_id:
        raise _refuse(basic=client.token_endpoint_auth_method == clients.CLIENT_SECRET_BASIC)
    return client


# --- client_secret_basic ----------------------------------------------------------------

def _basic(authorization: str) -> Client:
    import base64
    import binascii
    from urllib.parse import unquote_plus

    try:
        encoded = authorization.strip().split(" ", 1)[1].strip()
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        raw_id, raw_secret = decoded.split(":", 1)
    except (IndexError, ValueError, binascii.Error, UnicodeError):
        raise _refuse(basic=True) from None
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
    try:
        client = clients.get(client_id)
    except InvalidClient:
        clients.verify_secret(secret, None)  # same work whether the client exists or not
        raise _refuse(basic=True) from None
    allowed = (client.profile == "basic"
               and client.token_endpoint_auth_method == clients.CLIENT_SECRET_BASIC)
    matches = clients.verify_secret(secret, client.client_secret_hash if allowed else None)
    if not (allowed and matches):
        raise _refuse(basic=True)
    return client


# --- private_key_jwt --------------------------------------------------------------------

def _private_key_jwt(assertion: str, guards: list[Any] | None = None) -> Client:
    if len(assertion) > jose.MAX_JWT or assertion.count(".") != 2:
        raise _refuse()
    try:
        header, claims = jose.decode_header(assertion)
    except ValueError:
        raise _refuse() from None
    alg = header.get("alg")
    if (not isinstance(alg, str) or alg not in jose.ALGORITHMS
            or header.get("typ") not in _TYPES
            or any(name in header for name in REFUSED_HEADERS)):
        raise _refuse()
    kid = header.get("kid")
    if kid is not None and (not isinstance(kid, str) or not kid or len(kid) > 256):
        raise _refuse()
    client_id = claims.get("iss")
    if not isinstance(client_id, str):
        raise _refuse()
    client = clients.get(client_id)  # unknown -> InvalidClient
    if client.token_endpoint_auth_method != clients.PRIVATE_KEY_JWT:
        raise _refuse()
    if not _signature_ok(client, assertion, alg, kid):
        raise _refuse()

    # Signed by the client: now its claims.
    now = int(time.time())
    issuer = origin.public_url()
    aud = claims.get("aud")
    jti = claims.get("jti")
    if claims.get("sub") != client.client_id:
        raise _refuse()
    if not (aud == issuer or aud == [issuer]):
        raise _refuse()
    exp = _number(claims.get("exp"))
    if exp is None or exp <= now - SKEW_SECONDS:
        raise _refuse()  # missing or expired
    if exp > now + MAX_ASSERTION_SECONDS + SKEW_SECONDS:
        raise _refuse()  # long exp
    for name in ("iat", "nbf"):
        value = claims.get(name)
        when = _number(value)
        if value is not None and (when is None or when > now + SKEW_SECONDS):
            raise _refuse()  # malformed, or issued / valid only in the future
        if name == "iat" and when is not None and when < now - SKEW_SECONDS:
            raise _refuse()  # issued too long ago
    if not isinstance(jti, str) or not jti or len(jti) > jose.MAX_JTI:
        raise _refuse()
    guard = replay.Guard("jti", f"{client.client_id}#{jti}", int(exp) + SKEW_SECONDS, _refuse)
    if guards is not None:
        guards.append(guard)
    elif not guard.record():
        raise _refuse()
    return client


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _candidates(keys: list[Any], alg: str, kid: str | None) -> list[Any]:
    chosen = []
    for jwk in keys:
        if kid is not None and (not isinstance(jwk, Mapping) or jwk.get("kid") != kid):
            continue
        key = jose.check_key(jwk, alg)
        if key is not None:
            chosen.append(key)
    return chosen[:4]


def _signature_ok(client: Client, assertion: str, alg: str, kid: str | None) -> bool:
    if client.jwks is not None:
        keys = client.jwks.get("keys")
        candidates = _candidates(keys if isinstance(keys, list) else [], alg, kid)
    elif client.jwks_uri is not None:
        candidates = _candidates(_remote_keys(client.jwks_uri), alg, kid)
        if not candidates and kid is not None:  # rotated keys: look once more (rate-limited)
            candidates = _candidates(_remote_keys(client.jwks_uri, refresh=True), alg, kid)
    else:
        return False
    return any(jose.verify_signature(assertion, key, alg) for key in candidates)


def _remote_keys(uri: str, refresh: bool = False) -> list[Any]:
    """The keys of a client's ``jwks_uri`` (cached ``JWKS_CACHE_SECONDS``); any failure to
    fetch or parse them is ``InvalidClient``, never a 500."""
    now = time.monotonic()
    cached = _jwks_cache.get(uri)
    if cached is not None and cached[0] > now and not (
            refresh and now - cached[1] >= JWKS_REFETCH_SECONDS):
        return cached[2]
    with _jwks_lock:
        keys = _fetch_jwks(uri)
        if len(_jwks_cache) > 256:
            _jwks_cache.clear()
        _jwks_cache[uri] = (now + JWKS_CACHE_SECONDS, now, keys)
        return keys


def _fetch_jwks(uri: str) -> list[Any]:
    import json

    import urllib3

    from iamsmart.observability import logger

    try:
        http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(
            connect=JWKS_TIMEOUT_SECONDS, read=JWKS_TIMEOUT_SECONDS))
        response = http.request("GET", uri, preload_content=False, redirect=False,
                                headers={"Accept": "application/json"})
        try:
            if response.status != 200:
                raise ValueError(f"status {response.status}")
            body = response.read(JWKS_MAX_BYTES + 1, decode_content=True)
            if len(body) > JWKS_MAX_BYTES:
                raise ValueError("too large")
        finally:
            response.release_conn()
        document = json.loads(body)
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list):
            raise ValueError("not a JWK set")
        return keys
    except (urllib3.exceptions.HTTPError, ValueError, OSError, RecursionError) as exc:
        logger().warning("client jwks_uri unusable", extra={"reason": type(exc).__name__})
        raise _refuse() from None
