"""The relying-party plumbing of the sandbox sites, written once: what the sandbox department
and the sandbox bank both do as OIDC relying parties of the platform.

It is what a department builds with a client library not written here (Authlib's OAuth 2.0
client and joserfc):

- ``RelyingParty``: discovery; pushed authorization request (PAR) with ``private_key_jwt``
  (ES256, audience the issuer, a fresh ``jti`` each time) and PKCE S256; the code exchanged for
  DPoP-bound tokens (its own P-256 key; ``use_dpop_nonce`` is answered by retrying with the
  server's ``DPoP-Nonce``); the ID token validated against the published JWKS (``iss``,
  ``aud``/``azp``, ``nonce``, ``exp``, a rotated ``kid`` refetched once); userinfo and any other
  DPoP-protected resource (``resource``); token revocation; the RP-initiated logout URL; JWE
  decryption with its own encryption key and verification of JWTs the platform signed
  (consent receipts, Security Event Tokens).
- ``RelyingPartySite``: a browser site that logs citizens in with it: pending logins by
  ``state`` (bound to the browser that started them, expiring), the callback (``state``, RFC
  9207 ``iss`` mix-up defence, the provider's error, the code exchanged), browser sessions,
  logout (revoke, then the provider's end-session URL), and its client registration.
- ``RelyingPartyHandler``: its routes ``GET /callback`` and ``POST /logout``.

Tokens are never shown or logged. ``infra.sandbox.site`` is the site plumbing under it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar
from urllib.parse import urlencode, urlsplit

from infra.sandbox.site import Failed, PageHandler, Request, Site

HTTP_TIMEOUT = 10
LEEWAY = 60
PENDING_SECONDS = 600


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class LoginFailed(Failed):
    """The login could not be completed; ``en``/``tc`` say why in plain words."""


# ------------------------------------------------------------------------------ the OIDC client


class RelyingParty:
    """The protocol side: discovery, PAR, token, ID token, userinfo, revocation, logout URL."""

    def __init__(self, issuer: str, client_id: str, redirect_uri: str,
                 scopes: tuple[str, ...]) -> None:
        from joserfc.jwk import ECKey

        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.scopes = scopes  # what this relying party asks for
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

    def resource(self, method: str, url: str, access_token: str, *,
                 body: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                 timeout: float = HTTP_TIMEOUT) -> Any:
        """Call a DPoP-protected resource with the access token (a fresh proof bound to it);
        once more with the server's new nonce if it asks for one. The ``requests`` response."""
        import requests

        for _ in range(2):
            response = requests.request(method, url, json=body, timeout=timeout, headers={
                "Authorization": f"DPoP {access_token}", "Accept": "application/json",
                **(headers or {}), "DPoP": self.dpop_proof(method, url, access_token)})
            self._remember_nonce(response)
            challenge = response.headers.get("WWW-Authenticate", "")
            if response.status_code == 401 and "use_dpop_nonce" in challenge:
                continue
            break
        return response

    def userinfo(self, access_token: str) -> dict[str, Any]:
        response = self.resource("GET", self.metadata()["userinfo_endpoint"], access_token)
        if response.status_code != 200:
            raise LoginFailed("Your details could not be read.", "未能讀取你的資料。",
                              f"userinfo {response.status_code}")
        return dict(response.json())

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


def _error_code(response: Any) -> str:
    try:
        return str(response.json().get("error", ""))
    except ValueError:
        return ""


# ------------------------------------------------------------------------------ the site's side


@dataclass
class Pending:
    """A login pushed and not yet answered (by ``state``)."""

    browser: str  # the browser session that started it
    nonce: str
    code_verifier: str
    then: Any  # what the site does after it (a page to return to, the transaction asked)
    created: float


@dataclass
class Callback:
    """The provider's answer at ``/callback``: ``error`` (its code), or ``result``
    (``RelyingParty.finish``: the token response, validated ID token claims, userinfo)."""

    then: Any
    error: str | None
    result: dict[str, Any] | None


class _Timed(Protocol):
    at: float  # when it began (a session is forgotten ``Sessions.seconds`` after)


T = TypeVar("T", bound=_Timed)


