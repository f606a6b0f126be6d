"""The sandbox department service: a small relying party the local platform serves beside it.

It is what a department builds in an afternoon, with a client library not written here
(Authlib's OAuth 2.0 client and joserfc): pushed authorization request (PAR) with
``private_key_jwt``, PKCE S256, DPoP-bound tokens (its own P-256 key; ``use_dpop_nonce`` is
answered by retrying with the server's ``DPoP-Nonce``), the ID token validated against the
published JWKS (``iss``, ``aud``, ``nonce``, ``exp``), userinfo with DPoP, RP-initiated logout,
and OIDC third-party-initiated login (``/login?iss=...&target_link_uri=...``) so the portal's
catalogue can log a citizen in with one click.

It also has an application form filled in by e-ME form filling (``/apply``): the login asks,
as RFC 9396 ``authorization_details`` of the data-exchange type, for the citizen's consent to
fetch their address from Immigration and their driving licence from Transport; the form then
fetches them from the exchange gateway (``POST /v1/exchange/form`` with the department's API
key and the DPoP-bound access token), decrypts the JWE with the department's own key, and lets
the citizen review and submit. A refused fetch (consent revoked) is shown as refused. The
gateway's back-channel notice of a revocation (a signed Security Event Token) is received at
``/exchange/notify``.

It runs at ``http://127.0.0.1:<port>``: a different site from the provider at
``http://localhost:<port>``, as a real department is. At start it makes its key pairs,
registers itself in the client registry and sets one catalogue service's login link to its
``/login``. It shows what it received (claims, ``acr``, ``amr``, token type), never the tokens.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "sandbox-td"
DEPARTMENT = "TD"
# "Online Application for Northbound Travel for Hong Kong Vehicles" (TD), in the seed catalogue.
SERVICE_ID = "iamsmart-2023-47"
SCOPES = ("openid", "profile", "email", "phone")
NAME_EN = "Transport Department sandbox service"
NAME_TC = "運輸署沙盒服務"
COOKIE = "td_sandbox_sid"
PENDING_SECONDS = 600
SESSION_SECONDS = 8 * 3600
HTTP_TIMEOUT = 10
LEEWAY = 60

# e-ME form filling: the data-exchange consent asked for in the login (contract (c1)).
EXCHANGE_TYPE = "urn:iamsmart:data-exchange"
PURPOSE = "licence_application"
CONSENT_DAYS = 30
RETENTION_DAYS = 30
# form field -> field path (what the form asks the gateway to fill)
FORM = {
    "address": "IMMD.particulars.address",
    "address_tc": "IMMD.particulars.address_tc",
    "licence_number": "TD.driving_licence.licence_number",
    "licence_classes": "TD.driving_licence.classes",
    "licence_expiry": "TD.driving_licence.expiry_date",
}
# What the department registers for the purpose (a little more than one form asks for).
REGISTERED_FIELDS = (*FORM.values(), "IMMD.particulars.name_en", "IMMD.particulars.name_tc")
FORM_LABELS = {
    "address": ("Residential address (English)", "住址（英文）"),
    "address_tc": ("Residential address (Chinese)", "住址（中文）"),
    "licence_number": ("Driving licence number", "駕駛執照號碼"),
    "licence_classes": ("Vehicle classes on the licence", "執照上的車輛類別"),
    "licence_expiry": ("Driving licence expiry date", "駕駛執照屆滿日期"),
    "registration_mark": ("Registration mark of the vehicle", "車輛登記號碼"),
}
PROVIDER_NAMES = {"IMMD": ("Immigration Department", "入境事務處"),
                  "TD": ("Transport Department", "運輸署")}
MISSING_WORDS = {
    "timeout": ("the department did not answer in time", "部門未有及時回覆"),
    "unavailable": ("the department could not provide it", "部門未能提供"),
    "not_held": ("the department holds no such record", "部門沒有此紀錄"),
}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class LoginFailed(Exception):
    """The login could not be completed; ``en``/``tc`` say why in plain words."""

    def __init__(self, en: str, tc: str, detail: str = "") -> None:
        super().__init__(en)
        self.en, self.tc, self.detail = en, tc, detail


# ------------------------------------------------------------------------------ the RP client


class RelyingParty:
    """The protocol side: discovery, PAR, token, ID token, userinfo, revocation, logout URL."""

    def __init__(self, issuer: str, client_id: str, redirect_uri: str,
                 scopes: tuple[str, ...] = SCOPES) -> None:
        from joserfc.jwk import ECKey

        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.scopes = scopes  # what this relying party asks for (the sandbox bank asks less)
        # One key signs client assertions, another DPoP proofs (the DPoP key could rotate per
        # session; one per service start is enough here).
        self.client_key = ECKey.generate_key("P-256", parameters={"use": "sig", "alg": "ES256"})
        self.client_key_id = self.client_key.thumbprint()
        self.dpop_key = ECKey.generate_key("P-256")
        # The key the gateway encrypts delivered data to (JWE ECDH-ES+A256KW); never leaves.
        self.encryption_key = ECKey.generate_key("P-256", parameters={"use": "enc"})
        self.encryption_key_id = self.encryption_key.thumbprint()
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None
        self._nonce: str | None = None  # the provider's latest DPoP-Nonce
        self._lock = threading.Lock()

    # -- registration data
    def public_jwks(self) -> dict[str, Any]:
        public = self.client_key.as_dict(private=False)
        public.update({"kid": self.client_key_id, "use": "sig", "alg": "ES256"})
        return {"keys": [public]}

    def public_encryption_jwk(self) -> dict[str, Any]:
        public = self.encryption_key.as_dict(private=False)
        public.update({"kid": self.encryption_key_id, "use": "enc", "alg": "ECDH-ES+A256KW"})
        return {k: public[k] for k in ("kty", "crv", "x", "y", "kid", "use", "alg")}

    # -- discovery
    def metadata(self) -> dict[str, Any]:
        import requests

        if self._metadata is None:
            response = requests.get(f"{self.issuer}/.well-known/openid-configuration",
                                    timeout=HTTP_TIMEOUT)
            if response.status_code != 200:
                raise LoginFailed("The login service is not available right now.",
                                  "登入服務暫時未能使用。", f"discovery {response.status_code}")
            data = response.json()
            if data.get("issuer") != self.issuer:
                raise LoginFailed("The login service gave a wrong identity.",
                                  "登入服務的身份不符。", "issuer mismatch")
            self._metadata = data
        return self._metadata

    def jwks(self, refresh: bool = False) -> dict[str, Any]:
        import requests

        if self._jwks is None or refresh:
            response = requests.get(self.metadata()["jwks_uri"], timeout=HTTP_TIMEOUT)
            response.raise_for_status()
            self._jwks = response.json()
        return self._jwks

    # -- Authlib client
    def session(self, token: dict[str, Any] | None = None) -> Any:
        from authlib.integrations.requests_client import OAuth2Session
        from authlib.oauth2.rfc7523 import PrivateKeyJWT
        from authlib.oauth2.rfc7523.assertion import private_key_jwt_sign

        issuer, kid = self.issuer, self.client_key_id

        class Assertion(PrivateKeyJWT):
            """private_key_jwt as FAPI 2.0 wants it: ES256, audience the issuer, short-lived,
            a fresh jti every time."""

            alg = "ES256"

            def sign(self, auth: Any, token_endpoint: str) -> str:
                return str(private_key_jwt_sign(auth.client_secret, client_id=auth.client_id,
                                                token_endpoint=issuer, alg="ES256",
                                                header={"kid": kid}, expires_in=60))

        meta = self.metadata()
        client = OAuth2Session(
            client_id=self.client_id, client_secret=self.client_key,
            token_endpoint_auth_method="private_key_jwt",  # noqa: S106 - a method name
            revocation_endpoint_auth_method="private_key_jwt",
            redirect_uri=self.redirect_uri, scope=" ".join(self.scopes),
            code_challenge_method="S256", token=token,
            token_endpoint=meta["token_endpoint"])
        client.register_client_auth_method(Assertion(issuer))
        for hook in ("access_token_response", "refresh_token_response"):
            client.register_compliance_hook(hook, self._remember_nonce)
        return client

    def _remember_nonce(self, response: Any) -> Any:
        nonce = response.headers.get("DPoP-Nonce")
        if nonce:
            with self._lock:
                self._nonce = nonce
        return response

    # -- DPoP (RFC 9449)
    def dpop_proof(self, method: str, url: str, access_token: str | None = None) -> str:
        from joserfc import jwt

        parts = urlsplit(url)
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16), "htm": method.upper(),
            "htu": f"{parts.scheme}://{parts.netloc}{parts.path}", "iat": int(time.time()),
        }
        if self._nonce:
            claims["nonce"] = self._nonce
        if access_token is not None:
            claims["ath"] = _b64url(hashlib.sha256(access_token.encode("ascii")).digest())
        header = {"typ": "dpop+jwt", "alg": "ES256",
                  "jwk": self.dpop_key.as_dict(private=False)}
        return jwt.encode(header, claims, self.dpop_key, algorithms=["ES256"])

    def _with_nonce_retry(self, call: Any) -> Any:
        """Run ``call()``; once more if the provider asked for (a fresh) DPoP nonce."""
        from authlib.integrations.base_client import OAuthError

        try:
            return call()
        except OAuthError as exc:
            if exc.error != "use_dpop_nonce":
                raise
        return call()

    # -- the login
    def start(self, *, state: str, nonce: str, code_verifier: str,
              prompt: str | None = None,
              authorization_details: list[dict[str, Any]] | None = None,
              acr_values: str | None = None) -> str:
        """Push the authorization request; the browser goes to the returned URL."""
        from authlib.oauth2.rfc7636 import create_s256_code_challenge

        meta = self.metadata()
        client = self.session()
        params = {
            "client_id": self.client_id, "response_type": "code",
            "redirect_uri": self.redirect_uri, "scope": " ".join(self.scopes),
            "state": state, "nonce": nonce,
            "code_challenge": create_s256_code_challenge(code_verifier),
            "code_challenge_method": "S256",
        }
        if prompt:
            params["prompt"] = prompt
        if acr_values:
            params["acr_values"] = acr_values
        if authorization_details:
            params["authorization_details"] = json.dumps(authorization_details)
        response = client.post(meta["pushed_authorization_request_endpoint"], data=params,
                               auth=client.client_auth("private_key_jwt"),
                               headers={"Accept": "application/json"}, timeout=HTTP_TIMEOUT)
        if response.status_code not in (200, 201):
            raise LoginFailed("The login could not be started.", "未能開始登入。",
                              f"PAR {response.status_code} {_error_code(response)}")
        request_uri = response.json().get("request_uri")
        if not isinstance(request_uri, str):
            raise LoginFailed("The login could not be started.", "未能開始登入。", "PAR body")
        return f"{meta['authorization_endpoint']}?" + urlencode(
            {"client_id": self.client_id, "request_uri": request_uri})

    def finish(self, *, code: str, code_verifier: str, nonce: str) -> dict[str, Any]:
        """Exchange the code (DPoP, private_key_jwt), validate the ID token, read userinfo."""
        from authlib.integrations.base_client import OAuthError

        meta = self.metadata()
        client = self.session()
        token_url = meta["token_endpoint"]
        try:
            token = self._with_nonce_retry(lambda: client.fetch_token(
                token_url, grant_type="authorization_code", code=code,
                code_verifier=code_verifier, redirect_uri=self.redirect_uri,
                headers={"Accept": "application/json",
                         "Content-Type": "application/x-www-form-urlencoded",
                         "DPoP": self.dpop_proof("POST", token_url)}))
        except OAuthError as exc:
            raise LoginFailed("The login could not be completed.", "未能完成登入。",
                              f"token {exc.error}") from None
        token = dict(token)
        if str(token.get("token_type", "")).lower() != "dpop":
            raise LoginFailed("The login service did not bind the token to this service.",
                              "登入服務未有把權杖綁定至本服務。", "token_type")
        id_claims = self.validate_id_token(token.get("id_token", ""), nonce)
        userinfo = self.userinfo(token["access_token"])
        if userinfo.get("sub") != id_claims.get("sub"):
            raise LoginFailed("The login service's answers do not match.",
                              "登入服務的回覆不一致。", "userinfo sub")
        return {"token": token, "id_claims": id_claims, "userinfo": userinfo}

    def validate_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet
        from joserfc.jws import extract_compact

        failed = LoginFailed("The login service's answer could not be verified.",
                             "未能核實登入服務的回覆。", "id_token")
        try:
            header = extract_compact(id_token.encode("ascii")).protected
        except (JoseError, ValueError, UnicodeError):
            raise failed from None
        jwks = self.jwks()
        if header.get("kid") and header["kid"] not in {k.get("kid") for k in jwks["keys"]}:
            jwks = self.jwks(refresh=True)  # a rotated key: fetch the published set again
        try:
            decoded = jwt.decode(id_token, KeySet.import_key_set(jwks),  # type: ignore[arg-type]
                                 algorithms=["ES256"])
            registry = jwt.JWTClaimsRegistry(
                leeway=LEEWAY, iss={"essential": True, "value": self.issuer},
                sub={"essential": True}, exp={"essential": True}, iat={"essential": True},
                nonce={"essential": True, "value": nonce})
            registry.validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            failed.detail = f"id_token {type(exc).__name__}"
            raise failed from None
        claims = dict(decoded.claims)
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if self.client_id not in audiences or (len(audiences) > 1
                                               and claims.get("azp") != self.client_id):
            failed.detail = "id_token aud"
            raise failed
        return claims

    def userinfo(self, access_token: str) -> dict[str, Any]:
        import requests

        url = self.metadata()["userinfo_endpoint"]
        for _ in range(2):
            response = requests.get(url, timeout=HTTP_TIMEOUT, headers={
                "Authorization": f"DPoP {access_token}", "Accept": "application/json",
                "DPoP": self.dpop_proof("GET", url, access_token)})
            self._remember_nonce(response)
            challenge = response.headers.get("WWW-Authenticate", "")
            if response.status_code == 401 and "use_dpop_nonce" in challenge:
                continue
            break
        if response.status_code != 200:
            raise LoginFailed("Your details could not be read.", "未能讀取你的資料。",
                              f"userinfo {response.status_code}")
        return dict(response.json())

    def exchange_form(self, access_token: str, api_key: str, form: dict[str, str],
                      purpose: str, consent_id: str) -> tuple[int, dict[str, Any]]:
        """``POST /v1/exchange/form`` with the API key and the DPoP-bound token: (status, JSON)."""
        import requests

        url = f"{self.issuer}/v1/exchange/form"
        body: dict[str, Any] = {"purpose": purpose, "form": form, "consent_id": consent_id}
        for _ in range(2):
            response = requests.post(url, json=body, timeout=HTTP_TIMEOUT * 2, headers={
                "Authorization": f"DPoP {access_token}", "Accept": "application/json",
                "x-api-key": api_key, "DPoP": self.dpop_proof("POST", url, access_token)})
            self._remember_nonce(response)
            challenge = response.headers.get("WWW-Authenticate", "")
            if response.status_code == 401 and "use_dpop_nonce" in challenge:
                continue
            break
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        return response.status_code, answer if isinstance(answer, dict) else {}

    def decrypt(self, token: str) -> dict[str, Any]:
        """The delivered JWE's plaintext (only this department's key opens it)."""
        from joserfc import jwe

        registry = jwe.JWERegistry(algorithms=["ECDH-ES+A256KW", "A256GCM"])
        header = jwe.extract_compact(token.encode("ascii"), registry=registry).protected
        if header.get("kid") != self.encryption_key_id:
            raise ValueError("encrypted to another key")
        plain = jwe.decrypt_compact(token, self.encryption_key, registry=registry).plaintext
        data = json.loads(plain or b"{}")
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data

    def _platform_jwt(self, token: str, typ: str) -> dict[str, Any]:
        """Claims of a JWT of ``typ`` the platform signed (ES256, a key of the published
        JWKS, refetched once for an unknown ``kid``), issued by our provider."""
        from joserfc import jwt
        from joserfc.jwk import KeySet
        from joserfc.jws import extract_compact

        header = extract_compact(token.encode("ascii")).protected
        if header.get("typ") != typ or header.get("alg") != "ES256":
            raise ValueError(f"not a {typ}")
        jwks = self.jwks()
        if header.get("kid") not in {k.get("kid") for k in jwks["keys"]}:
            jwks = self.jwks(refresh=True)
        decoded = jwt.decode(token, KeySet.import_key_set(jwks),  # type: ignore[arg-type]
                             algorithms=["ES256"])
        claims = dict(decoded.claims)
        if claims.get("iss") != self.issuer:
            raise ValueError("from another issuer")
        return claims

    def verify_receipt(self, token: str) -> dict[str, Any]:
        """The consent receipt's claims, verified against the published JWKS (ES256)."""
        return self._platform_jwt(token, "receipt+jwt")

    def verify_notice(self, token: str) -> dict[str, Any]:
        """The claims of the gateway's signed Security Event Token (RFC 8417) for us."""
        claims = self._platform_jwt(token, "secevent+jwt")
        aud = claims.get("aud")
        if self.client_id not in (aud if isinstance(aud, list) else [aud]):
            raise ValueError("not for us")
        if abs(time.time() - float(claims.get("iat", 0))) > 300:
            raise ValueError("stale")
        return claims

    def revoke(self, refresh_token: str) -> None:
        meta = self.metadata()
        url = meta.get("revocation_endpoint")
        if url:
            self.session().revoke_token(url, token=refresh_token,
                                        token_type_hint="refresh_token")  # noqa: S106

    def logout_url(self, *, id_token: str, post_logout_redirect_uri: str, state: str) -> str:
        return f"{self.metadata()['end_session_endpoint']}?" + urlencode({
            "id_token_hint": id_token, "client_id": self.client_id,
            "post_logout_redirect_uri": post_logout_redirect_uri, "state": state})


