"""``GET /v1/oidc/authorize`` and the return from the login page (``/resume``).

- The authorization endpoint takes ``client_id`` and ``request_uri`` (pushed: ``par``) and
  nothing else. Errors found before the redirect URI is known to be the client's are raised
  (the edge shows them on our own page); after that, they go back to the redirect URI with
  ``state`` and ``iss`` (RFC 9207), as does every success.
- SSO: a session satisfying ``prompt``, ``max_age`` and ``acr_values`` and a remembered
  consent covering the request give a code at once (one-click login). Otherwise the citizen
  goes to the login page (``identity.login.start``, forced re-authentication when asked) and
  comes back through ``resume``, then, when needed, the consent page (``consent_page``).

Choices the contract left open: ``prompt=select_account`` is treated as ``login``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from iamsmart.identity import assurance, login, sessions
from iamsmart.oidc import clients, consents, dal, grants
from iamsmart.oidc.codes import issue_code
from iamsmart.oidc.errors import AccessDenied, ConsentRequired, InvalidRequestUri, LoginRequired
from iamsmart.oidc.front import (
    LOGIN_PAGE,
    Auth,
    AuthorizationError,
    Outcome,
    consent_location,
    error_redirect,
    grant_id_of,
    header,
    needs_consent,
    needs_login,
    read,
    session_of,
    take,
    usable,
)

AUTHORIZE_PARAMS = frozenset({"client_id", "request_uri"})


def authorize(params: Mapping[str, str], http_request: Any) -> Outcome:
    """``GET /v1/oidc/authorize?client_id&request_uri``."""
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
    gid = grant_id_of(params.get("request_uri"))
    at = grants.now()
    named = sessions.named(http_request)
    session = None
    consent = None
    account_item = None
    if named is not None:
        found = read(gid, named.account_id, client.client_id, session=named)
        session = session_of(named, found["session"])
    if session is not None:
        grant = usable(grants.of(found["grant"]), client.client_id, at)
        consent = consents.of(found["consent"])
        account_item = found["account"]
    else:
        # No session: take the request at once (one conditional write).
        grant = take(grants.Grant(id=gid, client_id=client.client_id, st=grants.REQUESTED,
                                  request=grants.Request("", ()), req_exp=0, expires_at=0),
                     grants.LOGIN, at)
    request = grant.request
    if needs_login(request, session, at):
        if "none" in request.prompt:
            if session is not None:
                take(grant, grants.DENIED, at)
            return Outcome(location=error_redirect(request, LoginRequired()))
        if session is not None:
            grant = take(grant, grants.LOGIN, at)
        txn_id, cookie = login.start(grant_id=grant.id, client=client,
                                     login_hint=request.login_hint,
                                     acr_values=list(request.acr_values),
                                     prompt_login=session is not None or "login" in request.prompt
                                     or "select_account" in request.prompt)
        return Outcome(location=f"{LOGIN_PAGE}?{urlencode({'txn': txn_id})}", cookies=[cookie])
    assert session is not None
    auth = Auth.of(session)
    if needs_consent(request, consent):
        if "none" in request.prompt:
            take(grant, grants.DENIED, at)
            return Outcome(location=error_redirect(request, ConsentRequired()))
        take(grant, grants.CONSENT, at, auth)
        return Outcome(location=consent_location(grant))
    return Outcome(location=issue_code(client, grant, auth, consent,
                                       from_state=grants.REQUESTED, account_item=account_item))


def resume(txn_id: str, http_request: Any) -> Outcome:
    """``GET /v1/oidc/authorize/resume?txn=``: the login page is done. The transaction is
    read with the grant, account and consent it names (one BatchGetItem, the browser's
    resume hint naming them) and consumed in the same transaction as the code."""
    cookie_header = header(http_request, "cookie")
    hint = login.resume_hint(txn_id, cookie_header)
    prefetched = (read(hint.grant_id, hint.account_id, hint.client_id, login_txn=txn_id)
                  if hint is not None else None)
    try:
        result = login.outcome(txn_id, cookie_header,
                               login.from_item(prefetched["login"]) if prefetched is not None
                               else login.load(txn_id, cookie_header))
    except (login.LoginDenied, login.LoginExpired) as exc:
        grant = grants.get(exc.grant_id) if exc.grant_id else None
        if grant is None or grant.st != grants.LOGIN:
            raise
        dal.move(grant.id, grants.LOGIN, grants.DENIED)
        return Outcome(location=error_redirect(grant.request, AccessDenied()),
                       cookies=[login.clear_resume_hint()])
    found = (prefetched if prefetched is not None and hint is not None and hint.matches(result)
             else read(result.grant_id, result.account_id, result.client_id))
    at = grants.now()
    grant = grants.of(found["grant"])
    if (grant is None or grant.st != grants.LOGIN or grant.client_id != result.client_id
            or grant.ix_exp <= at or grant.revoked):
        raise InvalidRequestUri()
    consent = consents.of(found["consent"])
    client = clients.get(grant.client_id)
    # The session this login opens and the login's own end are written with the grant's
    # next step (one transaction).
    taken = login.taken(txn_id, cookie_header)
    if result.face:
        # A face step-up counts for this grant only: the session keeps the account's level
        # (the next service asking for face gets its own live check).
        amr = tuple(m for m in result.amr if m not in ("face", "liveness"))
        session, cookie, opened = sessions.begin(result.account_id, amr, assurance.ACR_PLUS,
                                                 result.auth_time)
        auth = Auth(session.account_id, session.id, session.auth_time, result.acr,
                    tuple(result.amr), dict(result.face))
    else:
        session, cookie, opened = sessions.begin(result.account_id, result.amr, result.acr,
                                                 result.auth_time)
        auth = Auth.of(session)
    cookies = [cookie, login.clear_resume_hint()]
    if needs_consent(grant.request, consent):
        if not dal.transact([dal.await_consent_action(grant.id, auth.fields(), at), opened,
                             taken]):
            raise InvalidRequestUri()
        return Outcome(location=consent_location(grant), cookies=cookies)
    location = issue_code(client, grant, auth, consent, from_state=grants.LOGIN,
                          account_item=found["account"], also=[opened, taken])
    return Outcome(location=location, cookies=cookies)
