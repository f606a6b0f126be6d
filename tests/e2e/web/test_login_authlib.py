"""A client library not written here (Authlib's OAuth 2.0 client) logs in against the local
platform: pushed authorization request, PKCE S256, ``private_key_jwt``, DPoP (with the server's
nonce), the ID token validated against the published JWKS with Authlib's OIDC claims rules,
userinfo, then refresh and revocation.

The citizen's side is driven over plain HTTP with the device simulator. The relying party is
registered in the session's local platform's client registry with the admin CLI
(``python -m tools.clients --endpoint-url``, the emulator's address that ``make dev`` prints).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
from base64 import urlsafe_b64encode
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7523.assertion import private_key_jwt_sign
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from login_helpers import TIMEOUT, DeviceSimulator, txn_of, wait_for_status
from registration_helpers import aws_endpoint

from infra.names import ROOT

pytestmark = pytest.mark.e2e

CLIENT_ID = "e2e-authlib-rp"
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never served: the test reads the redirect
CITIZEN_CODE = "SANDBOX-LEE-SIU-MEI"


@pytest.fixture(scope="module")
def relying_party(local_platform: dict[str, Any], platform_url: str,
           tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The session's local platform, with this test's relying party registered in its client
    registry by the admin CLI, as ``make dev`` says (``python -m tools.clients`` against the
    platform's emulator)."""
    from iamsmart.oidc import clients

    client_key = ECKey.generate_key("P-256")
    public = {**client_key.as_dict(private=False), "kid": "rp-1", "use": "sig", "alg": "ES256"}
    registration = clients.Client(
        client_id=CLIENT_ID, name_en="Authlib test service", name_tc="Authlib 測試服務",
        department="TD", jwks={"keys": [public]}, redirect_uris=(REDIRECT_URI,),
        scopes=("openid", "profile", "email", "phone"), dpop_required=True,
        dpop_nonce_required=True)
    file = tmp_path_factory.mktemp("authlib") / "client.json"
    file.write_text(json.dumps(registration.model_dump(mode="json")), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "tools.clients", "--endpoint-url", aws_endpoint(local_platform),
         "register", "--file", str(file)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return {"url": platform_url, "client_key": client_key}


class Assertion(PrivateKeyJWT):
    """Authlib's private_key_jwt, ES256, audience the issuer; its default one-hour lifetime
    is longer than FAPI 2.0 servers accept here (300 s), so it asks Authlib's signer for 60 s."""

    alg = "ES256"

    def sign(self, auth: Any, token_endpoint: str) -> str:
        return str(private_key_jwt_sign(auth.client_secret, client_id=auth.client_id,
                                        token_endpoint=self.token_endpoint, alg="ES256",
                                        header={"kid": "rp-1"}, expires_in=60))


class Dpop:
    """DPoP proofs (RFC 9449) for the client's key; remembers the server's nonce."""

    def __init__(self) -> None:
        self.key = ECKey.generate_key("P-256")
        self.nonce: str | None = None

    def proof(self, method: str, url: str, access_token: str | None = None) -> str:
        claims: dict[str, Any] = {"jti": secrets.token_urlsafe(16), "htm": method, "htu": url,
                                  "iat": int(time.time())}
        if self.nonce:
            claims["nonce"] = self.nonce
        if access_token:
            digest = hashlib.sha256(access_token.encode()).digest()
            claims["ath"] = urlsafe_b64encode(digest).rstrip(b"=").decode()
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": self.key.as_dict(private=False)}
        return jwt.encode(header, claims, self.key, algorithms=["ES256"])

    def remember(self, response: Any) -> Any:
        self.nonce = response.headers.get("DPoP-Nonce") or self.nonce
        return response


def token_call(dpop: Dpop, url: str, call: Any) -> dict[str, Any]:
    """A token endpoint call with a DPoP proof; once more if the server wants a nonce."""
    for attempt in range(2):
        headers = {"Accept": "application/json",
                   "Content-Type": "application/x-www-form-urlencoded",
                   "DPoP": dpop.proof("POST", url)}
        try:
            return dict(call(headers))
        except OAuthError as exc:
            if exc.error != "use_dpop_nonce" or attempt:
                raise
    raise AssertionError("unreachable")


def userinfo(dpop: Dpop, url: str, access_token: str) -> requests.Response:
    for _ in range(2):
        answer = requests.get(url, timeout=TIMEOUT, headers={
            "Authorization": f"DPoP {access_token}", "DPoP": dpop.proof("GET", url, access_token)})
        dpop.remember(answer)
        if answer.status_code != 401 or "use_dpop_nonce" not in answer.headers.get(
                "WWW-Authenticate", ""):
            return answer
    return answer


def approve_in_browser(base: str, authorize_url: str, device: DeviceSimulator) -> str:
    """The citizen's browser: login page, app approval, consent; returns the redirect."""
    browser = requests.Session()
    login_page = browser.get(authorize_url, allow_redirects=False, timeout=TIMEOUT)
    assert login_page.status_code == 302, login_page.text
    txn = txn_of(login_page.headers["Location"])
    view = browser.get(f"{base}/v1/login/{txn}", timeout=TIMEOUT).json()
    device.approve(view["qr"]["payload"], view["number"])
    done = wait_for_status(browser, base, txn, "authenticated")
    location = browser.get(base + done["next"], allow_redirects=False,
                           timeout=TIMEOUT).headers["Location"]
    if location.startswith("/consent.html"):
        location = browser.post(f"{base}/v1/oidc/consent/{txn_of(location)}",
                                json={"decision": "allow"}, timeout=TIMEOUT).json()["next"]
    return str(location)


def test_authlib_client_logs_in_refreshes_and_revokes(
        relying_party: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = relying_party["url"]
    device = DeviceSimulator(base, tmp_path / "device.json")
    device.enrol(CITIZEN_CODE)

    # Discovery, checked by Authlib's OpenID Provider metadata rules (http on loopback only).
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    metadata = OpenIDProviderMetadata(
        requests.get(f"{base}/.well-known/openid-configuration", timeout=TIMEOUT).json())
    # Every rule but one: OIDC Discovery wants RS256 offered; FAPI 2.0 (and we) never use it.
    skip = "validate_id_token_signing_alg_values_supported"
    for name in dir(metadata):
        if name.startswith("validate_") and name != skip:
            getattr(metadata, name)()
    assert metadata["id_token_signing_alg_values_supported"] == ["ES256"]
    assert metadata["issuer"] == base
    assert metadata["require_pushed_authorization_requests"] is True
    assert "S256" in metadata["code_challenge_methods_supported"]
    assert "private_key_jwt" in metadata["token_endpoint_auth_methods_supported"]
    assert "ES256" in metadata["dpop_signing_alg_values_supported"]
    token_url = metadata["token_endpoint"]

    client = OAuth2Session(
        client_id=CLIENT_ID, client_secret=relying_party["client_key"],
        token_endpoint_auth_method="private_key_jwt",  # noqa: S106 - a method name
        revocation_endpoint_auth_method="private_key_jwt",  # noqa: S106
        redirect_uri=REDIRECT_URI, scope="openid profile email phone",
        code_challenge_method="S256")
    client.register_client_auth_method(Assertion(base))
    dpop = Dpop()
    for hook in ("access_token_response", "refresh_token_response"):
        client.register_compliance_hook(hook, dpop.remember)

    # PAR: Authlib builds the request (PKCE S256, state, nonce); it is pushed, not sent by URL.
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    front, state = client.create_authorization_url(metadata["authorization_endpoint"],
                                                   code_verifier=verifier, nonce=nonce)
    params = {k: v[0] for k, v in parse_qs(urlsplit(front).query).items()}
    assert params["code_challenge_method"] == "S256"
    pushed = client.post(metadata["pushed_authorization_request_endpoint"], data=params,
                         auth=client.client_auth("private_key_jwt"), timeout=TIMEOUT)
    assert pushed.status_code == 201, pushed.text
    request_uri = pushed.json()["request_uri"]
    assert request_uri.startswith("urn:ietf:params:oauth:request_uri:")

    redirect = approve_in_browser(
        base, f"{metadata['authorization_endpoint']}?client_id={CLIENT_ID}&"
              f"request_uri={request_uri}", device)
    assert redirect.startswith(REDIRECT_URI + "?")
    assert parse_qs(urlsplit(redirect).query)["iss"] == [base]

    # Token: Authlib checks the state, sends the verifier and its client assertion; DPoP nonce.
    token = token_call(dpop, token_url, lambda headers: client.fetch_token(
        token_url, authorization_response=redirect, state=state, code_verifier=verifier,
        headers=headers))
    assert token["token_type"] == "DPoP"
    assert token["refresh_token"] and token["id_token"]

    # The ID token, against the published JWKS, by Authlib's OIDC rules.
    jwks = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=TIMEOUT).json())
    decoded = jwt.decode(token["id_token"], jwks, algorithms=["ES256"])
    assert decoded.header["alg"] == "ES256" and decoded.header.get("kid")
    id_token = CodeIDToken(decoded.claims, decoded.header,
                           options={"iss": {"essential": True, "value": base},
                                    "aud": {"essential": True, "value": CLIENT_ID}},
                           params={"nonce": nonce, "client_id": CLIENT_ID})
    id_token.validate(leeway=60)
    assert id_token["acr"] == "urn:iamsmart:acr:plus"
    assert id_token["amr"] == ["hwk", "mca"]

    info = userinfo(dpop, metadata["userinfo_endpoint"], token["access_token"])
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == id_token["sub"]
    assert info.json()["name"] == "LEE Siu Mei"
    # Sender-constrained: the same token as a bearer token is refused.
    bearer = requests.get(metadata["userinfo_endpoint"], timeout=TIMEOUT,
                          headers={"Authorization": f"Bearer {token['access_token']}"})
    assert bearer.status_code == 401

    # Refresh (rotation): a new pair; the old refresh token is spent.
    old_refresh = token["refresh_token"]
    refreshed = token_call(dpop, token_url, lambda headers: client.refresh_token(
        token_url, refresh_token=old_refresh, headers=headers))
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != old_refresh
    assert userinfo(dpop, metadata["userinfo_endpoint"],
                    refreshed["access_token"]).status_code == 200

    # Revocation (RFC 7009) of the refresh token, then introspection (RFC 7662) says so.
    revoked = client.revoke_token(metadata["revocation_endpoint"],
                                  token=refreshed["refresh_token"],
                                  token_type_hint="refresh_token")  # noqa: S106
    assert revoked.status_code == 200, revoked.text
    looked = client.introspect_token(metadata["introspection_endpoint"],
                                     token=refreshed["refresh_token"])
    assert looked.status_code == 200 and looked.json()["active"] is False
    with pytest.raises(OAuthError) as refused:
        token_call(dpop, token_url, lambda headers: client.refresh_token(
            token_url, refresh_token=refreshed["refresh_token"], headers=headers))
    assert refused.value.error == "invalid_grant"