def _exchange_details(token: dict[str, Any]) -> list[dict[str, Any]]:
    """The data-exchange entries of the token response's ``authorization_details``."""
    raw = token.get("authorization_details")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    if not isinstance(raw, list):
        return []
    return [d for d in raw if isinstance(d, dict) and d.get("type") == EXCHANGE_TYPE]


def _error_code(response: Any) -> str:
    try:
        return str(response.json().get("error", ""))
    except ValueError:
        return ""


# ------------------------------------------------------------------------------ the web site


@dataclass
class Pending:
    browser: str  # the browser session that started it
    nonce: str
    code_verifier: str
    target: str
    created: float


@dataclass
class Signed:
    id_claims: dict[str, Any]
    userinfo: dict[str, Any]
    token_type: str
    expires_in: int | None
    scope: str
    has_refresh: bool
    id_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    at: float
    access_token: str = field(default="", repr=False)
    authorization_details: list[dict[str, Any]] = field(default_factory=list)
    exchange: Exchange | None = None


@dataclass
class Exchange:
    """The application form's state in this browser session."""

    consent_id: str
    receipt_id: str
    csrf: str
    filled: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    fetches: int = 0
    refused: tuple[str, str, str] | None = None  # (code, en, tc) of the last refusal
    notice_at: float | None = None  # when the gateway told us the consent was revoked
    submitted: str | None = None  # the application's reference
    problem: tuple[str, str] | None = None  # what the citizen must correct (en, tc)


