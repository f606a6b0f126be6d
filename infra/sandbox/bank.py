"""The sandbox bank service: a relying party that opens accounts online after a face check.

It is what a bank builds on the relying-party plumbing the sandbox department uses too
(``infra.sandbox.relying_party``: Authlib, PAR with ``private_key_jwt``, PKCE S256, DPoP-bound
tokens, the ID token validated against the published JWKS). "Open an account online /
網上開戶" asks at PAR for ``acr_values=urn:iamsmart:acr:face`` with the transaction to confirm
as RFC 9396 ``authorization_details``::

    [{"type": "iamsmart_transaction", "purpose": "Open a savings account / 開立儲蓄戶口",
      "payee": "Sandbox Bank 沙盒銀行", "amount": "500.00", "currency": "HKD",
      "reference": "ACC-20250101-123456"}]

The citizen logs in, takes the face step-up (the platform's step-up page shows this
transaction), and comes back. The bank shows (in both languages) what it received: ``acr``,
``amr``, ``face_assurance`` and the confirmed transaction, and opens the account only when the
``acr`` is the face level, ``amr`` has ``face``, the match passed and the confirmed transaction
is exactly the one it asked for (``decide``). Liveness that was not evaluated (the local
engine) is shown plainly; ``require_liveness=True`` makes the bank refuse it, as a real bank in
AWS (where liveness is always evaluated) could.

Registered at start as client ``sandbox-bank`` of department code ``BANK`` (a sandbox code:
the Client model wants ``[A-Z]{2,8}``; no catalogue service), with its own pairwise sector
(``bank.sandbox.iamsmart.local``) so its subject differs from the department service's, which
also runs on 127.0.0.1. It runs at ``http://127.0.0.1:<port>`` (the platform's port + 2 by
default). Tokens are never shown.
"""

from __future__ import annotations

import html
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from infra.sandbox.relying_party import RelyingPartyHandler, RelyingPartySite
from infra.sandbox.site import STYLE, Request, favicon
from infra.sandbox.site import bi as _bi
from infra.sandbox.site import value as _value

CLIENT_ID = "sandbox-bank"
DEPARTMENT = "BANK"
SECTOR = "bank.sandbox.iamsmart.local"
SCOPES = ("openid", "profile")
NAME_EN = "Sandbox Bank"
NAME_TC = "沙盒銀行"
COOKIE = "bank_sandbox_sid"
ACR_FACE = "urn:iamsmart:acr:face"
TRANSACTION_TYPE = "iamsmart_transaction"
SESSION_SECONDS = 3600
MAX_DEPOSIT = Decimal("1000000")
PRODUCTS = {
    "savings": ("Open a savings account", "開立儲蓄戶口"),
    "integrated": ("Open an integrated account", "開立綜合戶口"),
}
ASSURANCE_LABELS = {
    "match": ("Face match", "面孔比對"),
    "liveness": ("Liveness", "活體檢測"),
    "confidence_band": ("Match confidence", "比對可信度"),
    "liveness_confidence_band": ("Liveness confidence", "活體檢測可信度"),
    "engine": ("Face engine", "面孔引擎"),
}
VALUE_WORDS = {
    "passed": ("passed", "通過"), "evaluated": ("evaluated", "已評估"),
    "not_evaluated": ("not evaluated", "未有評估"), "high": ("high", "高"),
    "standard": ("standard", "標準"), "local": ("local engine (sandbox)", "本地引擎（沙盒）"),
    "rekognition": ("Amazon Rekognition", "Amazon Rekognition"),
}
TXN_LABELS = {
    "purpose": ("Purpose", "用途"), "payee": ("Payee", "收款人"),
    "amount": ("Initial deposit", "首次存款"), "reference": ("Reference", "參考編號"),
}
BANK_STYLE = STYLE + """
:root { --brand: #003b6f; }
fieldset { border: 1px solid var(--line); border-radius: 0.5rem; margin: 1rem 0; }
.choice { display: flex; align-items: center; gap: 0.5rem; min-height: 2.75rem; }
.choice input { width: 1.5rem; height: 1.5rem; }
"""
FAVICON = favicon("#003b6f")


# ------------------------------------------------------------------------------ the decision


def transaction(product: str, deposit: str, reference: str) -> dict[str, str]:
    """The transaction the bank asks the citizen to confirm (canonical, as the platform
    normalises it: amount with two decimals). ``ValueError`` for a bad product or amount."""
    if product not in PRODUCTS:
        raise ValueError("product")
    try:
        amount = Decimal(deposit.strip() or "0").quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError("amount") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_DEPOSIT:
        raise ValueError("amount")
    en, tc = PRODUCTS[product]
    return {"type": TRANSACTION_TYPE, "purpose": f"{en} / {tc}",
            "payee": f"{NAME_EN} {NAME_TC}", "amount": f"{amount:f}", "currency": "HKD",
            "reference": reference}


