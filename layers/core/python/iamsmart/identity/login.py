"""Login transactions: what the browser shows (a number, a QR code, a passkey challenge) and
how the citizen's device or passkey completes it.

One record per transaction (``dal``: in the sessions table), with the hash of the browser's
login-cookie secret (the ``iamsmart_login`` cookie, ``<txn id>.<secret>``: the transaction
is only visible to the browser that started it), the 2-digit number and its two decoys
(fixed at start: fetching the choices again never reveals which one is right), the QR
secret ``k``, the WebAuthn challenge, the service's names, and ``expires_at``. When the OIDC
``login_hint`` names an account, a push under that account lets its devices find the
request; the browser's answer is the same either way.

Number matching: the device must send the number shown in the browser that started the
transaction; a relayed QR code is useless without it. Three wrong numbers deny the
transaction (``denied_reason`` "wrong_number": the page says so, never "declined"); failures
also count per account and per source (``limits``). The browser's own view shows how many
wrong numbers were sent and how many tries are left (that browser shows the number anyway).

Every end state names its way back: ``service.uri`` is the service's own registered address
(``return_uri``: its first post-logout redirect URI, else its initiate-login URI, else the
origin of its first redirect URI; never anything from a request), and an expired or denied
login also gets ``next`` (the resume path: the service hears ``access_denied``). The login
cookie outlives the transaction by ``END_SECONDS`` so that a page left open can still be told
that its login expired.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from iamsmart import errors
from iamsmart.common import replay
from iamsmart.identity import assurance, authenticators, dal, devices, limits, sessions
from iamsmart.metrics import Metric
from iamsmart.settings import settings

COOKIE = "iamsmart_login"
MAX_WRONG_NUMBERS = 3
END_SECONDS = 600  # the end state stays readable (by this browser) this long after expiry
WRONG_NUMBER = "wrong_number"  # denied_reason: the device sent a wrong number three times
RESUME_PATH = "/v1/oidc/authorize/resume"
# The portal's own login (the account page): a login transaction with no authorization
# request behind it; it resumes here and ends with a session only.
PORTAL = "portal"
PORTAL_RESUME_PATH = "/v1/me/login/resume"


@dataclass(frozen=True)
class Display:
    """Who the login is for, as the login page and the app show it."""

    client_id: str
    name_en: str
    name_tc: str


PORTAL_DISPLAY = Display(PORTAL, "iAM Smart portal: my account", "「智方便」網站：我的帳戶")
PORTAL_RETURN = "/account.html"


def return_uri(client: Any) -> str:
    """Where "Back to the service" goes: only what the service registered (validated https,
    or http on loopback, by ``clients.validate_registration``)."""
    from urllib.parse import urlsplit

    if isinstance(client, Display):
        return PORTAL_RETURN
    landing = tuple(getattr(client, "post_logout_redirect_uris", ()) or ())
    if landing:
        return str(landing[0])
    if getattr(client, "initiate_login_uri", None):
        return str(client.initiate_login_uri)
    parts = urlsplit(str(client.redirect_uris[0]))
    return f"{parts.scheme}://{parts.netloc}/"

Status = Literal["pending", "authenticated", "denied", "expired"]


class LoginNotFound(errors.NotFound):
    """Unknown transaction, or not this browser's (the two are indistinguishable)."""

    code = "login_not_found"
    en = "This login request was not found. Please start again from the service."
    tc = "找不到此登入要求。請返回有關服務重新開始。"


class LoginExpired(errors.Forbidden):
    code = "login_expired"
    en = "This login request has expired. Please start again from the service."
    tc = "此登入要求已過期。請返回有關服務重新開始。"

    def __init__(self, grant_id: str | None = None) -> None:
        super().__init__()
        self.grant_id = grant_id  # not in details: never shown in the answer


class LoginDenied(errors.Forbidden):
    code = "access_denied"
    en = "The login was declined."
    tc = "登入已被拒絕。"

    def __init__(self, grant_id: str | None = None) -> None:
        super().__init__()
        self.grant_id = grant_id


class LoginPending(errors.Forbidden):
    code = "login_pending"
    en = "The login has not been approved yet."
    tc = "登入尚未獲批准。"


class LoginClosed(errors.Conflict):
    code = "login_closed"
    en = "This login request is no longer waiting for approval."
    tc = "此登入要求已不再等待批准。"