CLAIM_LABELS = {
    "sub": ("Your identifier at this service (pairwise)", "你在本服務的識別碼（按服務分配）"),
    "name": ("Name (English)", "英文姓名"),
    "name#zh-Hant": ("Name (Chinese)", "中文姓名"),
    "email": ("Email address", "電郵地址"),
    "email_verified": ("Email address verified", "電郵地址已核實"),
    "phone_number": ("Phone number", "電話號碼"),
    "phone_number_verified": ("Phone number verified", "電話號碼已核實"),
    "birthdate": ("Date of birth", "出生日期"),
    "acr": ("Assurance level (acr)", "認證級別（acr）"),
    "amr": ("How you logged in (amr)", "登入方式（amr）"),
    "auth_time": ("Logged in at", "登入時間"),
    "iss": ("Issued by", "簽發者"),
    "aud": ("Issued to", "簽發對象"),
}

STYLE = """
:root { --brand: #7a1f00; --fg: #1b1b1b; --bg: #f7f5f2; --line: #c9c1b8; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans HK", sans-serif;
       color: var(--fg); background: var(--bg); line-height: 1.6; }
header { background: var(--brand); color: #fff; padding: 0.75rem 1rem; }
header p { margin: 0; font-weight: 700; font-size: 1.2rem; }
main { max-width: 48rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.3; }
.tc { display: block; }
.button { display: inline-flex; align-items: center; justify-content: center;
          min-height: 2.75rem; padding: 0.5rem 1.25rem; border-radius: 0.5rem;
          border: 2px solid #00664a; background: #00664a; color: #fff; font: inherit;
          font-weight: 700; text-decoration: none; cursor: pointer; }
.button.secondary { background: #fff; color: #00664a; }
.button:focus-visible, a:focus-visible { outline: 3px solid #000; outline-offset: 2px;
          box-shadow: 0 0 0 6px #ffbf47; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; background: #fff; }
th, td { border: 1px solid var(--line); padding: 0.5rem; text-align: left;
         vertical-align: top; overflow-wrap: anywhere; }
th { width: 40%; }
.error { border-left: 0.35rem solid #b00020; background: #fde8e8; padding: 0.75rem 1rem; }
.note { color: #474747; }
.field { margin: 1rem 0; }
.field label { display: block; font-weight: 700; }
.field input, .field textarea { font: inherit; width: 100%; min-height: 2.75rem; padding: 0.4rem;
         border: 2px solid #5c5c5c; border-radius: 0.4rem; background: #fff; }
.field[data-filled="yes"] input, .field[data-filled="yes"] textarea { border-color: #00664a;
         background: #eef7f3; }
.hint { margin: 0.25rem 0 0; color: #474747; font-size: 0.95rem; }
.done { border-left: 0.35rem solid #00664a; background: #eef7f3; padding: 0.75rem 1rem; }
"""


FAVICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
           '<rect width="16" height="16" rx="3" fill="#7a1f00"/></svg>')


def _bi(en: str, tc: str) -> str:
    """One text in both languages (English first, then Traditional Chinese)."""
    return (f'<span lang="en">{html.escape(en)}</span> '
            f'<span class="tc" lang="zh-Hant-HK">{html.escape(tc)}</span>')


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return _bi("yes", "是") if value else _bi("no", "否")
    if isinstance(value, list):
        return html.escape(", ".join(str(v) for v in value))
    return html.escape(str(value))


class DepartmentService:
    """The sandbox department's web site (HTTP on loopback) and its client registration."""

    def __init__(self, issuer: str, host: str = "127.0.0.1", port: int = 0,
                 client_id: str = CLIENT_ID, service_id: str | None = SERVICE_ID,
                 api_key: str | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.service_id = service_id
        self.api_key = api_key  # the department's API key for the exchange gateway
        self._server = ThreadingHTTPServer((host, port), _make_handler(self))
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self.rp = RelyingParty(self.issuer, client_id, f"{self.url}/callback")
        self._pending: dict[str, Pending] = {}  # by state
        self._sessions: dict[str, Signed] = {}  # by browser cookie
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- lifecycle
    def register(self) -> None:
        """Put this service in the client registry and link a catalogue service to it."""
        from iamsmart.oidc import clients

        clients.put(clients.Client(
            client_id=self.client_id, name_en=NAME_EN, name_tc=NAME_TC, department=DEPARTMENT,
            jwks=self.rp.public_jwks(), redirect_uris=(f"{self.url}/callback",),
            post_logout_redirect_uris=(f"{self.url}/",), initiate_login_uri=f"{self.url}/login",
            scopes=SCOPES, dpop_required=True,
            service_ids=(self.service_id,) if self.service_id else ()))
        if self.service_id:
            # The department API (PUT /v1/services/{id}/login-link) accepts only https links;
            # this sandbox is plain http on loopback, so the platform sets it directly.
            from iamsmart.catalogue import dal, logic

            # The link is the third-party-initiated login with the issuer named (OIDC Core §4).
            link = f"{self.url}/login?" + urlencode({"iss": self.issuer})
            dal.set_login_url(self.service_id, login_url=link, department_abbr=DEPARTMENT)
            logic.reset_cache()
        self.register_consumer()

    def register_consumer(self) -> None:
        """Register for e-ME form filling (purpose, fields, retention, encryption key) and find
        the department's API key (locally: the sandbox key tagged with the department). Login
        works without it: a failure here is reported, not raised."""
        try:
            from iamsmart.exchange import registry
            from iamsmart.exchange.models import Consumer, PurposeRegistration

            registry.put_consumer(Consumer(
                client_id=self.client_id, department=DEPARTMENT, name_en=NAME_EN,
                name_tc=NAME_TC, encryption_jwk=self.rp.public_encryption_jwk(),
                notification_uri=f"{self.url}/exchange/notify",
                purposes={PURPOSE: PurposeRegistration(retention_days=RETENTION_DAYS,
                                                       fields=REGISTERED_FIELDS)}))
            if self.api_key is None:
                from iamsmart import aws

                keys = aws.client("apigateway").get_api_keys(includeValues=True)["items"]
                self.api_key = next((k["value"] for k in keys if k.get("enabled") and
                                     (k.get("tags") or {}).get("department") == DEPARTMENT),
                                    None)
        except Exception as exc:  # noqa: BLE001 - login works without the form filling
            print(f"Sandbox department: e-ME form filling not registered: "
                  f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)

    def start(self) -> None:
        self.register()
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="department", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- state
    def _gc(self) -> None:
        now = time.time()
        for state in [s for s, p in self._pending.items() if now - p.created > PENDING_SECONDS]:
            del self._pending[state]
        for sid in [s for s, v in self._sessions.items() if now - v.at > SESSION_SECONDS]:
            del self._sessions[sid]

    def begin(self, browser: str, target: str, prompt: str | None = None,
              exchange: bool = False) -> str:
        from authlib.common.security import generate_token

        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = generate_token(64)
        details = [{"type": EXCHANGE_TYPE, "fields": sorted(set(FORM.values())),
                    "purpose": PURPOSE, "mode": "standing",
                    "duration_days": CONSENT_DAYS}] if exchange else None
        url = self.rp.start(state=state, nonce=nonce, code_verifier=verifier, prompt=prompt,
                            authorization_details=details)
        with self._lock:
            self._gc()
            self._pending[state] = Pending(browser, nonce, verifier, target, time.time())
        return url

    def complete(self, browser: str, query: dict[str, str]) -> str:
        with self._lock:
            pending = self._pending.pop(query.get("state", ""), None)
        if pending is None or not secrets.compare_digest(pending.browser, browser):
            raise LoginFailed("This login was not started here, or it has expired. "
                              "Please start again.", "此登入並非在此開始或已過期，請重新開始。",
                              "state")
        if query.get("iss") != self.issuer:  # RFC 9207: mix-up defence
            raise LoginFailed("The answer did not come from iAM Smart.",
                              "回覆並非來自「智方便」。", "iss")
        if "error" in query:
            if query["error"] == "access_denied":
                raise LoginFailed("The login was declined, or you chose not to share your "
                                  "details: you are not logged in.",
                                  "登入已被拒絕，或你選擇不分享資料：你未有登入。", "access_denied")
            raise LoginFailed("The login did not complete.", "未能完成登入。",
                              f"error {query['error'][:40]}")
        result = self.rp.finish(code=query.get("code", ""), code_verifier=pending.code_verifier,
                                nonce=pending.nonce)
        token = result["token"]
        signed = Signed(id_claims=result["id_claims"], userinfo=result["userinfo"],
                        token_type=str(token.get("token_type")),
                        expires_in=token.get("expires_in"), scope=str(token.get("scope", "")),
                        has_refresh=bool(token.get("refresh_token")),
                        id_token=token["id_token"], refresh_token=token.get("refresh_token"),
                        at=time.time(), access_token=str(token.get("access_token", "")),
                        authorization_details=_exchange_details(token))
        granted = signed.authorization_details[0] if signed.authorization_details else None
        if granted and isinstance(granted.get("consent_id"), str):
            receipt = self.rp.verify_receipt(str(granted.get("receipt") or ""))
            if receipt.get("consent_id") != granted["consent_id"]:
                raise LoginFailed("The consent receipt does not match.",
                                  "同意收據不符。", "receipt")
            signed.exchange = Exchange(consent_id=granted["consent_id"],
                                       receipt_id=str(receipt.get("jti") or ""),
                                       csrf=secrets.token_urlsafe(24))
        with self._lock:
            earlier = self._sessions.get(browser)
            if (signed.exchange is None and earlier is not None and earlier.exchange is not None
                    and earlier.id_claims.get("sub") == signed.id_claims.get("sub")):
                # A later login without a data request: the form keeps its consent (the
                # gateway decides whether it still holds).
                signed.exchange = earlier.exchange
            self._sessions[browser] = signed
        return pending.target

    def fill(self, browser: str) -> Exchange | None:
        """Fetch the form's data from the gateway (one fetch); the state says what happened."""
        signed = self.signed_in(browser)
        if signed is None or signed.exchange is None:
            return None
        exchange = signed.exchange
        exchange.fetches += 1
        if not self.api_key:
            exchange.refused = ("no_key", "This service has no API key for the data exchange.",
                                "本服務沒有數據交換的 API 密鑰。")
            return exchange
        status, answer = self.rp.exchange_form(signed.access_token, self.api_key, dict(FORM),
                                               PURPOSE, exchange.consent_id)
        if status != 200 or not isinstance(answer.get("jwe"), str):
            raw = answer.get("message")
            message: dict[str, Any] = raw if isinstance(raw, dict) else {}
            exchange.refused = (str(answer.get("error") or status)[:40],
                                str(message.get("en") or "iAM Smart did not give us your details."),
                                str(message.get("tc") or "「智方便」未有提供你的資料。"))
            return exchange
        data = self.rp.decrypt(answer["jwe"])
        if data.get("consent_id") != exchange.consent_id:
            raise ValueError("data for another consent")
        exchange.refused = None
        exchange.filled = {k: v for k, v in dict(data.get("form") or {}).items() if k in FORM}
        exchange.provenance = dict(data.get("provenance") or {})
        exchange.missing = {k: str(v) for k, v in dict(data.get("missing") or {}).items()}
        return exchange

    def notice(self, token: str) -> bool:
        """The gateway's notice that a consent was revoked: remember it in every session."""
        claims = self.rp.verify_notice(token)
        events = claims.get("events")
        event = events.get("urn:iamsmart:event:consent-revoked") if isinstance(events,
                                                                               dict) else None
        consent_id = event.get("consent_id") if isinstance(event, dict) else None
        if not isinstance(consent_id, str):
            return False
        with self._lock:
            for signed in self._sessions.values():
                if signed.exchange is not None and signed.exchange.consent_id == consent_id:
                    # Withdrawn: stop fetching, and delete what was fetched under it.
                    signed.exchange.notice_at = time.time()
                    signed.exchange.filled = {}
                    signed.exchange.provenance = {}
                    signed.exchange.missing = {}
        return True

    def signed_in(self, browser: str) -> Signed | None:
        with self._lock:
            return self._sessions.get(browser)

    def sign_out(self, browser: str) -> Signed | None:
        with self._lock:
            return self._sessions.pop(browser, None)


# ------------------------------------------------------------------------------ HTTP


def _make_handler(service: DepartmentService) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        svc = service

    return Handler


class SiteHandler(BaseHTTPRequestHandler):
    """What every sandbox site on loopback shares (this department, the sandbox bank): its
    browser cookie, security headers, bilingual page frame and redirects."""

    protocol_version = "HTTP/1.1"
    sys_version = ""
    svc: Any  # the site's service: needs ``issuer``
    cookie_name = COOKIE
    site_en, site_tc = NAME_EN, NAME_TC
    page_note: tuple[str, str] | None = None  # a line under every page's content

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet (no URLs
        pass  # with codes or hints in logs)

    def _browser(self) -> tuple[str, bool]:
        """The browser's session cookie (a new one when it has none)."""
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == self.cookie_name and 20 <= len(value) <= 64:
                return value, False
        return secrets.token_urlsafe(24), True

    def _csp(self) -> str:
        provider = urlsplit(self.svc.issuer)
        return ("default-src 'none'; style-src 'self'; img-src 'self'; "
                f"form-action 'self' {provider.scheme}://{provider.netloc}; "
                "base-uri 'none'; frame-ancestors 'none'")

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None,
              cookie: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", self._csp())
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if cookie:
            self.send_header("Set-Cookie", f"{self.cookie_name}={cookie}; Path=/; HttpOnly; "
                                           "SameSite=Lax")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _page(self, status: int, title: tuple[str, str], content: str,
              cookie: str | None = None) -> None:
        note = f'\n<p class="note">{_bi(*self.page_note)}</p>' if self.page_note else ""
        doc = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title[0])} | {html.escape(title[1])} - {html.escape(self.site_en)}</title>