def decide(asked: dict[str, str], claims: dict[str, Any],
           require_liveness: bool = False) -> list[tuple[str, str]]:
    """Why the account must not be opened, in both languages (empty: open it).

    Facts only from the validated ID token: face ``acr``, ``face`` in ``amr``, a passed match
    in ``face_assurance``, and the confirmed transaction equal to the one asked for."""
    reasons: list[tuple[str, str]] = []
    if claims.get("acr") != ACR_FACE:
        reasons.append(("iAM Smart did not confirm your face for this application.",
                        "「智方便」未有為這宗申請核實你的面孔。"))
    amr = claims.get("amr")
    if not isinstance(amr, list) or "face" not in amr:
        reasons.append(("The login did not include a face check.", "登入未有包括面孔核實。"))
    assurance = claims.get("face_assurance")
    if not isinstance(assurance, dict) or assurance.get("match") != "passed":
        reasons.append(("No passed face match was reported.", "未有收到面孔比對通過的結果。"))
    elif require_liveness and assurance.get("liveness") != "evaluated":
        reasons.append(("This bank requires a liveness check, which was not evaluated.",
                        "本銀行要求活體檢測，但這次未有評估。"))
    confirmed = claims.get("authorization_details")
    if confirmed != [asked]:
        reasons.append(("The transaction iAM Smart confirmed is not the one we asked for.",
                        "「智方便」確認的交易與我們要求的不符。"))
    return reasons


# ------------------------------------------------------------------------------ state


@dataclass
class Application:
    """A browser's last application: the bank's decision and what it was based on."""

    asked: dict[str, str]
    at: float
    outcome: str  # "opened" or "refused"
    reasons: list[tuple[str, str]] = field(default_factory=list)
    claims: dict[str, Any] = field(default_factory=dict)  # from the ID token (no tokens)
    name: tuple[str, str] = ("", "")
    account_number: str | None = None
    id_token: str = field(default="", repr=False)
    refresh_token: str | None = field(default=None, repr=False)


class BankService(RelyingPartySite):
    """The sandbox bank's web site (HTTP on loopback) and its client registration."""

    name = "bank"
    name_en, name_tc, department, scopes = NAME_EN, NAME_TC, DEPARTMENT, SCOPES
    session_seconds = SESSION_SECONDS
    expired_words = ("This application was not started here, or it has expired. "
                     "Please start again.", "此申請並非在此開始或已過期，請重新開始。")

    def __init__(self, issuer: str, host: str = "127.0.0.1", port: int = 0,
                 client_id: str = CLIENT_ID, require_liveness: bool = False) -> None:
        super().__init__(issuer, host, port, client_id)
        self.require_liveness = require_liveness
        self._csrf: dict[str, str] = {}  # by browser cookie

    def register(self) -> None:
        self.register_client(sector_identifier=SECTOR)

    def csrf(self, browser: str) -> str:
        with self._lock:
            return self._csrf.setdefault(browser, secrets.token_urlsafe(24))

    def begin(self, browser: str, product: str, deposit: str) -> str:
        """Push a login at the face level confirming this application's transaction (the
        transaction comes back with the callback); ``ValueError`` for a bad application."""
        reference = f"ACC-{time.strftime('%Y%m%d')}-{secrets.randbelow(10**6):06d}"
        asked = transaction(product, deposit, reference)
        return self.push(browser, asked, acr_values=ACR_FACE, authorization_details=[asked])

    def complete(self, browser: str, query: dict[str, str]) -> str:
        """Decide on the application from the callback; the page that shows the decision."""
        answer = self.callback(browser, query)
        asked: dict[str, str] = answer.then
        if answer.error is not None or answer.result is None:
            if answer.error == "access_denied":
                reasons = [("The login or the face check was declined or did not pass: no "
                            "account was opened.",
                            "登入或面孔核實被拒絕或未能通過：未有開立戶口。")]
            else:
                reasons = [("The login did not complete: no account was opened.",
                            "未能完成登入：未有開立戶口。")]
            application = Application(asked, time.time(), "refused", reasons)
        else:
            result = answer.result
            claims, token = result["id_claims"], result["token"]
            reasons = decide(asked, claims, self.require_liveness)
            shown = {k: claims[k] for k in ("sub", "acr", "amr", "auth_time", "face_assurance",
                                            "authorization_details") if k in claims}
            info = result["userinfo"]
            name = (str(info.get("name") or ""), str(info.get("name#zh-Hant") or ""))
            number = None if reasons else (f"888-{secrets.randbelow(10**6):06d}-"
                                           f"{secrets.randbelow(1000):03d}")
            application = Application(asked, time.time(),
                                      "refused" if reasons else "opened", reasons, shown, name,
                                      number, id_token=str(token.get("id_token", "")),
                                      refresh_token=token.get("refresh_token"))
        self.sessions.put(browser, application)
        return "/application"

    def application(self, browser: str) -> Application | None:
        return self.sessions.get(browser)