class WrongNumber(errors.Forbidden):
    code = "wrong_number"
    en = "The number does not match the one shown on the login page."
    tc = "所選號碼與登入頁面顯示的號碼不符。"


@dataclass(frozen=True)
class LoginResult:
    txn_id: str
    grant_id: str
    client_id: str
    account_id: str
    amr: tuple[str, ...]
    acr: str
    auth_time: int
    acr_values: tuple[str, ...] = ()
    prompt_login: bool = False
    # The face step-up's facts (faces.stepup), when one passed for this transaction.
    face: dict[str, Any] | None = None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _valid_txn_id(txn_id: str) -> bool:
    return 16 <= len(txn_id) <= 64 and all(c.isalnum() or c in "-_" for c in txn_id)


def qr_payload(txn_id: str, k: str) -> str:
    return "iamsmart://approve?" + urlencode({"txn": txn_id, "k": k})


def start(*, grant_id: str, client: Any, login_hint: str | None, acr_values: list[str],
          prompt_login: bool) -> tuple[str, str]:
    """A new login transaction for an authorization request; returns its id and the
    Set-Cookie value binding it to this browser."""
    from iamsmart.identity import accounts

    txn_id = secrets.token_urlsafe(18)
    secret = secrets.token_urlsafe(32)
    number = 10 + secrets.randbelow(90)
    choices = [number]
    while len(choices) < 3:
        decoy = 10 + secrets.randbelow(90)
        if decoy not in choices:
            choices.append(decoy)
    secrets.SystemRandom().shuffle(choices)
    now = dal.now()
    expires_at = now + settings().login_seconds
    hinted = accounts.find_by_login_hint(login_hint) if login_hint else None
    fields = {
        "cookie_hash": _hash(secret), "grant_id": grant_id,
        "client_id": client.client_id, "name_en": client.name_en, "name_tc": client.name_tc,
        "return_uri": return_uri(client),
        "number": number, "choices": choices, "k": secrets.token_urlsafe(16),
        "challenge": base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode(),
        "status": "pending", "attempts": 0, "acr_values": list(acr_values) or None,
        "prompt_login": bool(prompt_login), "hint_account_id": hinted,
        "created_at": now, "expires_at": expires_at,
    }
    dal.save_login(txn_id, fields, push_to=hinted)  # one call whether or not the hint resolved
    cookie = sessions.cookie_header(COOKIE, f"{txn_id}.{secret}",
                                    settings().login_seconds + END_SECONDS)
    return txn_id, cookie


def clear_cookie_header() -> str:
    """Set-Cookie value removing the login cookie (once the transaction is consumed)."""
    return sessions.cookie_header(COOKIE, "", 0)


def _load(txn_id: str, *, consistent: bool = True) -> dict[str, Any] | None:
    if not _valid_txn_id(txn_id):
        return None
    return dal.login(txn_id, consistent=consistent)


def _bound(txn_id: str, cookie_header: str | None) -> dict[str, Any]:
    """The transaction, if this browser's login cookie is the one that started it."""
    parts = sessions.split_value(sessions.read_cookie(cookie_header, COOKIE))
    if parts is None or parts[0] != txn_id:
        raise LoginNotFound()
    item = _load(txn_id)
    if item is None or not hmac.compare_digest(str(item["cookie_hash"]), _hash(parts[1])):
        raise LoginNotFound()
    return item


def _status(item: dict[str, Any], now: int) -> Status:
    if int(item["expires_at"]) <= now:
        return "expired"
    return item["status"]  # type: ignore[no-any-return]


def _next(txn_id: str, item: dict[str, Any] | None = None) -> str:
    portal = item is not None and item.get("grant_id") == PORTAL
    return f"{PORTAL_RESUME_PATH if portal else RESUME_PATH}?{urlencode({'txn': txn_id})}"


