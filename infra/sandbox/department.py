"""The sandbox department service: a small relying party the local platform serves beside it.

It is what a department builds in an afternoon on the relying-party plumbing
(``infra.sandbox.relying_party``: Authlib and joserfc; PAR with ``private_key_jwt``, PKCE S256,
DPoP-bound tokens, the ID token validated against the published JWKS, userinfo with DPoP,
RP-initiated logout), plus OIDC third-party-initiated login
(``/login?iss=...&target_link_uri=...``) so the portal's catalogue can log a citizen in with
one click.

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

import html
import json
import secrets
import sys
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from infra.sandbox.relying_party import (
    HTTP_TIMEOUT,
    LoginFailed,
    RelyingPartyHandler,
    RelyingPartySite,
)
from infra.sandbox.site import Request, favicon
from infra.sandbox.site import bi as _bi
from infra.sandbox.site import value as _value

CLIENT_ID = "sandbox-td"
DEPARTMENT = "TD"
# "Online Application for Northbound Travel for Hong Kong Vehicles" (TD), in the seed catalogue.
SERVICE_ID = "iamsmart-2023-47"
SCOPES = ("openid", "profile", "email", "phone")
NAME_EN = "Transport Department sandbox service"
NAME_TC = "運輸署沙盒服務"
COOKIE = "td_sandbox_sid"
SESSION_SECONDS = 8 * 3600

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
FAVICON = favicon("#7a1f00")


# ------------------------------------------------------------------------------ the service


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


@dataclass
class Signed:
    """A browser's login here: what was received (never shown: the tokens)."""

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


class DepartmentService(RelyingPartySite):
    """The sandbox department's web site (HTTP on loopback) and its client registration."""

    name = "department"
    name_en, name_tc, department, scopes = NAME_EN, NAME_TC, DEPARTMENT, SCOPES
    session_seconds = SESSION_SECONDS

    def __init__(self, issuer: str, host: str = "127.0.0.1", port: int = 0,
                 client_id: str = CLIENT_ID, service_id: str | None = SERVICE_ID,
                 api_key: str | None = None) -> None:
        super().__init__(issuer, host, port, client_id)
        self.service_id = service_id
        self.api_key = api_key  # the department's API key for the exchange gateway

    # -- lifecycle
    def register(self) -> None:
        """Put this service in the client registry and link a catalogue service to it."""
        self.register_client(initiate_login_uri=f"{self.url}/login",
                             service_ids=(self.service_id,) if self.service_id else ())
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

    # -- the login
    def begin(self, browser: str, target: str, prompt: str | None = None,
              exchange: bool = False) -> str:
        """Push a login for this browser (with the form's data-exchange consent asked for if
        ``exchange``); the URL to send it to. After it the browser goes to ``target``."""
        details = [{"type": EXCHANGE_TYPE, "fields": sorted(set(FORM.values())),
                    "purpose": PURPOSE, "mode": "standing",
                    "duration_days": CONSENT_DAYS}] if exchange else None
        return self.push(browser, target, prompt=prompt, authorization_details=details)

    def complete(self, browser: str, query: dict[str, str]) -> str:
        answer = self.callback(browser, query)
        if answer.error == "access_denied":
            raise LoginFailed("The login was declined, or you chose not to share your "
                              "details: you are not logged in.",
                              "登入已被拒絕，或你選擇不分享資料：你未有登入。", "access_denied")
        if answer.error is not None or answer.result is None:
            raise LoginFailed("The login did not complete.", "未能完成登入。",
                              f"error {answer.error}")
        result = answer.result
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

        def keep(earlier: Signed | None, signed: Signed) -> None:
            if (signed.exchange is None and earlier is not None and earlier.exchange is not None
                    and earlier.id_claims.get("sub") == signed.id_claims.get("sub")):
                # A later login without a data request: the form keeps its consent (the
                # gateway decides whether it still holds).
                signed.exchange = earlier.exchange

        self.sessions.put(browser, signed, keep)
        return str(answer.then)

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
        status, answer = self._fetch_form(signed.access_token, self.api_key,
                                          exchange.consent_id)
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
        for signed in self.sessions.values():
            if signed.exchange is not None and signed.exchange.consent_id == consent_id:
                # Withdrawn: stop fetching, and delete what was fetched under it.
                signed.exchange.notice_at = time.time()
                signed.exchange.filled = {}
                signed.exchange.provenance = {}
                signed.exchange.missing = {}
        return True

    def _fetch_form(self, access_token: str, api_key: str,
                    consent_id: str) -> tuple[int, dict[str, Any]]:
        """``POST /v1/exchange/form`` with the API key and the DPoP-bound token: (status, JSON)."""
        response = self.rp.resource(
            "POST", f"{self.issuer}/v1/exchange/form", access_token,
            body={"purpose": PURPOSE, "form": dict(FORM), "consent_id": consent_id},
            headers={"x-api-key": api_key}, timeout=HTTP_TIMEOUT * 2)
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        return response.status_code, answer if isinstance(answer, dict) else {}

    def signed_in(self, browser: str) -> Signed | None:
        return self.sessions.get(browser)


# ------------------------------------------------------------------------------ HTTP


class _Handler(RelyingPartyHandler):
    server_version = "td-sandbox"
    svc: DepartmentService
    cookie_name = COOKIE
    site_en, site_tc = NAME_EN, NAME_TC
    failed_title = ("Login not completed", "未能登入")
    icon = FAVICON
    get_routes: ClassVar[dict[str, str]] = {
        **RelyingPartyHandler.get_routes, "/": "_home", "/login": "_login", "/me": "_me",
        "/apply": "_apply", "/apply/login": "_apply_login"}
    post_routes: ClassVar[dict[str, str]] = {
        **RelyingPartyHandler.post_routes, "/exchange/notify": "_notify",
        "/apply/fetch": "_apply_post", "/apply/submit": "_apply_post",
        "/apply/new": "_apply_post"}
    open_posts: ClassVar[frozenset[str]] = frozenset({"/exchange/notify"})

    def _apply_login(self, request: Request) -> None:
        self._redirect(self.svc.begin(request.browser, "/apply", exchange=True), request.cookie)

    # -- e-ME form filling
    def _notify(self, request: Request) -> None:
        """The gateway's back-channel notice (RFC 8417 SET, application/secevent+jwt)."""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        try:
            if ctype != "application/secevent+jwt":
                raise ValueError("content type")
            self.svc.notice(request.raw.decode("ascii").strip())
        except Exception:  # noqa: BLE001 - any bad notice is just refused
            self._send(400, b'{"err":"invalid_request"}', "application/json")
            return
        self._send(202, b"", "text/plain; charset=utf-8")

    def _apply_post(self, request: Request) -> None:
        browser, path, form = request.browser, request.path, request.form
        signed = self.svc.signed_in(browser)
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

    def _apply(self, request: Request) -> None:
        browser, cookie = request.browser, request.cookie
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
    def _home(self, request: Request) -> None:
        browser, cookie = request.browser, request.cookie
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

    def _login(self, request: Request) -> None:
        browser, cookie, query = request.browser, request.cookie, request.query
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

    def _me(self, request: Request) -> None:
        browser, cookie = request.browser, request.cookie
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


DepartmentService.handler = _Handler