<link rel="stylesheet" href="/style.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<header><p>{_bi(self.site_en, self.site_tc)}</p></header>
<main>
<h1>{_bi(*title)}</h1>
{content}{note}
</main>
</body>
</html>
"""
        self._send(status, doc.encode("utf-8"), "text/html; charset=utf-8", cookie=cookie)

    def _redirect(self, location: str, cookie: str | None = None) -> None:
        self._send(302, b"", "text/plain; charset=utf-8", {"Location": location}, cookie)


class _Handler(SiteHandler):
    server_version = "td-sandbox"
    svc: DepartmentService

    def _failed(self, exc: LoginFailed, cookie: str | None = None) -> None:
        self._page(400, ("Login not completed", "未能登入"),
                   f'<p class="error" role="alert">{_bi(exc.en, exc.tc)}</p>'
                   f'<p><a class="button" href="/">{_bi("Back to the start", "返回首頁")}</a>'
                   "</p>", cookie)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        browser, new = self._browser()
        cookie = browser if new else None
        try:
            if parts.path == "/style.css":
                self._send(200, STYLE.encode(), "text/css; charset=utf-8")
            elif parts.path in ("/favicon.svg", "/favicon.ico"):
                self._send(200, FAVICON.encode(), "image/svg+xml")
            elif parts.path == "/":
                self._home(browser, cookie)
            elif parts.path == "/login":
                self._login(browser, cookie, query)
            elif parts.path == "/callback":
                target = self.svc.complete(browser, query)
                self._redirect(target, cookie)
            elif parts.path == "/me":
                self._me(browser, cookie)
            elif parts.path == "/apply":
                self._apply(browser, cookie)
            elif parts.path == "/apply/login":
                self._redirect(self.svc.begin(browser, "/apply", exchange=True), cookie)
            else:
                self._page(404, ("Page not found", "找不到網頁"),
                           f'<p><a href="/">{_bi("Home", "首頁")}</a></p>', cookie)
        except LoginFailed as exc:
            self._failed(exc, cookie)
        except Exception:  # noqa: BLE001 - the sandbox shows a plain page, never a trace
            self._failed(LoginFailed("Something went wrong. Please try again.",
                                     "發生錯誤，請再試一次。"), cookie)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(min(length, 8192)) if length else b""
        if length > 8192:
            self.close_connection = True
        path = urlsplit(self.path).path
        if path == "/exchange/notify":
            self._notify(raw)
            return
        browser, new = self._browser()
        if path in ("/apply/fetch", "/apply/submit", "/apply/new") and not new:
            try:
                self._apply_post(browser, path, raw)
            except LoginFailed as exc:
                self._failed(exc)
            except Exception:  # noqa: BLE001 - the sandbox shows a plain page, never a trace
                self._failed(LoginFailed("Something went wrong. Please try again.",
                                         "發生錯誤，請再試一次。"))
            return
        if path != "/logout" or new:
            self._redirect("/", browser if new else None)
            return
        signed = self.svc.sign_out(browser)
        if signed is None:
            self._redirect("/")
            return
        try:
            if signed.refresh_token:
                self.svc.rp.revoke(signed.refresh_token)
            location = self.svc.rp.logout_url(id_token=signed.id_token,
                                              post_logout_redirect_uri=f"{self.svc.url}/",
                                              state=secrets.token_urlsafe(16))
        except Exception:  # noqa: BLE001 - logged out here whatever the provider says
            location = "/"
        self._redirect(location)

    # -- e-ME form filling
    def _notify(self, raw: bytes) -> None:
        """The gateway's back-channel notice (RFC 8417 SET, application/secevent+jwt)."""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        try:
            if ctype != "application/secevent+jwt":
                raise ValueError("content type")
            self.svc.notice(raw.decode("ascii").strip())
        except Exception:  # noqa: BLE001 - any bad notice is just refused
            self._send(400, b'{"err":"invalid_request"}', "application/json")
            return
        self._send(202, b"", "text/plain; charset=utf-8")

    def _apply_post(self, browser: str, path: str, raw: bytes) -> None:
        signed = self.svc.signed_in(browser)
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        exchange = signed.exchange if signed is not None else None
        if exchange is None or not secrets.compare_digest(form.get("csrf", ""), exchange.csrf):
            self._redirect("/apply")
            return
        if path == "/apply/fetch":
            self.svc.fill(browser)
        elif path == "/apply/new":
            exchange.submitted, exchange.filled, exchange.refused = None, {}, None
            exchange.problem = None
            exchange.provenance, exchange.missing = {}, {}
        else:
            fields = {name: form.get(name, "").strip()[:300] for name in FORM_LABELS}
            exchange.filled = {**exchange.filled, **{k: v for k, v in fields.items() if v}}
            if all(fields.values()):
                exchange.submitted = f"SBX-{time.strftime('%Y%m%d')}-{secrets.randbelow(10**6):06d}"
                exchange.problem = None
            else:
                exchange.problem = ("Please fill in every field.", "請填寫所有欄位。")
        self._redirect("/apply")

    def _apply(self, browser: str, cookie: str | None) -> None:
        signed = self.svc.signed_in(browser)
        exchange = signed.exchange if signed is not None else None
        if exchange is None:
            self._page(200, ("Apply: Northbound Travel for Hong Kong Vehicles",
                             "申請：港車北上"), f"""
<p>{_bi("Save typing: with your consent, iAM Smart fills this form with your residential "
        "address from the Immigration Department and your driving licence from the Transport "
        "Department (e-ME form filling). You review everything before you submit.",
        "省卻輸入：經你同意，「智方便」會以入境事務處的住址紀錄及運輸署的駕駛執照紀錄為你填寫"
        "本表格（「填表通」）。提交前你可檢查所有資料。")}</p>
<p><a class="button" id="fill" href="/apply/login">{
    _bi("Fill in with iAM Smart", "以「智方便」填表")}</a></p>
<p class="note">{_bi("You can withdraw your consent at any time in your iAM Smart account.",
                     "你可隨時在「智方便」帳戶撤回同意。")}</p>
""", cookie)
            return
        if exchange.fetches == 0 and exchange.submitted is None:
            self.svc.fill(browser)
        self._page(200, ("Apply: Northbound Travel for Hong Kong Vehicles",
                         "申請：港車北上"), self._apply_form(exchange), cookie)

    def _apply_form(self, exchange: Exchange) -> str:
        notes = []
        if exchange.notice_at is not None:
            words = _bi("iAM Smart told us you withdrew your consent: we will not fetch your "
                        "details again, and we delete what we fetched.",
                        "「智方便」通知我們你已撤回同意：我們不會再取得你的資料，並會刪除已取得的資料。")
            notes.append(f'<p class="error" id="notice" role="status">{words}</p>')
        if exchange.refused is not None:
            code, en, tc = exchange.refused
            words = _bi("Your details were not filled in: " + en, "未能填寫你的資料：" + tc)
            notes.append(f'<p class="error" id="refused" role="alert" '
                         f'data-code="{html.escape(code)}">{words}</p>')
            if code == "invalid_token":  # the login ended (a revocation ends it too)
                again = _bi("Log in again", "重新登入")
                notes.append(f'<p><a class="button secondary" id="login-again" '
                             f'href="/login?target_link_uri=%2Fapply">{again}</a></p>')
        if exchange.problem is not None and not exchange.submitted:
            notes.append(f'<p class="error" id="problem" role="alert">{_bi(*exchange.problem)}'
                         "</p>")
        if exchange.submitted:
            rows = "".join(
                f'<tr data-field="{k}"><th scope="row">{_bi(*FORM_LABELS[k])}</th>'
                f"<td>{_value(exchange.filled.get(k, ''))}</td></tr>" for k in FORM_LABELS)
            return "".join(notes) + f"""
<p class="done" id="submitted" role="status">{_bi(
    f"Application received. Your reference: {exchange.submitted}",
    f"已收到申請。參考編號：{exchange.submitted}")}</p>
<table id="application">{rows}</table>
<form method="post" action="/apply/new">
<input type="hidden" name="csrf" value="{html.escape(exchange.csrf)}">
<p><button class="button secondary" id="new" type="submit">{
    _bi("Start another application", "開始另一份申請")}</button></p>
</form>
"""
        fields = []
        for name, (en, tc) in FORM_LABELS.items():
            value = exchange.filled.get(name)
            text = ", ".join(str(v) for v in value) if isinstance(value, list) else (
                "" if value is None else str(value))
            source = exchange.provenance.get(name) or {}
            provider = PROVIDER_NAMES.get(str(source.get("provider")), (str(source.get(
                "provider", "")), str(source.get("provider", ""))))
            as_of = str(source.get("as_of") or "")[:10]
            if source:
                hint = _bi(f"Filled in from {provider[0]} records (as of {as_of}). Check it.",
                           f"已按{provider[1]}的紀錄填寫（截至 {as_of}），請核對。")
            elif name in exchange.missing:
                why = MISSING_WORDS.get(exchange.missing[name], ("not available", "未能提供"))
                hint = _bi(f"Not filled in: {why[0]}. Please type it.",
                           f"未能填寫：{why[1]}。請自行輸入。")
            elif name in FORM:
                hint = _bi("Not filled in. Please type it.", "未有填寫，請自行輸入。")
            else:
                hint = _bi("Please type it.", "請自行輸入。")
            kind = "textarea" if name.startswith("address") else "input"
            control = (f'<textarea id="f-{name}" name="{name}" rows="3" '
                       f'aria-describedby="h-{name}">{html.escape(text)}</textarea>'
                       if kind == "textarea" else
                       f'<input id="f-{name}" name="{name}" value="{html.escape(text)}" '
                       f'aria-describedby="h-{name}">')
            fields.append(f"""<div class="field" data-field="{name}"{
                ' data-filled="yes"' if source else ''}>
<label for="f-{name}">{_bi(en, tc)}</label>
{control}
<p class="hint" id="h-{name}">{hint}</p>
</div>""")
        csrf = html.escape(exchange.csrf)
        return "".join(notes) + f"""
<p>{_bi("Check the details iAM Smart filled in, complete the rest and submit.",
        "請核對「智方便」填寫的資料，填妥其餘欄位後提交。")}</p>
<form method="post" action="/apply/submit" id="application-form">
<input type="hidden" name="csrf" value="{csrf}">
{''.join(fields)}
<p><button class="button" id="submit" type="submit">{
    _bi("Submit application", "提交申請")}</button></p>
</form>
<form method="post" action="/apply/fetch">
<input type="hidden" name="csrf" value="{csrf}">
<p><button class="button secondary" id="refetch" type="submit">{
    _bi("Fetch my details again", "重新取得我的資料")}</button></p>
</form>
<p class="note" id="consent-ref">{_bi(f"Consent receipt: {exchange.receipt_id}",
                                      f"同意收據：{exchange.receipt_id}")}</p>
"""

    # -- pages
    def _home(self, browser: str, cookie: str | None) -> None:
        signed = self.svc.signed_in(browser)
        if signed is not None:
            self._redirect("/me", cookie)
            return
        self._page(200, ("Apply online", "網上申請"), f"""
<p>{_bi("Log in to apply. We will ask iAM Smart for your name, email address and phone number.",
        "請先登入以提出申請。我們會向「智方便」索取你的姓名、電郵地址及電話號碼。")}</p>
<p><a class="button" id="login" href="/login">{
    _bi("Login with iAM Smart", "以「智方便」登入")}</a></p>
<p><a href="/apply" id="apply">{_bi("Apply, with your details filled in by iAM Smart",
                                   "申請，由「智方便」代填你的資料")}</a></p>
<p class="note">{_bi("This is a sandbox service for testing. It is not a real government service.",
                     "這是供測試用的沙盒服務，並非真正的政府服務。")}</p>
""", cookie)

    def _login(self, browser: str, cookie: str | None, query: dict[str, str]) -> None:
        iss = query.get("iss")
        if iss is not None and iss.rstrip("/") != self.svc.issuer:
            raise LoginFailed("This login link did not come from iAM Smart.",
                              "此登入連結並非來自「智方便」。", "iss")
        target = "/me"
        link = query.get("target_link_uri")
        if link:
            parts = urlsplit(link)
            if f"{parts.scheme}://{parts.netloc}" != self.svc.url and not (
                    not parts.scheme and not parts.netloc and parts.path.startswith("/")
                    and not parts.path.startswith("//")):
                raise LoginFailed("This login link points somewhere else.",
                                  "此登入連結指向其他網站。", "target_link_uri")
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        prompt = "login" if query.get("prompt") == "login" else None
        self._redirect(self.svc.begin(browser, target, prompt), cookie)

    def _me(self, browser: str, cookie: str | None) -> None:
        signed = self.svc.signed_in(browser)
        if signed is None:
            self._redirect("/", cookie)
            return
        rows = []
        shown = {**{k: v for k, v in signed.id_claims.items()
                    if k in ("sub", "acr", "amr", "auth_time", "iss", "aud")},
                 **{k: v for k, v in signed.userinfo.items() if k in CLAIM_LABELS}}
        for key, value in shown.items():
            en, tc = CLAIM_LABELS[key]
            if key == "auth_time" and isinstance(value, int):
                value = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(value))
            rows.append(f'<tr data-claim="{html.escape(key)}"><th scope="row">{_bi(en, tc)}'
                        f"</th><td>{_value(value)}</td></tr>")
        token_rows = [
            ("token_type", ("Token type", "權杖類型"), signed.token_type),
            ("expires_in", ("Access token lifetime (seconds)", "存取權杖有效時間（秒）"),
             signed.expires_in),
            ("scope", ("Scopes granted", "獲授權範圍"), signed.scope),
            ("refresh", ("Refresh token received", "已收到更新權杖"), signed.has_refresh),
        ]
        name = signed.userinfo.get("name") or ""
        self._page(200, ("You are logged in", "你已登入"), f"""
<p id="welcome">{_bi(f"Welcome, {name}." if name else "Welcome.",
                     f"歡迎你，{signed.userinfo.get('name#zh-Hant') or name}。"
                     if name else "歡迎你。")}</p>
<h2>{_bi("What this service received from iAM Smart", "本服務從「智方便」收到的資料")}</h2>
<table id="claims">{''.join(rows)}</table>
<h2>{_bi("About the tokens (never shown)", "關於權杖（不會顯示）")}</h2>
<table id="token">{''.join(
    f'<tr data-item="{k}"><th scope="row">{_bi(*label)}</th><td>{_value(v)}</td></tr>'
    for k, label, v in token_rows)}</table>
<form method="post" action="/logout">
<button class="button secondary" id="logout" type="submit">{_bi("Log out", "登出")}</button>
</form>
""", cookie)