def view(txn_id: str, cookie_header: str | None) -> tuple[dict[str, Any], list[str]]:
    """What the login page shows (``GET /v1/login/{txn}``), and the cookies to set: once
    authenticated, the resume hint (``resume_hint``)."""
    import segno

    from iamsmart.identity import passkeys

    item = _bound(txn_id, cookie_header)
    now = dal.now()
    status = _status(item, now)
    service = {"name_en": item["name_en"], "name_tc": item["name_tc"]}
    if item.get("return_uri"):
        service["uri"] = item["return_uri"]
    answer: dict[str, Any] = {
        "status": status, "service": service,
        "expires_in": max(0, int(item["expires_at"]) - now),
    }
    if status == "pending" and int(item.get("attempts", 0)):
        answer["wrong_numbers"] = int(item["attempts"])
        answer["tries_left"] = max(0, MAX_WRONG_NUMBERS - int(item["attempts"]))
    if status == "denied" and item.get("denied_reason"):
        answer["reason"] = item["denied_reason"]
    if status == "pending":
        payload = qr_payload(txn_id, str(item["k"]))
        answer["number"] = int(item["number"])
        answer["qr"] = {"payload": payload,
                        "svg": segno.make(payload, error="m").svg_data_uri(scale=5, border=2)}
        answer["app_link"] = payload
        answer["passkey"] = passkeys.authentication_options(
            base64.urlsafe_b64decode(item["challenge"] + "=" * (-len(item["challenge"]) % 4)),
            answer["expires_in"])
    if status in ("authenticated", "denied", "expired"):
        answer["next"] = _next(txn_id, item)
    if status == "authenticated" and _face_wanted(item):
        # The service asked for the face level: the step-up page comes before the resume.
        answer["next"] = f"{FACE_PAGE}?{urlencode({'txn': txn_id})}"
        answer["face_required"] = True
    return answer, _hint_cookies(txn_id, item, status, now)


def _complete(txn_id: str, account_id: str, amr: tuple[str, ...], acr: str,
              method: str, *, k: str | None = None, number: int | None = None,
              guards: list[replay.Guard] | None = None) -> bool:
    """Authenticate a pending login (with ``k`` and ``number``: only if they match), with
    the device request's replay check (``guards``, emptied) in the same transaction: a
    replayed request is refused as before, and when only the login's condition failed the
    check is recorded anyway (``replay.after_failure``)."""
    pending = list(guards or ())
    if guards:
        guards.clear()
    answer = dal.complete_login(txn_id, account_id=account_id, amr=list(amr), acr=acr,
                                now=dal.now(), method=method, k=k, number=number,
                                guards=[g.put() for g in pending])
    if isinstance(answer, list):
        replay.after_failure(pending, answer)
    done = answer is True
    if done:
        _count(Metric.LOGIN_AUTHENTICATED, method=method)
    return done


def _count(name: Metric, **dimensions: str) -> None:
    """A login metric (the operators' dashboard, infra/stacks/ops.py, plots these names)."""
    from iamsmart.observability import count

    count(name, 1, **dimensions)


def _deny(txn_id: str, reason: str | None = None) -> None:
    dal.deny_login(txn_id, reason)


def _achieved(account: Any) -> str:
    # Both the passkey and the device key reach the account's own level (face is apart).
    return str(account.acr)


def passkey(txn_id: str, cookie_header: str | None, credential: Any,
            source: str) -> tuple[dict[str, Any], list[str]]:
    """``POST /v1/login/{txn}/passkey``: verify an assertion for this transaction's
    challenge; failures count per source and per account. The answer, and the cookies to set
    (the resume hint)."""
    from iamsmart.identity import accounts, passkeys

    item = _bound(txn_id, cookie_header)
    if _status(item, dal.now()) != "pending":
        raise LoginClosed()
    limits.check(("passkey-source", source))
    try:
        account_id, _ = passkeys.identify(credential)
    except passkeys.PasskeyRejected:
        limits.fail(("passkey-source", source))
        raise
    limits.check(("passkey-account", account_id))
    challenge = base64.urlsafe_b64decode(item["challenge"] + "=" * (-len(item["challenge"]) % 4))
    try:
        used = passkeys.verify_assertion(credential, challenge)
        account = accounts.get(used.account_id)
        if account.status != "active":
            raise passkeys.PasskeyRejected()
    except (passkeys.PasskeyRejected, accounts.AccountNotFound):
        limits.fail(("passkey-source", source), ("passkey-account", account_id))
        raise passkeys.PasskeyRejected() from None
    if not _complete(txn_id, account.id, assurance.AMR_PASSKEY, _achieved(account), "passkey"):
        raise LoginClosed()
    done = {**item, "account_id": account.id}
    return ({"status": "authenticated", "next": _next(txn_id, item)},
            _hint_cookies(txn_id, done, "authenticated", dal.now()))


