"""The sandbox department service: a small relying party the local platform serves beside it.

It is what a department builds in an afternoon, with a client library not written here
(Authlib's OAuth 2.0 client and joserfc): pushed authorization request (PAR) with
``private_key_jwt``, PKCE S256, DPoP-bound tokens (its own P-256 key; ``use_dpop_nonce`` is
answered by retrying with the server's ``DPoP-Nonce``), the ID token validated against the
published JWKS (``iss``, ``aud``, ``nonce``, ``exp``), userinfo with DPoP, RP-initiated logout,
and OIDC third-party-initiated login (``/login?iss=...&target_link_uri=...``) so the portal's
catalogue can log a citizen in with one click.

It runs at ``http://127.0.0.1:<port>``: a different site from the provider at
``http://localhost:<port>``, as a real department is. At start it makes its key pairs,
registers itself in the client registry and sets one catalogue service's login link to its
``/login``. It shows what it received (claims, ``acr``, ``amr``, token type), never the tokens.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
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

    def __init__(self, issuer: str, client_id: str, redirect_uri: str) -> None:
        from joserfc.jwk import ECKey

        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        # One key signs client assertions, another DPoP proofs (the DPoP key could rotate per
        # session; one per service start is enough here).
        self.client_key = ECKey.generate_key("P-256", parameters={"use": "sig", "alg": "ES256"})
        self.client_key_id = self.client_key.thumbprint()
        self.dpop_key = ECKey.generate_key("P-256")
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None
        self._nonce: str | None = None  # the provider's latest DPoP-Nonce
        self._lock = threading.Lock()

    # -- registration data
    def public_jwks(self) -> dict[str, Any]:
        public = self.client_key.as_dict(private=False)
        public.update({"kid": self.client_key_id, "use": "sig", "alg": "ES256"})
        return {"keys": [public]}

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
                                  "登入服務的身分不符。", "issuer mismatch")
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
            redirect_uri=self.redirect_uri, scope=" ".join(SCOPES),
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
              prompt: str | None = None) -> str:
        """Push the authorization request; the browser goes to the returned URL."""
        from authlib.oauth2.rfc7636 import create_s256_code_challenge

        meta = self.metadata()
        client = self.session()
        params = {
            "client_id": self.client_id, "response_type": "code",
            "redirect_uri": self.redirect_uri, "scope": " ".join(SCOPES),
            "state": state, "nonce": nonce,
            "code_challenge": create_s256_code_challenge(code_verifier),
            "code_challenge_method": "S256",
        }
        if prompt:
            params["prompt"] = prompt
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
"""


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
                 client_id: str = CLIENT_ID, service_id: str | None = SERVICE_ID) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.service_id = service_id
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

    def begin(self, browser: str, target: str, prompt: str | None = None) -> str:
        from authlib.common.security import generate_token

        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = generate_token(64)
        url = self.rp.start(state=state, nonce=nonce, code_verifier=verifier, prompt=prompt)
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
                        at=time.time())
        with self._lock:
            self._sessions[browser] = signed
        return pending.target

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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "td-sandbox"
    sys_version = ""
    svc: DepartmentService

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet (no URLs
        pass  # with codes or hints in logs)

    # -- plumbing
    def _browser(self) -> tuple[str, bool]:
        """The browser's session cookie (a new one when it has none)."""
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and 20 <= len(value) <= 64:
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
            self.send_header("Set-Cookie", f"{COOKIE}={cookie}; Path=/; HttpOnly; "
                                           "SameSite=Lax")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _page(self, status: int, title: tuple[str, str], content: str,
              cookie: str | None = None) -> None:
        doc = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title[0])} | {html.escape(title[1])} - {html.escape(NAME_EN)}</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header><p>{_bi(NAME_EN, NAME_TC)}</p></header>
<main>
<h1>{_bi(*title)}</h1>
{content}
</main>
</body>
</html>
"""
        self._send(status, doc.encode("utf-8"), "text/html; charset=utf-8", cookie=cookie)

    def _redirect(self, location: str, cookie: str | None = None) -> None:
        self._send(302, b"", "text/plain; charset=utf-8", {"Location": location}, cookie)

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
            elif parts.path == "/":
                self._home(browser, cookie)
            elif parts.path == "/login":
                self._login(browser, cookie, query)
            elif parts.path == "/callback":
                target = self.svc.complete(browser, query)
                self._redirect(target, cookie)
            elif parts.path == "/me":
                self._me(browser, cookie)
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
        if length:
            self.rfile.read(min(length, 4096))
        browser, new = self._browser()
        if urlsplit(self.path).path != "/logout" or new:
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
