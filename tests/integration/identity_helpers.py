"""Shared by the identity, login and device tests (H2): moto with the platform's tables and
the sandbox citizens, the real Chalice app behind a gateway that stamps the source address
API Gateway would see, a browser with a cookie jar, and device simulators wired to it."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from login_caches import reset_login_caches

from tools.device import Device

PUBLIC_URL = "http://localhost:8000"


def reset_caches() -> None:
    reset_login_caches()


@pytest.fixture
def identity_aws(login_aws: dict[str, str]) -> dict[str, str]:
    """moto with every table and key and the sandbox citizens (``conftest.login_aws``)."""
    return login_aws


def sandbox_client() -> Any:
    from iamsmart.oidc.clients import Client

    return Client(client_id="sandbox-td", name_en="Transport Department (sandbox)",
                  name_tc="運輸署（沙盒）", department="TD",
                  redirect_uris=("http://127.0.0.1:8001/callback",))


class Gateway:
    """The real Chalice app behind chalice's local gateway; ``source_ip`` is what API
    Gateway would put in ``requestContext.identity.sourceIp``."""

    def __init__(self, app: Any) -> None:
        from chalice.config import Config
        from chalice.local import LocalGateway

        outer = self

        class _Gateway(LocalGateway):  # type: ignore[misc]
            def _generate_lambda_event(self, method, path, headers, body):  # type: ignore[no-untyped-def]
                event = super()._generate_lambda_event(method, path, headers, body)
                event["requestContext"]["identity"]["sourceIp"] = outer.source_ip
                return event

        self._gateway = _Gateway(app, Config(chalice_stage="local"))
        self.source_ip = "198.51.100.7"

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> tuple[int, dict[str, Any], bytes]:
        """Status, headers (several Set-Cookie lines arrive as a list, as API Gateway's
        multiValueHeaders), body."""
        response = self._gateway.handle_request(method, path, dict(headers or {}), body)
        raw = response.get("body") or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        merged: dict[str, Any] = dict(response.get("headers") or {})
        merged.update(response.get("multiValueHeaders") or {})
        return response["statusCode"], merged, raw

    def transport(self, method: str, url: str, headers: dict[str, str],
                  body: bytes | None) -> tuple[int, bytes]:
        """A ``Device`` transport: the URL's path and query go to the app."""
        assert url.startswith(PUBLIC_URL)
        status, _, raw = self.request(method, url[len(PUBLIC_URL):], headers, body)
        return status, raw


class Browser:
    """A browser on one gateway: keeps cookies like a user agent (by name, Path=/)."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.cookies: dict[str, str] = {}

    def set_cookie(self, header: str) -> None:
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or morsel.value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def call(self, method: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
        sent = dict(headers or {})
        raw = None
        if body is not None:
            raw = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status, got_headers, answer = self.gateway.request(method, path, sent, raw)
        cookie = got_headers.get("Set-Cookie") or got_headers.get("set-cookie")
        for one in cookie if isinstance(cookie, list) else [cookie] if cookie else []:
            self.set_cookie(one)
        return status, json.loads(answer) if answer else None, got_headers


def start_login(browser: Browser, *, login_hint: str | None = None,
                grant_id: str = "grant-1") -> str:
    """What the authorize endpoint does: a login transaction, its cookie to this browser."""
    from iamsmart.identity import login

    txn_id, cookie = login.start(grant_id=grant_id, client=sandbox_client(),
                                 login_hint=login_hint, acr_values=[], prompt_login=False)
    browser.set_cookie(cookie)
    return txn_id


@pytest.fixture
def gateway(identity_aws: dict[str, str], api_app: Any) -> Gateway:
    return Gateway(api_app)


def enrolled_device(gateway: Gateway, tmp_path: Path, code: str = "SANDBOX-CHAN-TAI-MAN",
                    name: str = "device") -> Device:
    device = Device(PUBLIC_URL, tmp_path / f"{name}.json", transport=gateway.transport)
    device.enrol(code)
    return device


# --- a software WebAuthn authenticator (what Chromium's virtual authenticator does) -------

def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """A platform authenticator with resident (discoverable) ES256 credentials and user
    verification; builds registration and assertion responses in the browser's JSON form."""

    def __init__(self, origin: str = PUBLIC_URL, rp_id: str = "localhost") -> None:
        self.origin = origin
        self.rp_id = rp_id
        self.credentials: dict[bytes, dict[str, Any]] = {}

    def _rp_hash(self, rp_id: str | None = None) -> bytes:
        import hashlib

        return hashlib.sha256((rp_id or self.rp_id).encode()).digest()

    def _client_data(self, kind: str, challenge: str, origin: str | None = None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge,
                           "origin": origin or self.origin, "crossOrigin": False}).encode()

    def create(self, options: dict[str, Any]) -> dict[str, Any]:
        import os
        import struct

        from cryptography.hazmat.primitives.asymmetric import ec
        from webauthn.helpers import encode_cbor

        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        cred_id = os.urandom(16)
        cose = {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big")}
        user_handle = _unb64(options["user"]["id"])
        self.credentials[cred_id] = {"key": key, "user": user_handle, "count": 0}
        flags = 0x01 | 0x04 | 0x40  # UP, UV, AT
        auth_data = (self._rp_hash(options["rp"]["id"]) + bytes([flags]) + struct.pack(">I", 0)
                     + bytes(16) + struct.pack(">H", len(cred_id)) + cred_id
                     + encode_cbor(cose))
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {"id": _b64(cred_id), "rawId": _b64(cred_id), "type": "public-key",
                "response": {"clientDataJSON": _b64(self._client_data(
                    "webauthn.create", options["challenge"])),
                    "attestationObject": _b64(attestation), "transports": ["internal"]},
                "clientExtensionResults": {}, "authenticatorAttachment": "platform"}

    def get(self, options: dict[str, Any], *, origin: str | None = None,
            user_verified: bool = True, cred_id: bytes | None = None,
            user_handle: bytes | None = None) -> dict[str, Any]:
        import hashlib
        import struct

        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        cred_id = cred_id or next(iter(self.credentials))
        cred = self.credentials[cred_id]
        cred["count"] += 1
        flags = 0x01 | (0x04 if user_verified else 0)
        auth_data = (self._rp_hash(options.get("rpId")) + bytes([flags])
                     + struct.pack(">I", cred["count"]))
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = cred["key"].sign(auth_data + hashlib.sha256(client_data).digest(),
                                     ec.ECDSA(hashes.SHA256()))
        return {"id": _b64(cred_id), "rawId": _b64(cred_id), "type": "public-key",
                "response": {"clientDataJSON": _b64(client_data),
                             "authenticatorData": _b64(auth_data),
                             "signature": _b64(signature),
                             "userHandle": _b64(user_handle or cred["user"])},
                "clientExtensionResults": {}, "authenticatorAttachment": "platform"}


def logged_in(browser: Browser, account_id: str = "sandbox-chan-tai-man") -> None:
    """Give the browser an SSO session (what the OIDC resume endpoint does after a login)."""
    from iamsmart.identity import assurance, dal, sessions

    _, cookie = sessions.create(account_id, list(assurance.AMR_DEVICE), assurance.ACR_BASIC,
                                dal.now())
    browser.set_cookie(cookie)
