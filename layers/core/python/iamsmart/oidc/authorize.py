"""The front channel: pushed authorization requests, the authorization endpoint, the return
from the login page, the consent decision, and RP-initiated logout.

- PAR (RFC 9126) is the only way in: everything is validated when pushed (exact redirect
  URI, scopes within the registration, PKCE S256, bounded state/nonce, prompt, max_age,
  acr_values, claims, dpop_jkt) and stored in a grant (``grants``). The authorization
  endpoint takes ``client_id`` and ``request_uri`` and nothing else.
- Errors found before the redirect URI is known to be the client's are raised (the edge shows
  them on our own page); after that, they go back to the redirect URI with ``state`` and
  ``iss`` (RFC 9207), as does every success.
- SSO: a session satisfying ``prompt``, ``max_age`` and ``acr_values`` and a remembered
  consent covering the request give a code at once (one-click login). Otherwise the citizen
  goes to the login page (``identity.login.start``, forced re-authentication when asked) and
  comes back through ``resume``, then, when needed, the consent page (the consent handle is
  the grant id; it only works with the session that logged in).
- The ID token is signed when the code is issued (one KMS Sign per login) and kept in the
  grant until the code is redeemed (the item then loses it): the token endpoint signs nothing.

Choices the contract left open: the consent page's ``txn`` is ``<grant id>~<client id>``
(an SSO login needing consent has no login transaction; the client id lets one read fetch
the remembered consent with the grant); ``prompt=select_account`` is treated as
``login``; a logout without a valid ``id_token_hint`` naming the current session asks the
citizen to confirm (a same-origin POST) rather than ending the session on a cross-site GET.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from iamsmart import errors
from iamsmart.identity import assurance
from iamsmart.oidc import claims as claimset
from iamsmart.oidc import consents, discovery, grants
from iamsmart.oidc.errors import (
    AccessDenied,
    ConsentRequired,
    InvalidDpopProof,
    InvalidRequest,
    InvalidRequestUri,
    InvalidScope,
    LoginRequired,
)

if TYPE_CHECKING:  # pragma: no cover
    from iamsmart.identity.sessions import Session, SessionRef
    from iamsmart.oidc.clients import Client

MAX_STATE = 512
MAX_NONCE = 512
MAX_LOGIN_HINT = 256
MAX_SCOPES = 20
MAX_AGE_LIMIT = 10 ** 8
_B64URL43 = re.compile(r"^[A-Za-z0-9_-]{43}$")
_PRINTABLE = re.compile(r"^[\x20-\x7e]*$")
PAR_PARAMS = frozenset({
    "response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
    "code_challenge_method", "prompt", "max_age", "acr_values", "login_hint", "dpop_jkt",
    "claims", "response_mode", "ui_locales", "authorization_details"})
CLIENT_AUTH_PARAMS = frozenset({"client_assertion", "client_assertion_type", "client_secret"})
AUTHORIZE_PARAMS = frozenset({"client_id", "request_uri"})
LOGIN_PAGE = "/login.html"
CONSENT_PAGE = "/consent.html"


class AuthorizationError(errors.InvalidInput):
    """Shown on our own page: the redirect URI could not be trusted (yet)."""

    code = "invalid_request"


@dataclass
class Outcome:
    """What the browser gets: a redirect (with cookies) or one of our pages."""

    location: str | None = None
    cookies: list[str] = field(default_factory=list)
    page: str | None = None  # "logged_out", "confirm_logout"
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Auth:
    """Who logged in, how and when (a session, or a login just completed)."""

    account_id: str
    sid: str
    auth_time: int
    acr: str
    amr: tuple[str, ...]
    face: dict[str, Any] | None = None  # face step-up facts, for this grant only

    @classmethod
    def of(cls, session: Session) -> Auth:
        return cls(session.account_id, session.id, session.auth_time, session.acr,
                   tuple(session.amr))


def _settings() -> Any:
    from iamsmart.settings import settings

    return settings()


# --- PAR --------------------------------------------------------------------------------

def _one_line(value: str | None, limit: int, name: str) -> str | None:
    if value is None:
        return None
    if len(value) > limit or not _PRINTABLE.match(value):
        raise InvalidRequest(en=f"{name} is too long or has characters that are not allowed.",
                             tc=f"{name} 過長或含有不允許的字元。")
    return value


def validate_request(client: Client, form: Mapping[str, str],
                     dpop_jkt: str | None = None) -> grants.Request:
    """A pushed request's parameters, checked against the client's registration."""
    if "request" in form or "request_uri" in form:
        raise InvalidRequest(en="request and request_uri are not accepted at PAR.",
                             tc="PAR 不接受 request 或 request_uri 參數。")
    if form.get("response_type") != "code":
        raise InvalidRequest(en="response_type must be code.", tc="response_type 必須為 code。")
    if form.get("response_mode") not in (None, "query"):
        raise InvalidRequest(en="response_mode must be query.", tc="response_mode 必須為 query。")
    redirect_uri = form.get("redirect_uri")
    if redirect_uri is None or redirect_uri not in client.redirect_uris:
        raise InvalidRequest(en="redirect_uri is not registered for this client.",
                             tc="redirect_uri 未為此用戶端登記。")
    scopes = tuple(dict.fromkeys((form.get("scope") or "").split(" ")))
    scopes = tuple(s for s in scopes if s)
    if "openid" not in scopes or len(scopes) > MAX_SCOPES:
        raise InvalidScope(en="scope must include openid.", tc="scope 必須包括 openid。")
    if not set(scopes) <= set(client.scopes) or not set(scopes) <= set(
            claimset.SCOPES_SUPPORTED):
        raise InvalidScope()
    if form.get("code_challenge_method") != "S256":
        raise InvalidRequest(en="PKCE with code_challenge_method S256 is required.",
                             tc="必須使用 code_challenge_method 為 S256 的 PKCE。")
    challenge = form.get("code_challenge") or ""
    if not _B64URL43.match(challenge):
        raise InvalidRequest(en="code_challenge is not a S256 challenge.",
                             tc="code_challenge 不是有效的 S256 值。")
    state = _one_line(form.get("state"), MAX_STATE, "state")
    nonce = _one_line(form.get("nonce"), MAX_NONCE, "nonce")
    login_hint = _one_line(form.get("login_hint"), MAX_LOGIN_HINT, "login_hint")
    prompt = tuple(p for p in (form.get("prompt") or "").split(" ") if p)
    if not set(prompt) <= set(discovery.PROMPTS) or ("none" in prompt and len(prompt) > 1):
        raise InvalidRequest(en="prompt is not valid.", tc="prompt 無效。")
    max_age: int | None = None
    if form.get("max_age") not in (None, ""):
        raw = str(form.get("max_age"))
        if not raw.isdigit() or int(raw) > MAX_AGE_LIMIT:
            raise InvalidRequest(en="max_age must be a whole number of seconds.",
                                 tc="max_age 必須為整數秒數。")
        max_age = int(raw)
    acr_values = tuple(a for a in (form.get("acr_values") or "").split(" ") if a)
    if any(assurance.rank(a) < 0 for a in acr_values) or len(acr_values) > len(
            assurance.ORDER):
        raise InvalidRequest(en="acr_values has a value the platform does not know.",
                             tc="acr_values 含有平台不認識的值。")
    try:
        asked = claimset.requested_names(form.get("claims"))
    except (ValueError, TypeError):
        raise InvalidRequest(en="claims is not valid.", tc="claims 無效。") from None
    extra = tuple(c for c in asked if c not in claimset.released(scopes))
    if not set(extra) <= set(client.claims) or not set(extra) <= set(
            claimset.IDENTITY_CLAIMS):
        raise InvalidRequest(en="A requested claim is not allowed for this client.",
                             tc="所要求的某項資料不獲准提供予此用戶端。")
    # Data exchange (iamsmart.exchange): a data-exchange authorization detail is checked
    # against the consumer's registration (THREATS 18); other types are left to others.
    from iamsmart.exchange import login as exchange_login

    exchange_details = exchange_login.validate_at_par(
        client, form.get("authorization_details"))
    if exchange_details is not None:
        form = {k: v for k, v in form.items() if k != "authorization_details"}
    jkt = form.get("dpop_jkt")
    if jkt is not None and not _B64URL43.match(jkt):
        raise InvalidRequest(en="dpop_jkt is not valid.", tc="dpop_jkt 無效。")
    if dpop_jkt is not None:
        if jkt is not None and jkt != dpop_jkt:
            raise InvalidDpopProof(en="dpop_jkt does not match the DPoP proof's key.",
                                   tc="dpop_jkt 與 DPoP 證明的金鑰不符。")
        jkt = dpop_jkt
    # Face step-up: the transaction to confirm travels only with a request for the face level.
    from iamsmart.oidc import authorization_details

    details = authorization_details.parse(form.get("authorization_details"))
    if details is not None and assurance.ACR_FACE not in acr_values:
        raise authorization_details.InvalidAuthorizationDetails(
            en="authorization_details needs acr_values with urn:iamsmart:acr:face.",
            tc="authorization_details 須與要求 urn:iamsmart:acr:face 的 acr_values 一併使用。")
    return grants.Request(redirect_uri=redirect_uri, scopes=scopes, claims=extra, state=state,
                          nonce=nonce, code_challenge=challenge, prompt=prompt,
                          max_age=max_age, acr_values=acr_values, login_hint=login_hint,
                          dpop_jkt=jkt,
                          exchange_details=exchange_details, authorization_details=details)


def push(form: Mapping[str, str], authorization: str | None,
         dpop_proof: str | None) -> dict[str, Any]:
    """``POST /v1/oidc/par``: authenticate the client, validate, store; the request_uri."""
    from iamsmart.oidc import client_auth, dpop

    client = client_auth.authenticate(form, authorization)
    unknown = set(form) - PAR_PARAMS - CLIENT_AUTH_PARAMS - {"request", "request_uri"}
    if unknown:
        raise InvalidRequest(en="Unknown parameter: " + ", ".join(sorted(unknown))[:200],
                             tc="不明參數：" + ", ".join(sorted(unknown))[:200])
    jkt = None
    if dpop_proof:
        jkt = dpop.verify(dpop_proof, method="POST",
                          url=discovery.url("pushed_authorization_request_endpoint"),
                          required=False, nonce_required=client.dpop_nonce_required)
    request = validate_request(client, form, jkt)
    grant_id, expires_in = grants.create(client.client_id, request, _settings().par_seconds)
    return {"request_uri": grants.REQUEST_URI_PREFIX + grant_id, "expires_in": expires_in}


# --- helpers ----------------------------------------------------------------------------

def redirect_to(redirect_uri: str, params: Mapping[str, str | None]) -> str:
    """``redirect_uri`` with ``params`` (and ``iss``) added to its query."""
    parts = urlsplit(redirect_uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    query.append(("iss", discovery.issuer()))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def error_redirect(request: grants.Request, error: errors.DomainError) -> str:
    return redirect_to(request.redirect_uri, {"error": error.code,
                                              "error_description": error.en,
                                              "state": request.state})


def _needs_login(request: grants.Request, session: Session | None, at: int) -> bool:
    if session is None:
        return True
    if "login" in request.prompt or "select_account" in request.prompt:
        return True
    # max_age=0 is prompt=login (OIDC Core §3.1.2.1): a session from this very second is too old.
    if request.max_age is not None and at - session.auth_time >= request.max_age:
        return True
    return bool(request.acr_values) and not assurance.satisfies(session.acr,
                                                                  request.acr_values)


def _needs_consent(request: grants.Request, consent: consents.Consent | None) -> bool:
    return (consent is None or "consent" in request.prompt
            or not consent.covers(request.scopes, request.claims)
            # Data exchange: asked unless a standing consent covers it (THREATS 17).
            or _exchange_needs_consent(request, consent))


def _exchange_needs_consent(request: grants.Request, consent: consents.Consent) -> bool:
    if not request.exchange_details:
        return False
    from iamsmart.exchange import login as exchange_login

    return exchange_login.needs_consent(request.exchange_details, consent.account_id,
                                        consent.client_id, grants.now())


def _grant_id(request_uri: str | None) -> str:
    if not request_uri or not request_uri.startswith(grants.REQUEST_URI_PREFIX):
        raise InvalidRequestUri()
    gid = request_uri.removeprefix(grants.REQUEST_URI_PREFIX)
    if grants.split(f"{gid}.{'x' * 16}") is None:
        raise InvalidRequestUri()
    return gid


def _usable(grant: grants.Grant | None, client_id: str, at: int) -> grants.Grant:
    if (grant is None or grant.client_id != client_id or grant.st != grants.REQUESTED
            or grant.req_exp <= at or grant.revoked):
        raise InvalidRequestUri()
    return grant


_TAKE = "st = :from AND client_id = :cid AND req_exp > :now AND attribute_not_exists(revoked)"


def _take(grant: grants.Grant, to: str, at: int, auth: Auth | None = None) -> grants.Grant:
    """Move a pushed request out of ``requested`` (the request_uri's single use)."""
    values: dict[str, Any] = {":from": grants.REQUESTED, ":to": to, ":cid": grant.client_id,
                              ":now": at, ":ix": at + _settings().login_seconds}
    expression = "SET st = :to, ix_exp = :ix, expires_at = :ix"
    if auth is not None:
        expression += (", account_id = :a, sid = :sid, auth_time = :at, acr = :acr, "
                       "amr = :amr")
        values.update({":a": auth.account_id, ":sid": auth.sid, ":at": auth.auth_time,
                       ":acr": auth.acr, ":amr": list(auth.amr)})
    new, _ = grants.update(grant.id, expression, _TAKE, values)
    if new is None:
        raise InvalidRequestUri()
    return new


# --- one read for everything an SSO login needs -----------------------------------------
#
# The session, the account, the pushed request and the remembered consent are four items in
# four tables; one BatchGetItem reads them all. Where the identity context keeps its records
# and how they read is its own business: ``sessions.named``/``from_item`` and
# ``accounts.item_key``/``claims_from_item`` are its public pieces for such batched reads.

def _typed(key: Mapping[str, str]) -> dict[str, Any]:
    return {name: {"S": value} for name, value in key.items()}


def _session_of(ref: SessionRef, item: Mapping[str, Any] | None) -> Session | None:
    from iamsmart.identity import sessions

    return sessions.from_item(ref, grants.deserialise(item) if item is not None else None)


def _claims_of(item: Mapping[str, Any], scopes: tuple[str, ...],
               granted: tuple[str, ...]) -> dict[str, Any]:
    """``identity.accounts.claims`` from an account item already read."""
    from iamsmart.identity import accounts

    return accounts.claims_from_item(grants.deserialise(item), scopes, granted)


def _read(grant_id: str, account_id: str, client_id: str,
          session: SessionRef | None = None) -> dict[str, Any]:
    """One BatchGetItem: grant, consent, account (and the session when named)."""
    from iamsmart.identity import accounts

    account_table, account_key = accounts.item_key(account_id)
    keys: dict[str, list[dict[str, Any]]] = {
        grants.table(): [grants.key(grant_id)],
        consents.table(): [consents.key(account_id, client_id)],
        account_table: [_typed(account_key)],
    }
    if session is not None:
        keys[session.table] = [_typed(session.key)]
    found = grants.batch_get(keys)

    def one(table: str) -> dict[str, Any] | None:
        items = found.get(table) or []
        return items[0] if items else None

    return {"grant": one(grants.table()), "consent": one(consents.table()),
            "account": one(account_table),
            "session": one(session.table) if session is not None else None}


# --- issuing the code -------------------------------------------------------------------

def _id_token(client: Client, grant: grants.Grant, auth: Auth, sub: str, scopes: tuple[str, ...],
              granted_claims: tuple[str, ...], at: int,
              account_item: Mapping[str, Any] | None = None) -> str:
    from iamsmart.identity import accounts
    from iamsmart.oidc import signing

    body: dict[str, Any] = {
        "iss": discovery.issuer(), "aud": client.client_id, "sub": sub, "iat": at,
        "exp": at + _settings().access_token_seconds, "auth_time": auth.auth_time,
        "amr": list(auth.amr)}
    if assurance.rank(auth.acr) >= 0:  # never a level the platform does not know
        body["acr"] = auth.acr
    if grant.request.nonce is not None:
        body["nonce"] = grant.request.nonce
    if auth.sid:
        body["sid"] = auth.sid
    if auth.face and auth.acr == assurance.ACR_FACE:
        # A passed face step-up (faces.stepup): its facts, and the transaction it confirmed.
        import json

        body["face_assurance"] = dict(auth.face)
        if grant.request.authorization_details:
            body["authorization_details"] = json.loads(grant.request.authorization_details)
    if claimset.released(scopes, granted_claims):
        identity = (_claims_of(account_item, scopes, granted_claims)
                    if account_item is not None
                    else accounts.claims(auth.account_id, scopes, granted_claims))
        body.update({k: v for k, v in identity.items() if k not in body})
    return signing.sign(body)


def issue_code(client: Client, grant: grants.Grant, auth: Auth,
               consent: consents.Consent | None, *, from_state: str,
               widen: bool = False, account_item: Mapping[str, Any] | None = None) -> str:
    """The code (and the ID token it will deliver), remembered consent updated in the same
    transaction; the redirect to the client. ``widen``: the citizen has just agreed."""
    s = _settings()
    at = grants.now()
    request = grant.request
    sector = consents.sector_of(client)
    sub = (consent.sub if consent is not None and consent.sector == sector
           else consents.pairwise_sub(sector, auth.account_id))
    scopes, granted_claims = request.scopes, request.claims
    id_token = _id_token(client, grant, auth, sub, scopes, granted_claims, at, account_item)
    secret = grants.new_secret()
    code_exp = at + s.code_seconds
    family_exp = code_exp + s.refresh_token_seconds
    values: dict[str, Any] = {
        ":from": from_state, ":to": grants.CODE, ":cid": client.client_id, ":now": at,
        ":h": grants.digest(secret), ":ce": code_exp, ":idt": id_token, ":a": auth.account_id,
        ":sid": auth.sid, ":at": auth.auth_time, ":acr": auth.acr, ":amr": list(auth.amr),
        ":sub": sub, ":scope": " ".join(scopes), ":fam": family_exp}
    condition = "st = :from AND client_id = :cid AND attribute_not_exists(revoked) AND "
    condition += {grants.REQUESTED: "req_exp > :now", grants.LOGIN: "ix_exp > :now",
                  grants.CONSENT: "ix_exp > :now AND account_id = :a"}[from_state]
    # Data exchange: the consent (new with its signed receipt, or the covering standing
    # one) is written in this same transaction; the grant keeps its id for the fetch.
    from iamsmart.exchange import login as exchange_login

    try:
        xhook = exchange_login.at_code(
            client_id=client.client_id, grant_id=grant.id,
            stored=request.exchange_details, account_id=auth.account_id, sub=sub,
            at=at, agreed=widen)
    except exchange_login.Missing:
        raise InvalidRequestUri() from None
    xset = ""
    if xhook is not None:
        values.update({":xc": xhook.consent_id, ":xad": xhook.echo})
        xset = ", xc = :xc, xad = :xad"
    update = grants.update_spec(
        grant.id,
        "SET st = :to, code_hash = :h, code_exp = :ce, id_token = :idt, account_id = :a, "
        "sid = :sid, auth_time = :at, acr = :acr, amr = :amr, #sub = :sub, #scope = :scope, "
        "family_exp = :fam, expires_at = :ce" + xset,
        condition, values, names={"#sub": "sub", "#scope": "scope"})
    # What stays remembered: what was agreed before and what is granted now.
    kept_scopes = set(scopes) | set(consent.scopes if consent else ())
    kept_claims = set(granted_claims) | set(consent.claims if consent else ())
    remember = consents.upsert_spec(
        account_id=auth.account_id, client_id=client.client_id, scopes=kept_scopes,
        claims=kept_claims, sub=sub, sector=sector, grant_ref=f"{grant.id}:{family_exp}",
        must_exist=consent is not None and not widen, at=at)
    if not grants.transact([update, remember, *(xhook.items if xhook else [])]):
        raise InvalidRequestUri()
    if consent is not None:
        consents.prune(consent, at)
    return redirect_to(request.redirect_uri, {"code": f"{grant.id}.{secret}",
                                              "state": request.state})


# --- the authorization endpoint ---------------------------------------------------------

def authorize(params: Mapping[str, str], http_request: Any) -> Outcome:
    """``GET /v1/oidc/authorize?client_id&request_uri``."""
    from iamsmart.identity import login, sessions
    from iamsmart.oidc import clients

    extra = set(params) - AUTHORIZE_PARAMS
    if extra:
        raise AuthorizationError(
            en="Authorization requests must be pushed (PAR): only client_id and request_uri "
               "are accepted here.",
            tc="授權要求必須經 PAR 推送：此處只接受 client_id 及 request_uri。")
    client_id = params.get("client_id")
    if not client_id:
        raise AuthorizationError(en="client_id is missing.", tc="缺少 client_id。")
    client = clients.get(client_id)
    gid = _grant_id(params.get("request_uri"))
    at = grants.now()
    named = sessions.named(http_request)
    session = None
    consent = None
    account_item = None
    if named is not None:
        found = _read(gid, named.account_id, client.client_id, session=named)
        session = _session_of(named, found["session"])
    if session is not None:
        grant = _usable(grants.Grant.from_item(found["grant"]) if found["grant"] else None,
                        client.client_id, at)
        consent = (consents.Consent.from_item(found["consent"]) if found["consent"]
                   else None)
        account_item = found["account"]
    else:
        # No session: take the request at once (one conditional write).
        grant = _take(grants.Grant(id=gid, client_id=client.client_id, st=grants.REQUESTED,
                                   request=grants.Request("", ()), req_exp=0, expires_at=0),
                      grants.LOGIN, at)
    request = grant.request
    if _needs_login(request, session, at):
        if "none" in request.prompt:
            if session is not None:
                _take(grant, grants.DENIED, at)
            return Outcome(location=error_redirect(request, LoginRequired()))
        if session is not None:
            grant = _take(grant, grants.LOGIN, at)
        txn_id, cookie = login.start(grant_id=grant.id, client=client,
                                     login_hint=request.login_hint,
                                     acr_values=list(request.acr_values),
                                     prompt_login=session is not None or "login" in request.prompt
                                     or "select_account" in request.prompt)
        return Outcome(location=f"{LOGIN_PAGE}?{urlencode({'txn': txn_id})}", cookies=[cookie])
    assert session is not None
    auth = Auth.of(session)
    if _needs_consent(request, consent):
        if "none" in request.prompt:
            _take(grant, grants.DENIED, at)
            return Outcome(location=error_redirect(request, ConsentRequired()))
        _take(grant, grants.CONSENT, at, auth)
        return Outcome(location=f"{CONSENT_PAGE}?{urlencode({'txn': consent_handle(grant)})}")
    return Outcome(location=issue_code(client, grant, auth, consent,
                                       from_state=grants.REQUESTED, account_item=account_item))


def resume(txn_id: str, http_request: Any) -> Outcome:
    """``GET /v1/oidc/authorize/resume?txn=``: the login page is done."""
    from iamsmart.identity import login, sessions
    from iamsmart.oidc import clients

    cookie_header = _header(http_request, "cookie")
    try:
        result = login.result(txn_id, cookie_header)
    except (login.LoginDenied, login.LoginExpired) as exc:
        grant = grants.get(exc.grant_id) if exc.grant_id else None
        if grant is None or grant.st != grants.LOGIN:
            raise
        _, _ = grants.update(grant.id, "SET st = :to", "st = :from",
                             {":to": grants.DENIED, ":from": grants.LOGIN})
        return Outcome(location=error_redirect(grant.request, AccessDenied()))
    at = grants.now()
    found = _read(result.grant_id, result.account_id, result.client_id)
    grant = grants.Grant.from_item(found["grant"]) if found["grant"] else None
    if (grant is None or grant.st != grants.LOGIN or grant.client_id != result.client_id
            or grant.ix_exp <= at or grant.revoked):
        raise InvalidRequestUri()
    consent = consents.Consent.from_item(found["consent"]) if found["consent"] else None
    client = clients.get(grant.client_id)
    if result.face:
        # A face step-up counts for this grant only: the session keeps the account's level
        # (the next service asking for face gets its own live check).
        amr = tuple(m for m in result.amr if m not in ("face", "liveness"))
        session, cookie = sessions.create(result.account_id, amr, assurance.ACR_PLUS,
                                          result.auth_time)
        auth = Auth(session.account_id, session.id, session.auth_time, result.acr,
                    tuple(result.amr), dict(result.face))
    else:
        session, cookie = sessions.create(result.account_id, result.amr, result.acr,
                                          result.auth_time)
        auth = Auth.of(session)
    if _needs_consent(grant.request, consent):
        values = {":to": grants.CONSENT, ":from": grants.LOGIN, ":a": auth.account_id,
                  ":sid": auth.sid, ":at": auth.auth_time, ":acr": auth.acr,
                  ":amr": list(auth.amr), ":now": at, ":face": auth.face or {}}
        new, _ = grants.update(
            grant.id, "SET st = :to, account_id = :a, sid = :sid, auth_time = :at, "
            "acr = :acr, amr = :amr, face = :face", "st = :from AND ix_exp > :now", values)
        if new is None:
            raise InvalidRequestUri()
        return Outcome(location=f"{CONSENT_PAGE}?{urlencode({'txn': consent_handle(grant)})}",
                       cookies=[cookie])
    location = issue_code(client, grant, auth, consent, from_state=grants.LOGIN,
                          account_item=found["account"])
    return Outcome(location=location, cookies=[cookie])


# --- consent ----------------------------------------------------------------------------

def consent_handle(grant: grants.Grant) -> str:
    """``<grant id>~<client id>``: what the consent page's ``txn`` carries (the client id
    lets one read fetch the remembered consent with the grant)."""
    return f"{grant.id}~{grant.client_id}"


def _consent_grant(handle: str, http_request: Any, with_consent: bool = False,
                   ) -> tuple[grants.Grant, Session, dict[str, Any]]:
    """The grant waiting for this session's consent (one BatchGetItem: session, grant, and
    ``with_consent`` the remembered consent and the account)."""
    from iamsmart.identity import sessions

    gid, _, client_id = handle.partition("~")
    if grants.split(f"{gid}.{'x' * 16}") is None or not client_id or len(client_id) > 64:
        raise errors.NotFound()
    named = sessions.named(http_request)
    if named is None:
        raise errors.Unauthorized(en="Please log in again.", tc="請重新登入。")
    at = grants.now()
    if not with_consent:
        found = grants.batch_get({grants.table(): [grants.key(gid)],
                                  named.table: [_typed(named.key)]})
        items: dict[str, Any] = {
            "grant": next(iter(found.get(grants.table()) or []), None),
            "session": next(iter(found.get(named.table) or []), None)}
    else:
        items = _read(gid, named.account_id, client_id, session=named)
    session = _session_of(named, items["session"])
    if session is None:
        raise errors.Unauthorized(en="Please log in again.", tc="請重新登入。")
    grant = grants.Grant.from_item(items["grant"]) if items["grant"] else None
    if (grant is None or grant.st != grants.CONSENT or grant.ix_exp <= at
            or grant.account_id != session.account_id or grant.sid != session.id
            or grant.revoked or grant.client_id != client_id):
        raise errors.NotFound()
    return grant, session, items


def consent_view(handle: str, http_request: Any) -> dict[str, Any]:
    """What the consent page shows: the service and what it asks for, in both languages."""
    from iamsmart.oidc import clients

    grant, _, _ = _consent_grant(handle, http_request)
    client = clients.get(grant.client_id)
    return {"client": {"client_id": client.client_id, "name_en": client.name_en,
                       "name_tc": client.name_tc},
            **claimset.labels(grant.request.scopes, grant.request.claims),
            "expires_in": max(0, grant.ix_exp - grants.now()),
            # Data exchange: who, which fields, from whom, why, how long (or null).
            "data_exchange": _exchange_page(grant)}


def _exchange_page(grant: grants.Grant) -> dict[str, Any] | None:
    from iamsmart.exchange import login as exchange_login

    return exchange_login.consent_page(grant.client_id, grant.request.exchange_details)


def consent_decide(handle: str, decision: str, http_request: Any) -> dict[str, str]:
    """``allow`` remembers the consent and issues the code; ``deny`` tells the client."""
    from iamsmart.oidc import clients

    if decision != "allow":
        grant, _, _ = _consent_grant(handle, http_request)
        new, _ = grants.update(grant.id, "SET st = :to", "st = :from",
                               {":to": grants.DENIED, ":from": grants.CONSENT})
        if new is None:
            raise errors.NotFound()
        return {"next": error_redirect(grant.request, AccessDenied())}
    grant, session, items = _consent_grant(handle, http_request, with_consent=True)
    client = clients.get(grant.client_id)
    consent = consents.Consent.from_item(items["consent"]) if items["consent"] else None
    auth = Auth(grant.account_id or "", grant.sid or "", grant.auth_time or 0,
                grant.acr or "", grant.amr, grant.face or None)
    return {"next": issue_code(client, grant, auth, consent, from_state=grants.CONSENT,
                               widen=True, account_item=items["account"])}


# --- logout -----------------------------------------------------------------------------

def _header(http_request: Any, name: str) -> str | None:
    headers = getattr(http_request, "headers", None) or {}
    value = headers.get(name) or headers.get(name.title())
    return value if isinstance(value, str) else None


def _hint(token: str | None) -> dict[str, Any] | None:
    """An ID token we issued (signature, ``kid`` among our keys, our ``iss``); expiry does
    not matter for a logout hint (OIDC RP-Initiated Logout §2)."""
    if not token or len(token) > 8192:
        return None
    from joserfc import jws, jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import ECKey

    from iamsmart.oidc import signing

    try:
        header = jws.extract_compact(token.encode("ascii")).protected
        if header.get("alg") != "ES256" or any(
                h in header for h in ("jku", "x5u", "jwk", "x5c", "crit")):
            return None
        jwk = next((k for k in signing.jwks()["keys"] if k["kid"] == header.get("kid")), None)
        if jwk is None:
            return None
        decoded = jwt.decode(token, ECKey.import_key(jwk), algorithms=["ES256"])
    except (JoseError, ValueError, TypeError, UnicodeError):
        return None
    claims = dict(decoded.claims)
    return claims if claims.get("iss") == discovery.issuer() else None


def _logout_target(client_id: str | None, hint: dict[str, Any] | None,
                   uri: str | None) -> str | None:
    """The post-logout redirect URI, only when registered exactly for that client."""
    from iamsmart.oidc import clients

    aud = hint.get("aud") if hint else None
    if isinstance(aud, list):
        aud = aud[0] if len(aud) == 1 else None
    if client_id and aud and client_id != aud:
        return None
    cid = client_id or aud
    if not uri or not isinstance(cid, str):
        return None
    try:
        client = clients.get(cid)
    except errors.DomainError:
        return None
    return uri if uri in client.post_logout_redirect_uris else None


def _with_state(uri: str, state: str | None) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if state:
        query.append(("state", state[:MAX_STATE]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def logout(params: Mapping[str, str], http_request: Any) -> Outcome:
    """``GET /v1/oidc/logout`` (RP-initiated logout)."""
    from iamsmart.identity import sessions

    hint = _hint(params.get("id_token_hint"))
    target = _logout_target(params.get("client_id"), hint,
                            params.get("post_logout_redirect_uri"))
    session = sessions.current(http_request)
    if session is not None and not (hint and hint.get("sid") == session.id):
        # No proof the relying party speaks for this session: ask the citizen.
        keep = {k: params[k] for k in ("client_id", "post_logout_redirect_uri", "state")
                if params.get(k) and (k != "post_logout_redirect_uri" or target)}
        if hint and isinstance(hint.get("aud"), str) and "client_id" not in keep:
            keep["client_id"] = hint["aud"]
        return Outcome(page="confirm_logout", params=keep)
    cookies = [sessions.end(session)] if session is not None else []
    if target:
        return Outcome(location=_with_state(target, params.get("state")), cookies=cookies)
    return Outcome(page="logged_out", cookies=cookies)


def logout_confirmed(form: Mapping[str, str], http_request: Any) -> Outcome:
    """``POST /v1/oidc/logout`` from our own confirmation page (same origin only)."""
    from iamsmart.identity import sessions

    origin = _header(http_request, "origin")
    if origin != discovery.issuer():
        raise errors.Forbidden(en="Log out from the iAM Smart page.",
                               tc="請在「智方便」頁面登出。")
    target = _logout_target(form.get("client_id"), None, form.get("post_logout_redirect_uri"))
    session = sessions.current(http_request)
    cookies = [sessions.end(session)] if session is not None else [
        sessions.clear_cookie_header()]
    if target:
        return Outcome(location=_with_state(target, form.get("state")), cookies=cookies)
    return Outcome(page="logged_out", cookies=cookies)