def result(txn_id: str, cookie_header: str | None) -> LoginResult:
    """The authenticated outcome, for this browser only, once (the transaction is consumed).
    ``LoginNotFound`` (unknown / another browser), ``LoginExpired``, ``LoginDenied`` (both
    carry ``grant_id`` for the error redirect, and consume the transaction too), or
    ``LoginPending``."""
    parts = _cookie_parts(txn_id, cookie_header)
    # The usual case in one call: bound to this browser, authenticated, not expired.
    taken = dal.take_authenticated_login(txn_id, _hash(parts[1]), dal.now())
    if taken is None:
        outcome(txn_id, cookie_header, dal.login(txn_id))
        raise LoginNotFound()  # authenticated, yet not taken: consumed concurrently
    return _result(txn_id, taken)


def outcome(txn_id: str, cookie_header: str | None,
            login: dict[str, Any] | None) -> LoginResult:
    """``result`` from the transaction as read (``login``: ``from_item`` of what was read at
    ``location``, or ``dal.login``), not taken yet: the caller takes it in its own write
    (``taken``). The same refusals as ``result`` (an expired or denied login is consumed)."""
    parts = _cookie_parts(txn_id, cookie_header)
    if login is None or not hmac.compare_digest(str(login["cookie_hash"]), _hash(parts[1])):
        raise LoginNotFound()
    status = _status(login, dal.now())
    if status == "authenticated":
        return _result(txn_id, login)
    if status == "pending":
        raise LoginPending()
    if dal.take_login(txn_id, login["status"]) is None:  # consumed concurrently
        raise LoginNotFound()
    if status == "expired":
        raise LoginExpired(grant_id=str(login["grant_id"]))
    raise LoginDenied(grant_id=str(login["grant_id"]))


def load(txn_id: str, cookie_header: str | None) -> dict[str, Any] | None:
    """The transaction as it is (one consistent read), for ``outcome``; nothing is read for
    a browser without this transaction's login cookie (``LoginNotFound``)."""
    _cookie_parts(txn_id, cookie_header)
    return _load(txn_id)


def location(txn_id: str) -> tuple[str, dict[str, str]]:
    """Where the transaction is: (table, key), for a caller's batch read (``outcome``)."""
    return dal.login_location(txn_id)


