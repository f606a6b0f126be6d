"""Shared by the OpenID Provider flow tests (H1b): moto with the platform's tables, the OIDC
signing and token-hmac keys and the sandbox citizens (all from infra.names, like the
``platform`` fixture but without the feed functions and state machines, so each test sets up
in a fraction of a second); a relying party built the way a client library would (PAR with
private_key_jwt, PKCE S256, DPoP) talking HTTP to the real Chalice app; a browser with a
cookie jar; and an AWS call counter (every botocore API call, whatever client made it)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from login_caches import reset_login_caches

PUBLIC_URL = "http://localhost:8000"
REDIRECT = "http://127.0.0.1:8001/callback"
LOGOUT_TARGET = "http://127.0.0.1:8001/bye"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CITIZEN = "sandbox-chan-tai-man"


def reset_caches() -> None:
    reset_login_caches()


@pytest.fixture
def op_aws(login_aws: dict[str, str]) -> dict[str, str]:
    """moto with every table and key and the sandbox citizens (``conftest.login_aws``)."""
    return login_aws


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Http:
    """The real Chalice app behind chalice's local gateway (what API Gateway would send)."""

    def __init__(self, app: Any) -> None:
        from chalice.config import Config
        from chalice.local import LocalGateway

        self._gateway = LocalGateway(app, Config(chalice_stage="local"))

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        if path.startswith(PUBLIC_URL):
            path = path[len(PUBLIC_URL):]
        response = self._gateway.handle_request(method, path, dict(headers or {}), body)
        raw = response.get("body") or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        headers_out = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
        for k, v in (response.get("multiValueHeaders") or {}).items():
            headers_out[k.lower()] = v
        return response["statusCode"], headers_out, raw

    def form(self, path: str, data: dict[str, str],
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
        sent = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        status, got, raw = self.request("POST", path, sent, urlencode(data).encode())
        return status, got, json.loads(raw) if raw else None


class Browser:
    """Keeps cookies like a user agent and never follows redirects by itself."""

    def __init__(self, http: Http) -> None:
        self.http = http
        self.cookies: dict[str, str] = {}

    def _store(self, headers: dict[str, str]) -> None:
        values = headers.get("set-cookie")
        if not values:
            return
        for header in values if isinstance(values, list) else [values]:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def go(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
           raw: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        sent = dict(headers or {})
        if body is not None:
            raw = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status, got, answer = self.http.request(method, path, sent, raw)
        self._store(got)
        return status, got, answer

    def json(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, _, raw = self.go(method, path, body)
        return status, json.loads(raw) if raw else None


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class RP:
    """A relying party as a certified library would behave (private_key_jwt, PKCE, DPoP)."""

    def __init__(self, http: Http, client_id: str = "sandbox-rp", **changes: Any) -> None:
        from iamsmart.oidc import clients
        from iamsmart.oidc.clients import Client

        self.http = http
        self.client_id = client_id
        self.key = ECKey.generate_key("P-256", {"kid": "rp-key-1"}, private=True)
        self.dpop_key = ECKey.generate_key("P-256", private=True)
        fields: dict[str, Any] = {
            "client_id": client_id, "name_en": "Sandbox Department Service",
            "name_tc": "沙盒部門服務", "department": "TD", "redirect_uris": (REDIRECT,),
            "post_logout_redirect_uris": (LOGOUT_TARGET,),
            "jwks": {"keys": [dict(self.key.as_dict(private=False))]},
            "scopes": ("openid", "profile", "email", "phone"), "claims": ("birthdate",)}
        fields.update(changes)
        self.client = Client(**fields)
        clients.put(self.client)
        clients.reset_cache()
        self.verifier = ""
        self.state = ""
        self.nonce = ""

    def assertion(self, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.client_id, "sub": self.client_id, "aud": PUBLIC_URL, "iat": now,
                "exp": now + 60, "jti": secrets.token_urlsafe(16), **claims}
        return jwt.encode({"alg": "ES256", "kid": self.key.kid}, body, self.key)

    def auth(self) -> dict[str, str]:
        return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": self.assertion()}

    def proof(self, method: str, url: str, access_token: str | None = None,
              key: Any = None, **claims: Any) -> str:
        key = key or self.dpop_key
        body: dict[str, Any] = {"htm": method, "htu": url, "iat": int(time.time()),
                                "jti": secrets.token_urlsafe(16), **claims}
        if access_token is not None:
            body["ath"] = b64(hashlib.sha256(access_token.encode()).digest())
        return jwt.encode({"typ": "dpop+jwt", "alg": "ES256",
                           "jwk": dict(key.as_dict(private=False))}, body, key)

    def par_form(self, **overrides: str | None) -> dict[str, str]:
        self.verifier = secrets.token_urlsafe(48)
        self.state = secrets.token_urlsafe(12)
        self.nonce = secrets.token_urlsafe(12)
        data: dict[str, str | None] = {
            "response_type": "code", "client_id": self.client_id, "redirect_uri": REDIRECT,
            "scope": "openid profile", "state": self.state, "nonce": self.nonce,
            "code_challenge": b64(hashlib.sha256(self.verifier.encode()).digest()),
            "code_challenge_method": "S256", **self.auth()}
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    def par(self, **overrides: str | None) -> tuple[int, Any]:
        status, _, body = self.http.form("/v1/oidc/par", self.par_form(**overrides))
        return status, body

    def request_uri(self, **overrides: str | None) -> str:
        status, body = self.par(**overrides)
        assert status == 201, body
        return str(body["request_uri"])

    def authorize_path(self, request_uri: str) -> str:
        return "/v1/oidc/authorize?" + urlencode({"client_id": self.client_id,
                                                  "request_uri": request_uri})

    def token(self, data: dict[str, str], *, dpop: bool = True,
              proof: str | None = None) -> tuple[int, dict[str, str], Any]:
        headers = {}
        if proof is not None:
            headers["DPoP"] = proof
        elif dpop:
            headers["DPoP"] = self.proof("POST", PUBLIC_URL + "/v1/oidc/token")
        return self.http.form("/v1/oidc/token", {**data, **self.auth()}, headers)

    def redeem(self, code: str, **overrides: str) -> tuple[int, dict[str, str], Any]:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                "code_verifier": self.verifier, **overrides}
        return self.token(data)

    def userinfo(self, access_token: str, *, method: str = "GET", scheme: str = "DPoP",
                 proof: str | None | bool = True) -> tuple[int, dict[str, str], Any]:
        headers = {"Authorization": f"{scheme} {access_token}"}
        if proof is True:
            headers["DPoP"] = self.proof(method, PUBLIC_URL + "/v1/oidc/userinfo", access_token)
        elif isinstance(proof, str):
            headers["DPoP"] = proof
        status, got, raw = self.http.request(method, "/v1/oidc/userinfo", headers)
        return status, got, json.loads(raw) if raw else None


def sso_session(browser: Browser, account_id: str = CITIZEN, *, acr: str | None = None,
                auth_time: int | None = None) -> Any:
    """An SSO session as the resume endpoint leaves it (identity.sessions.create)."""
    from iamsmart.identity import assurance, sessions

    session, cookie = sessions.create(account_id, list(assurance.AMR_DEVICE),
                                      acr or assurance.ACR_BASIC,
                                      auth_time if auth_time is not None else int(time.time()))
    browser._store({"set-cookie": cookie})
    return session


def remember_consent(rp: RP, account_id: str = CITIZEN, scopes: tuple[str, ...] = (
        "openid", "profile"), claims: tuple[str, ...] = ()) -> None:
    """A consent as the consent page leaves it (written through oidc.consents)."""
    from iamsmart.oidc import consents, dal

    sector = consents.sector_of(rp.client)
    spec = dal.consent_action(account_id=account_id, client_id=rp.client_id, scopes=scopes,
                                claims=claims, sub=consents.pairwise_sub(sector, account_id),
                                sector=sector, grant_ref=f"none:{int(time.time())}",
                                must_exist=False, at=int(time.time()))
    assert dal.transact([spec])


@contextmanager
def aws_calls() -> Iterator[list[str]]:
    """Every AWS API call made inside (service.operation), by any botocore client."""
    from botocore.client import BaseClient

    calls: list[str] = []
    original = BaseClient._make_api_call

    def counting(self: Any, operation_name: str, api_params: Any) -> Any:
        calls.append(f"{self.meta.service_model.service_name}.{operation_name}")
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]
