"""Shared by the client registry, client authentication and DPoP tests (H1a): a moto
registry (tables + the token-hmac key), client keys, assertions and DPoP proofs built with
joserfc the way a relying party's library would."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from joserfc import jws, jwt
from joserfc.jwk import ECKey, OKPKey, RSAKey, SecurityWarning
from moto import mock_aws

from iamsmart import aws
from iamsmart.oidc import client_auth, clients, dpop
from iamsmart.oidc.clients import Client
from iamsmart.settings import settings
from infra.local import provision
from infra.names import KEYS, TABLES

ISSUER = "http://localhost:8123"
TOKEN_URL = ISSUER + "/v1/oidc/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def lax(alg: str) -> jws.JWSRegistry:
    """A registry that lets tests forge any header and any algorithm."""
    return jws.JWSRegistry(strict_check_header=False, algorithms=[alg])


# joserfc warns that RFC 9864 deprecates the name "EdDSA"; clients still use it.
warnings.filterwarnings("ignore", "EdDSA is deprecated", category=SecurityWarning)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in-process with the clients and grants tables; caches cleared. DPoP nonce tests
    add the KMS token-hmac key (``hmac_key``)."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("PUBLIC_URL", ISSUER)
    for env, alias in ((KEYS["token-hmac"].env, KEYS["token-hmac"].alias),):
        monkeypatch.setenv(env, alias)
    settings.cache_clear()
    aws.reset()
    clients.reset_cache()
    client_auth.reset()
    dpop.reset()
    with mock_aws():
        ddb = aws.client("dynamodb")
        for name in ("clients", "grants"):  # only what these tests touch: fast setup
            spec = TABLES[name]
            ddb.create_table(
                TableName=spec.name, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": spec.partition_key, "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": spec.partition_key,
                                       "AttributeType": "S"}])
        yield
    clients.reset_cache()
    client_auth.reset()
    dpop.reset()
    aws.reset()
    settings.cache_clear()


@pytest.fixture
def hmac_key(registry: None) -> str:
    """The token-hmac KMS key (DPoP nonces), as the local platform provisions it."""
    return provision.create_key(KEYS["token-hmac"])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key(alg: str = "ES256", kid: str | None = None) -> Any:
    params: Any = {"kid": kid} if kid else None
    auto = kid is None
    if alg == "ES256":
        return ECKey.generate_key("P-256", params, private=True, auto_kid=auto)
    if alg == "PS256":
        return RSAKey.generate_key(2048, params, private=True, auto_kid=auto)
    if alg == "EdDSA":
        return OKPKey.generate_key("Ed25519", params, private=True, auto_kid=auto)
    raise ValueError(alg)


def public_jwk(key: Any) -> dict[str, Any]:
    return dict(key.as_dict(private=False))


def fapi_client(client_id: str = "dept-app", *keys: Any, **changes: Any) -> Client:
    fields: dict[str, Any] = {
        "client_id": client_id, "name_en": "Sandbox Department", "name_tc": "沙盒部門",
        "department": "TD", "redirect_uris": ("http://127.0.0.1:9000/cb",),
        "jwks": {"keys": [public_jwk(k) for k in keys]} if keys else None,
    }
    fields.update(changes)
    return Client(**fields)


def assertion(key: Any, client_id: str = "dept-app", *, header: dict[str, Any] | None = None,
              alg: str | None = None, **claims: Any) -> str:
    now = int(time.time())
    body: dict[str, Any] = {"iss": client_id, "sub": client_id, "aud": ISSUER,
                            "iat": now, "exp": now + 120, "jti": secrets.token_urlsafe(16)}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    alg = alg or key_alg(key)
    head = {"alg": alg, "typ": "JWT", "kid": key.kid}
    head.update(header or {})
    head = {k: v for k, v in head.items() if v is not None}
    return jwt.encode(head, body, key, registry=lax(alg))


def key_alg(key: Any) -> str:
    return {"EC": "ES256", "RSA": "PS256", "OKP": "EdDSA"}[key.key_type]


def form(token: str, **extra: str) -> dict[str, str]:
    return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": token, **extra}


def proof(key: Any, *, method: str = "POST", url: str = TOKEN_URL,
          access_token: str | None = None, header: dict[str, Any] | None = None,
          alg: str | None = None, **claims: Any) -> str:
    body: dict[str, Any] = {"htm": method, "htu": url, "iat": int(time.time()),
                            "jti": secrets.token_urlsafe(16)}
    if access_token is not None:
        body["ath"] = b64(hashlib.sha256(access_token.encode()).digest())
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    alg = alg or key_alg(key)
    head = {"typ": "dpop+jwt", "alg": alg, "jwk": key.as_dict(private=False)}
    head.update(header or {})
    head = {k: v for k, v in head.items() if v is not None}
    return jwt.encode(head, body, key, registry=lax(alg))


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A JWT with alg=none (empty signature), built by hand: joserfc refuses to make one."""
    return (f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}.")


def hs256(secret: bytes, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """HS256 keyed with ``secret`` (e.g. the client's public key), built by hand with hmac:
    joserfc rightly refuses an asymmetric public key as an HMAC secret."""
    import hmac

    head = b64(json.dumps({**header, "alg": "HS256"}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"