def from_item(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """The transaction in an item read at ``location``."""
    return dal.login_from_item(item)


def taken(txn_id: str, cookie_header: str | None) -> dict[str, Any]:
    """The transaction element that consumes an ``outcome``: it fails unless the login is
    still this browser's, authenticated and unexpired (so it is used once)."""
    parts = _cookie_parts(txn_id, cookie_header)
    return dal.take_authenticated_login_action(txn_id, _hash(parts[1]), dal.now())


def _cookie_parts(txn_id: str, cookie_header: str | None) -> tuple[str, str]:
    parts = sessions.split_value(sessions.read_cookie(cookie_header, COOKIE))
    if parts is None or parts[0] != txn_id or not _valid_txn_id(txn_id):
        raise LoginNotFound()
    return parts


def _result(txn_id: str, login: dict[str, Any]) -> LoginResult:
    return LoginResult(txn_id=txn_id, grant_id=str(login["grant_id"]),
                       client_id=str(login["client_id"]), account_id=str(login["account_id"]),
                       amr=tuple(login["amr"]), acr=str(login["acr"]),
                       auth_time=int(login["auth_time"]),
                       acr_values=tuple(login.get("acr_values") or ()),
                       prompt_login=bool(login.get("prompt_login")),
                       face=login.get("face"))


# --- the resume hint ----------------------------------------------------------------------
# Once the login page learns that its login is authenticated, its browser is given the
# ``iamsmart_resume`` cookie (HttpOnly, sent to the resume path only, for the login's life):
# ``<txn id>~<account id>~<grant id>~<client id>``, what the resume reads together (one
# BatchGetItem: the transaction, the grant, the account and the remembered consent). It is
# a hint, never trusted: the transaction read with it must name the same three, or the
# resume reads them again. The SSO session cookie names the account the same way.

RESUME_HINT = "iamsmart_resume"


@dataclass(frozen=True)
class ResumeHint:
    account_id: str
    grant_id: str
    client_id: str

    def matches(self, result: LoginResult) -> bool:
        return (self.account_id, self.grant_id, self.client_id) == (
            result.account_id, result.grant_id, result.client_id)


def resume_hint(txn_id: str, cookie_header: str | None) -> ResumeHint | None:
    """The resume hint this browser holds for ``txn_id`` (None: none, another, malformed)."""
    value = sessions.read_cookie(cookie_header, RESUME_HINT)
    if not value or len(value) > 512 or value.count("~") != 3:
        return None
    txn, account_id, grant_id, client_id = value.split("~")
    if txn != txn_id or not (account_id and grant_id and client_id) or "#" in account_id:
        return None
    return ResumeHint(account_id, grant_id, client_id)


def clear_resume_hint() -> str:
    return sessions.cookie_header(RESUME_HINT, "", 0, path=RESUME_PATH)


def _hint_cookies(txn_id: str, item: dict[str, Any], status: str, now: int) -> list[str]:
    if status != "authenticated" or item.get("grant_id") == PORTAL:
        return []
    value = "~".join((txn_id, str(item["account_id"]), str(item["grant_id"]),
                      str(item["client_id"])))
    if len(value) > 512 or any(c in value for c in ';, "\\'):
        return []  # never a cookie a browser could misread; the resume reads it all then
    return [sessions.cookie_header(RESUME_HINT, value, max(1, int(item["expires_at"]) - now),
                                   path=RESUME_PATH)]


# --- the face step-up (iamsmart.faces.stepup) --------------------------------------------
# A service asking for ``ACR_FACE`` gets, after the device or passkey, the step-up page; only
# a passed step-up raises the transaction's ``acr`` to face (``face_passed``). Accounts below
# "plus" cannot reach the face level and go straight on (their own level is claimed).

FACE_PAGE = "/stepup.html"


def _face_wanted(item: dict[str, Any]) -> bool:
    return (assurance.ACR_FACE in (item.get("acr_values") or ())
            and item.get("acr") == assurance.ACR_PLUS and not item.get("face"))


def face_pending(txn_id: str, cookie_header: str | None) -> dict[str, Any]:
    """This browser's transaction, authenticated and waiting for its face step-up."""
    item = _bound(txn_id, cookie_header)
    if _status(item, dal.now()) != "authenticated" or not _face_wanted(item):
        raise LoginClosed()
    return item


def bound(txn_id: str, cookie_header: str | None) -> dict[str, Any]:
    """This browser's transaction, whatever its state (``LoginNotFound`` otherwise)."""
    return _bound(txn_id, cookie_header)


def face_waiting(txn_id: str, account_id: str) -> dict[str, Any]:
    """The transaction, authenticated by this citizen and waiting for its face step-up (the
    app's side: its device key, not the browser's cookie, proves who is asking)."""
    item = _load(txn_id)
    if (item is None or _status(item, dal.now()) != "authenticated"
            or item.get("account_id") != account_id or not _face_wanted(item)):
        raise LoginClosed()
    return item


def face_passed(txn_id: str, account_id: str, acr: str, amr: list[str],
                face: dict[str, Any]) -> bool:
    """Record a passed step-up (one conditional write): face ``acr``, ``amr`` extended."""
    return dal.login_face_passed(txn_id, account_id=account_id, acr=acr, amr=list(amr),
                                 face=dict(face), from_acr=assurance.ACR_PLUS, now=dal.now())


def face_declined(txn_id: str) -> None:
    """The citizen cancelled, or the attempts ran out: the service hears ``access_denied``."""
    dal.login_face_declined(txn_id)


def resume_path(txn_id: str) -> str:
    return _next(txn_id)


def now() -> int:
    return dal.now()


# --- the device's side --------------------------------------------------------------------

def _for_device(txn_id: str, k: str | None) -> dict[str, Any]:
    item = _load(txn_id)
    if item is None or not k or not hmac.compare_digest(str(item["k"]), str(k)):
        raise LoginNotFound()
    return item


def pending_for(account_id: str) -> list[dict[str, Any]]:
    """Requests pushed to the account's devices (login_hint named it), still waiting."""
    now = dal.now()
    pushed = [txn_id for txn_id, expires_at in dal.pushes(account_id, limit=20)
              if expires_at > now]
    waiting = []
    for txn_id, item in dal.logins(pushed):
        if _status(item, now) != "pending":
            continue
        waiting.append({"txn_id": txn_id, "k": item["k"],
                        "service": {"name_en": item["name_en"], "name_tc": item["name_tc"]},
                        "expires_in": int(item["expires_at"]) - now})
    return sorted(waiting, key=lambda w: -w["expires_in"])


def device_view(txn_id: str, k: str | None) -> dict[str, Any]:
    """What the app shows: the service and three numbers, one of them the browser's."""
    item = _for_device(txn_id, k)
    now = dal.now()
    if _status(item, now) != "pending":
        raise LoginClosed()
    return {"txn_id": txn_id,
            "service": {"name_en": item["name_en"], "name_tc": item["name_tc"]},
            "choices": [int(c) for c in item["choices"]],
            "expires_in": int(item["expires_at"]) - now}


def device_answer(txn_id: str, k: str | None, *, number: int | None,
                  decision: Literal["approve", "deny"], request: devices.SignedRequest,
                  source: str) -> dict[str, Any]:
    """The citizen's answer from their device, ``request`` its signed request (verified
    here). The usual approval reads the device key, the account and the limit counters in one
    BatchGetItem and writes the request's replay check with the login (one transaction); any
    other answer verifies and records the request first, as every device request does."""
    guards: list[replay.Guard] = []
    try:
        return _device_answer(txn_id, k, number=number, decision=decision, request=request,
                              source=source, guards=guards)
    except Exception:
        replay.settle(guards)
        raise


def _device_answer(txn_id: str, k: str | None, *, number: int | None,
                   decision: Literal["approve", "deny"], request: devices.SignedRequest,
                   source: str, guards: list[replay.Guard]) -> dict[str, Any]:
    from iamsmart.identity import accounts

    account_id = request.account_id
    counters: tuple[tuple[str, str | None], ...] = (("approval-account", account_id),
                                                   ("approval-source", source))
    if (decision == "approve" and number is not None and k and _valid_txn_id(txn_id)
            and "#" not in account_id):
        # The usual case in one read (the key, the limits, the account) and one write: right
        # signature, right secret, right number, still pending.
        reading = limits.read(*counters, account_id=account_id, device_id=request.device_id)
        request.verified(authenticators.device_of(reading.device), guards)
        reading.judge()
        account = accounts.of_fields(account_id, reading.account)
        if account.status != "active":
            raise errors.Forbidden()
        if _complete(txn_id, account_id, assurance.AMR_DEVICE, _achieved(account), "device",
                     k=k, number=number, guards=guards):
            _count(Metric.LOGIN_APPROVAL, decision="approve")
            return {"status": "authenticated"}
    else:
        request.verified(authenticators.get_device(account_id, request.device_id), guards)
        limits.check(*counters)
    replay.settle(guards)  # the other answers: the check first, as it always was
    try:
        item = _for_device(txn_id, k)
    except LoginNotFound:
        limits.fail(*counters)
        raise
    if _status(item, dal.now()) != "pending":
        raise LoginClosed()
    if decision == "deny":
        _deny(txn_id)
        _count(Metric.LOGIN_APPROVAL, decision="deny")
        return {"status": "denied"}
    if number is None or number != int(item["number"]):
        limits.fail(*counters)
        counted = dal.count_wrong_number(txn_id)
        attempts = MAX_WRONG_NUMBERS if counted is None else counted
        if attempts >= MAX_WRONG_NUMBERS:
            _deny(txn_id, WRONG_NUMBER)
            raise WrongNumber(en=WrongNumber.en + " The login request is now cancelled.",
                              tc=WrongNumber.tc + "此登入要求已被取消。", remaining=0)
        raise WrongNumber(remaining=MAX_WRONG_NUMBERS - attempts)
    account = accounts.get(account_id)
    if account.status != "active":
        raise errors.Forbidden()
    if not _complete(txn_id, account_id, assurance.AMR_DEVICE, _achieved(account), "device"):
        raise LoginClosed()
    _count(Metric.LOGIN_APPROVAL, decision="approve")
    return {"status": "authenticated"}