# ------------------------------------------------------------------------------ HTTP


def _words(value: Any) -> str:
    if isinstance(value, str) and value in VALUE_WORDS:
        return _bi(*VALUE_WORDS[value])
    return _value(value)


class _Handler(RelyingPartyHandler):
    server_version = "bank-sandbox"
    svc: BankService
    cookie_name = COOKIE
    site_en, site_tc = NAME_EN, NAME_TC
    page_note = ("This is a sandbox bank for testing. It is not a real bank.",
                 "這是供測試用的沙盒銀行，並非真正的銀行。")
    failed_title = ("Application not completed", "未能完成申請")
    style = BANK_STYLE
    icon = FAVICON
    max_body = 4096
    get_routes: ClassVar[dict[str, str]] = {
        **RelyingPartyHandler.get_routes, "/": "_home", "/application": "_application"}
    post_routes: ClassVar[dict[str, str]] = {**RelyingPartyHandler.post_routes,
                                             "/open": "_open"}

    def _may_post(self, request: Request) -> bool:
        """Every form of the bank carries the browser's CSRF token."""
        return not request.new and secrets.compare_digest(request.form.get("csrf", ""),
                                                          self.svc.csrf(request.browser))

    def _open(self, request: Request) -> None:
        form = request.form
        try:
            url = self.svc.begin(request.browser, form.get("product", ""),
                                 form.get("deposit", "")[:20])
        except ValueError:
            self._home(request, problem=(
                "Please choose an account and an initial deposit between HKD 0 and "
                "HKD 1,000,000.",
                "請選擇戶口類別，並輸入 0 至 1,000,000 港元之間的首次存款。"))
            return
        self._redirect(url)

    # -- pages
    def _home(self, request: Request, problem: tuple[str, str] | None = None) -> None:
        browser, cookie = request.browser, request.cookie
        csrf = html.escape(self.svc.csrf(browser))
        choices = "".join(
            f'<p class="choice"><input type="radio" id="product-{key}" name="product" '
            f'value="{key}"{" checked" if key == "savings" else ""}>'
            f'<label for="product-{key}">{_bi(en, tc)}</label></p>'
            for key, (en, tc) in PRODUCTS.items())
        error = (f'<p class="error" id="problem" role="alert">{_bi(*problem)}</p>'
                 if problem else "")
        earlier = ""
        if self.svc.application(browser) is not None:
            earlier = (f'<p><a href="/application" id="earlier">'
                       f'{_bi("See your last application", "查看你上一宗申請")}</a></p>')
        self._page(400 if problem else 200, ("Open an account online", "網上開戶"), f"""
{error}
<p>{_bi("Open an account in a few minutes, entirely online. We ask iAM Smart to confirm it is "
        "you with a live face check: you will see this application's details before you "
        "take a photo, and we receive only the result, never your photo.",
        "只需數分鐘，全程網上開戶。我們會請「智方便」以即時面孔核實確認是你本人：拍照前你會看到"
        "這宗申請的資料，我們只會收到核實結果，不會收到你的相片。")}</p>
<p>{_bi("You need an iAM Smart+ account and a face template kept with iAM Smart (Face data "
        "page of your iAM Smart account).",
        "你需要「智方便+」帳戶，並已在「智方便」保存面孔模板（帳戶的「面孔資料」頁面）。")}</p>
<form method="post" action="/open" id="open-form">
<input type="hidden" name="csrf" value="{csrf}">
<fieldset>
<legend>{_bi("Account", "戶口類別")}</legend>
{choices}
</fieldset>
<div class="field">
<label for="deposit">{_bi("Initial deposit (HKD)", "首次存款（港元）")}</label>
<input id="deposit" name="deposit" inputmode="decimal" value="500.00" maxlength="20"
 aria-describedby="deposit-hint">
<p class="hint" id="deposit-hint">{_bi("From HKD 0 to HKD 1,000,000.",
                                       "0 至 1,000,000 港元。")}</p>
</div>
<p><button class="button" id="open" type="submit">{
    _bi("Open an account with iAM Smart", "以「智方便」開戶")}</button></p>
</form>
{earlier}
""", cookie)

    def _application(self, request: Request) -> None:
        browser, cookie = request.browser, request.cookie
        application = self.svc.application(browser)
        if application is None:
            self._redirect("/", cookie)
            return
        if application.outcome == "opened":
            name, number = application.name, application.account_number
            words = _bi(f"Account opened for {name[0]}. Account number: {number}",
                        f"已為{name[1] or name[0]}開立戶口。戶口號碼：{number}")
            verdict = (f'<p class="done" id="decision" data-outcome="opened" role="status">'
                       f"{words}</p>")
        else:
            items = "".join(f"<li>{_bi(en, tc)}</li>" for en, tc in application.reasons)
            verdict = (f'<div class="error" id="decision" data-outcome="refused" role="alert">'
                       f'<p>{_bi("We did not open the account.", "我們未有開立戶口。")}</p>'
                       f'<ul id="reasons">{items}</ul></div>')
        asked = "".join(
            f'<tr data-txn="{k}"><th scope="row">{_bi(*label)}</th><td>'
            f'{html.escape(_txn_value(application.asked, k))}</td></tr>'
            for k, label in TXN_LABELS.items())
        claims = application.claims
        rows = []
        for key, label in (("sub", ("Your identifier at this bank (pairwise)",
                                    "你在本銀行的識別碼（按服務分配）")),
                           ("acr", ("Assurance level (acr)", "認證級別（acr）")),
                           ("amr", ("How you were checked (amr)", "核實方式（amr）")),
                           ("auth_time", ("Checked at", "核實時間"))):
            if key in claims:
                value = claims[key]
                if key == "auth_time" and isinstance(value, int):
                    value = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(value))
                rows.append(f'<tr data-claim="{key}"><th scope="row">{_bi(*label)}</th>'
                            f"<td>{_value(value)}</td></tr>")
        assurance = claims.get("face_assurance")
        if isinstance(assurance, dict):
            for key, value in assurance.items():
                label = ASSURANCE_LABELS.get(key, (key, key))
                rows.append(f'<tr data-assurance="{html.escape(str(key))}"><th scope="row">'
                            f"{_bi(*label)}</th><td>{_words(value)}</td></tr>")
        nothing = _bi("Nothing: iAM Smart did not log you in.", "沒有：「智方便」未有讓你登入。")
        received = (f'<table id="claims">{"".join(rows)}</table>' if rows else
                    f'<p id="no-claims">{nothing}</p>')
        confirmed_rows = ""
        confirmed = claims.get("authorization_details")
        if isinstance(confirmed, list):
            for detail in confirmed:
                if isinstance(detail, dict):
                    confirmed_rows += "".join(
                        f'<tr data-confirmed="{k}"><th scope="row">{_bi(*label)}</th><td>'
                        f'{html.escape(_txn_value(detail, k))}</td></tr>'
                        for k, label in TXN_LABELS.items() if k in detail)
        confirmed_html = (f'<table id="confirmed">{confirmed_rows}</table>' if confirmed_rows
                          else f'<p id="no-confirmed">{_bi("None.", "沒有。")}</p>')
        note = ""
        if isinstance(assurance, dict) and assurance.get("liveness") == "not_evaluated":
            words = _bi(
                "Liveness was not evaluated for this check (the sandbox's local face engine "
                "cannot do it). iAM Smart says so instead of claiming it; this sandbox bank "
                "accepts it, a real bank may not.",
                "這次核實未有評估活體檢測（沙盒的本地面孔引擎未能進行）。「智方便」如實說明而非"
                "聲稱已檢測；本沙盒銀行接受，真正的銀行可能不接受。")
            note = f'<p class="note" id="liveness-note">{words}</p>'
        csrf = html.escape(self.svc.csrf(browser))
        logout = ""
        if application.id_token:
            logout = (f'<form method="post" action="/logout"><input type="hidden" name="csrf" '
                      f'value="{csrf}"><button class="button secondary" id="logout" '
                      f'type="submit">{_bi("Log out", "登出")}</button></form>')
        self._page(200, ("Your application", "你的申請"), f"""
{verdict}
<h2>{_bi("What we asked iAM Smart to confirm", "我們請「智方便」確認的交易")}</h2>
<table id="asked">{asked}</table>
<h2>{_bi("What iAM Smart confirmed", "「智方便」確認的交易")}</h2>
{confirmed_html}
<h2>{_bi("What we received about the check", "我們收到的核實資料")}</h2>
{received}
{note}
<p><a class="button secondary" id="again" href="/">{
    _bi("Start another application", "開始另一宗申請")}</a></p>
{logout}
""", cookie)


def _txn_value(detail: dict[str, Any], key: str) -> str:
    if key == "amount":
        return f"{detail.get('currency', '')} {detail.get('amount', '')}".strip()
    return str(detail.get(key, ""))


BankService.handler = _Handler
