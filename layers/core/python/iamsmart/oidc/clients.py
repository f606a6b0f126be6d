"""The client registry: relying parties (OIDC clients) departments register.

``Client`` is the one shape of a registration, shared by the registry, the admin CLI, client
authentication and the authorization flow.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from iamsmart.common.model import Model
from iamsmart.oidc import dal

# Token endpoint authentication methods (names from RFC 7591 / OIDC Registration).
PRIVATE_KEY_JWT = "private_key_jwt"  # noqa: S105 - a method name, not a secret
CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105 - a method name, not a secret


class Client(Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = Field(pattern=r"^[A-Za-z0-9._-]{3,64}$")
    name_en: str = Field(min_length=1, max_length=120)
    name_tc: str = Field(min_length=1, max_length=120)
    department: str = Field(pattern=r"^[A-Z]{2,8}$")  # owning department (catalogue abbr)
    # "fapi2": private_key_jwt + DPoP (the default); "basic": client_secret_basic allowed.
    profile: Literal["fapi2", "basic"] = "fapi2"
    token_endpoint_auth_method: Literal["private_key_jwt", "client_secret_basic"] = (
        "private_key_jwt")  # noqa: S105 - a method name
    jwks: dict[str, Any] | None = None  # public keys for private_key_jwt
    jwks_uri: str | None = None
    client_secret_hash: str | None = None  # for client_secret_basic only (never the secret)
    redirect_uris: tuple[str, ...] = Field(min_length=1)
    post_logout_redirect_uris: tuple[str, ...] = ()
    initiate_login_uri: str | None = None  # OIDC third-party-initiated login (one-click)
    scopes: tuple[str, ...] = ("openid",)  # scopes it may ask for
    claims: tuple[str, ...] = ()  # identity claims it may receive beyond the scopes' own
    dpop_required: bool = True
    dpop_nonce_required: bool = False
    sector_identifier: str | None = None  # pairwise sub sector (default: redirect URIs' host)
    service_ids: tuple[str, ...] = ()  # catalogue services this client logs citizens in to


# --- registration rules --------------------------------------------------------------

_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class InvalidRegistration(ValueError):
    """A registration that must not be stored (the admin CLI reports the reason)."""


def _https_or_loopback(uri: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        return False
    if not host or parts.fragment:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and (
        host in ("localhost", "127.0.0.1", "::1")))


def validate_registration(client: Client) -> None:
    """The rules a stored registration follows (``put`` and the admin CLI apply them):

    - ``fapi2`` clients authenticate with ``private_key_jwt`` (never a shared secret);
    - ``private_key_jwt`` needs exactly one of ``jwks`` (public keys only) or ``jwks_uri``;
    - ``client_secret_basic`` needs a ``basic`` profile and a stored hash (``hash_secret``);
    - redirect and JWKS URIs are https (plain http only on loopback, for the local platform).
    """
    if client.profile == "fapi2" and client.token_endpoint_auth_method != PRIVATE_KEY_JWT:
        raise InvalidRegistration("fapi2 clients must use private_key_jwt")
    if client.token_endpoint_auth_method == PRIVATE_KEY_JWT:
        if (client.jwks is None) == (client.jwks_uri is None):
            raise InvalidRegistration("private_key_jwt needs exactly one of jwks or jwks_uri")
        if client.client_secret_hash is not None:
            raise InvalidRegistration("private_key_jwt clients have no client secret")
    else:
        if client.profile != "basic":
            raise InvalidRegistration("client_secret_basic is only for the basic profile")
        if not client.client_secret_hash or not client.client_secret_hash.startswith(
                _SCHEME + "$"):
            raise InvalidRegistration("client_secret_basic needs client_secret_hash "
                                      "(clients.hash_secret), never the secret")
    if client.jwks is not None:
        keys = client.jwks.get("keys")
        if not isinstance(keys, list) or not keys:
            raise InvalidRegistration("jwks must be a JWK set with at least one key")
        for key in keys:
            if not isinstance(key, dict) or _PRIVATE_JWK_MEMBERS & set(key):
                raise InvalidRegistration("jwks must hold public keys only")
            if key.get("kty") not in ("EC", "RSA", "OKP"):
                raise InvalidRegistration("jwks keys must be EC, RSA or OKP")
    if client.jwks_uri is not None and not _https_or_loopback(client.jwks_uri):
        raise InvalidRegistration("jwks_uri must be https")
    for uri in (*client.redirect_uris, *client.post_logout_redirect_uris,
                *((client.initiate_login_uri,) if client.initiate_login_uri else ())):
        if not _https_or_loopback(uri):
            raise InvalidRegistration(f"not an https URI without fragment: {uri}")
    if "openid" not in client.scopes:
        raise InvalidRegistration("scopes must include openid")


# --- client secrets (basic profile only) -----------------------------------------------

_SCHEME = "scrypt"
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_HASH_BYTES = 32
_MAX_SECRET = 512


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    import hashlib

    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=64 * 1024 * 1024, dklen=_HASH_BYTES)


def hash_secret(secret: str) -> str:
    """``scrypt$n$r$p$<salt>$<hash>``: what is stored for a client secret (never the secret)."""
    import secrets

    if not secret or len(secret) > _MAX_SECRET:
        raise ValueError("client secret empty or too long")
    salt = secrets.token_bytes(_SALT_BYTES)
    return f"{_SCHEME}${_N}${_R}${_P}${_b64(salt)}${_b64(_scrypt(secret, salt, _N, _R, _P))}"


_DUMMY_HASH: str | None = None


def verify_secret(secret: str, stored: str | None) -> bool:
    """Does ``secret`` match ``stored`` (constant-time comparison of the derived keys)? A
    missing or malformed ``stored`` costs the same work and answers False."""
    import hmac

    global _DUMMY_HASH
    if stored is None or not stored.startswith(_SCHEME + "$"):
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_secret("not-a-secret")
        stored, secret_ok = _DUMMY_HASH, False
    else:
        secret_ok = True
    try:
        _, n, r, p, salt, expected = stored.split("$")
        params = int(n), int(r), int(p)
        if not (2**10 <= params[0] <= 2**17 and 1 <= params[1] <= 16 and 1 <= params[2] <= 4):
            return False
        derived = _scrypt(secret[:_MAX_SECRET], _unb64(salt), *params)
        return hmac.compare_digest(derived, _unb64(expected)) and secret_ok
    except (ValueError, TypeError):
        return False


# --- the registry (the ``clients`` table, through ``dal``) ------------------------------

_cache: dict[str, tuple[float, Client]] = {}


def reset_cache() -> None:
    """Forget cached registrations (tests; the admin CLI's own process)."""
    _cache.clear()


def _parse(doc: str) -> Client:
    import json

    return Client.model_validate(json.loads(doc))


def get(client_id: str) -> Client:
    """The registration of ``client_id`` (reused for ``client_cache_seconds`` when warm).
    Unknown (or a malformed id) -> ``InvalidClient``."""
    import re
    import time

    from iamsmart.oidc.errors import InvalidClient
    from iamsmart.settings import settings

    if not isinstance(client_id, str) or not re.fullmatch(r"[A-Za-z0-9._-]{3,64}", client_id):
        raise InvalidClient()
    now = time.monotonic()
    cached = _cache.get(client_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    doc = dal.client_doc(client_id)
    if doc is None:
        _cache.pop(client_id, None)
        raise InvalidClient()
    client = _parse(doc)
    ttl = settings().client_cache_seconds
    if ttl > 0:
        if len(_cache) > 1000:
            _cache.clear()
        _cache[client_id] = (now + ttl, client)
    return client


def put(client: Client) -> None:
    """Create or replace a registration (validated by ``validate_registration``)."""
    import json

    validate_registration(client)
    doc = json.dumps(client.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    dal.put_client_doc(client.client_id, doc)
    _cache.pop(client.client_id, None)


def list_all() -> list[Client]:
    """Every registration, by client id (a full scan: registrations are few)."""
    clients = [_parse(doc) for doc in dal.client_docs()]
    return sorted(clients, key=lambda c: c.client_id)


def delete(client_id: str) -> bool:
    """Remove a registration; True when it existed."""
    existed = dal.delete_client(client_id)
    _cache.pop(client_id, None)
    return existed