class Sessions(Generic[T]):
    """What a site keeps per browser (by session cookie), forgotten ``seconds`` after its
    ``at``; the items need ``at``, and for ``logout`` ``id_token`` and ``refresh_token``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._items: dict[str, T] = {}
        self._lock = threading.Lock()

    def get(self, browser: str) -> T | None:
        with self._lock:
            return self._items.get(browser)

    def put(self, browser: str, item: T, keep: Callable[[T | None, T], None] | None = None
            ) -> None:
        """Keep ``item`` for the browser; ``keep(earlier, item)`` first, under the lock."""
        now = time.time()
        with self._lock:
            for old in [b for b, i in self._items.items() if now - i.at > self.seconds]:
                del self._items[old]
            if keep is not None:
                keep(self._items.get(browser), item)
            self._items[browser] = item

    def pop(self, browser: str) -> T | None:
        with self._lock:
            return self._items.pop(browser, None)

    def values(self) -> list[T]:
        with self._lock:
            return list(self._items.values())


class RelyingPartySite(Site):
    """A sandbox site that logs citizens in with the platform (see the module docstring)."""

    name_en: ClassVar[str]
    name_tc: ClassVar[str]
    department: ClassVar[str]  # the department code it registers under
    scopes: ClassVar[tuple[str, ...]]
    session_seconds: ClassVar[float] = 3600
    # Said when a callback's state is unknown, expired or from another browser.
    expired_words: ClassVar[tuple[str, str]] = (
        "This login was not started here, or it has expired. Please start again.",
        "此登入並非在此開始或已過期，請重新開始。")

    def __init__(self, issuer: str, host: str = "127.0.0.1", port: int = 0,
                 client_id: str = "") -> None:
        super().__init__(host, port)
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.rp = RelyingParty(self.issuer, client_id, f"{self.url}/callback",
                               scopes=self.scopes)
        self.sessions: Sessions[Any] = Sessions(self.session_seconds)
        self._pending: dict[str, Pending] = {}  # by state
        self._lock = threading.Lock()

    # -- lifecycle
    def register(self) -> None:
        """Put this site in the platform's client registry (and whatever else it needs)."""
        self.register_client()

    def register_client(self, **extra: Any) -> None:
        """Its client: its public JWKS (private_key_jwt), its callback and its home page
        after logout, its scopes, DPoP required; ``extra``: other ``Client`` fields."""
        from iamsmart.oidc import clients

        clients.put(clients.Client(
            client_id=self.client_id, name_en=self.name_en, name_tc=self.name_tc,
            department=self.department, jwks=self.rp.public_jwks(),
            redirect_uris=(f"{self.url}/callback",),
            post_logout_redirect_uris=(f"{self.url}/",), scopes=self.scopes,
            dpop_required=True, **extra))

    def start(self) -> None:
        self.register()
        self.serve()

    # -- the login
    def push(self, browser: str, then: Any, **request: Any) -> str:
        """Push an authorization request (``request``: ``RelyingParty.start``'s options) for
        this browser; the URL to send it to. ``then`` comes back with the callback."""
        from authlib.common.security import generate_token

        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = generate_token(64)
        url = self.rp.start(state=state, nonce=nonce, code_verifier=verifier, **request)
        now = time.time()
        with self._lock:
            for old in [s for s, p in self._pending.items() if now - p.created > PENDING_SECONDS]:
                del self._pending[old]
            self._pending[state] = Pending(browser, nonce, verifier, then, now)
        return url

    def callback(self, browser: str, query: dict[str, str]) -> Callback:
        """The provider's answer for this browser, checked; the code exchanged if it sent one."""
        with self._lock:
            pending = self._pending.pop(query.get("state", ""), None)
        if pending is None or not secrets.compare_digest(pending.browser, browser):
            raise LoginFailed(*self.expired_words, "state")
        if query.get("iss") != self.issuer:  # RFC 9207: mix-up defence
            raise LoginFailed("The answer did not come from iAM Smart.",
                              "回覆並非來自「智方便」。", "iss")
        if "error" in query:
            return Callback(pending.then, query["error"][:40], None)
        result = self.rp.finish(code=query.get("code", ""), code_verifier=pending.code_verifier,
                                nonce=pending.nonce)
        return Callback(pending.then, None, result)

    def complete(self, browser: str, query: dict[str, str]) -> str:
        """Handle the callback (the site's own rules); the page to go to next."""
        raise NotImplementedError

    def logout(self, browser: str) -> str:
        """Forget the browser's session here, revoke its refresh token and end the provider's
        session: where to send the browser (home if there was nothing to end)."""
        session = self.sessions.pop(browser)
        if session is None or not session.id_token:
            return "/"
        try:
            if session.refresh_token:
                self.rp.revoke(session.refresh_token)
            return self.rp.logout_url(id_token=session.id_token,
                                      post_logout_redirect_uri=f"{self.url}/",
                                      state=secrets.token_urlsafe(16))
        except Exception:  # noqa: BLE001 - logged out here whatever the provider says
            return "/"


class RelyingPartyHandler(PageHandler):
    """A relying party's routes: ``GET /callback`` and ``POST /logout`` (with the site's own)."""

    svc: RelyingPartySite
    get_routes: ClassVar[dict[str, str]] = {"/callback": "_callback"}
    post_routes: ClassVar[dict[str, str]] = {"/logout": "_logout"}

    def _callback(self, request: Request) -> None:
        self._redirect(self.svc.complete(request.browser, request.query), request.cookie)

    def _logout(self, request: Request) -> None:
        self._redirect(self.svc.logout(request.browser))
