"""What the front-channel endpoints share (``par``, ``authorize``, ``consent_page``,
``logout``, and ``codes`` that ends a login with a code).

- ``Outcome``: what the browser gets (a redirect with cookies, or one of our pages);
  ``Auth``: who logged in, how and when; ``AuthorizationError``: shown on our own page while
  the redirect URI cannot be trusted (yet).
- ``redirect_to`` / ``error_redirect``: back to the client's redirect URI with ``state`` and
  ``iss`` (RFC 9207).
- ``needs_login`` / ``needs_consent``: ``prompt``, ``max_age``, ``acr_values``, the remembered
  consent, and a registered authorization detail's own consent (``detail_types``).
- The pushed request's single use: ``grant_id_of`` (the ``request_uri``), ``usable``,
  ``take`` (one conditional write out of ``requested``).
- ``read``: one BatchGetItem for the session, the account, the pushed request and the
  remembered consent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from iamsmart import errors
from iamsmart.identity import accounts, assurance, login, sessions
from iamsmart.identity.sessions import Session, SessionRef
from iamsmart.oidc import consents, dal, detail_types, discovery, grants
from iamsmart.oidc.errors import InvalidRequestUri
from iamsmart.settings import settings

MAX_STATE = 512
LOGIN_PAGE = "/login.html"
CONSENT_PAGE = "/consent.html"
_PRINTABLE = re.compile(r"^[\x20-\x7e]*$")


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

    def fields(self) -> dict[str, Any]:
        """What a grant records of it (``dal``'s ``auth``)."""
        return {"account_id": self.account_id, "sid": self.sid, "auth_time": self.auth_time,
                "acr": self.acr, "amr": list(self.amr), "face": self.face}

    @classmethod
    def of(cls, session: Session) -> Auth:
        return cls(session.account_id, session.id, session.auth_time, session.acr,
                   tuple(session.amr))


def header(http_request: Any, name: str) -> str | None:
    headers = getattr(http_request, "headers", None) or {}
    value = headers.get(name) or headers.get(name.title())
    return value if isinstance(value, str) else None


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


def needs_login(request: grants.Request, session: Session | None, at: int) -> bool:
    if session is None:
        return True
    if "login" in request.prompt or "select_account" in request.prompt:
        return True
    # max_age=0 is prompt=login (OIDC Core §3.1.2.1): a session from this very second is too old.
    if request.max_age is not None and at - session.auth_time >= request.max_age:
        return True
    return bool(request.acr_values) and not assurance.satisfies(session.acr,
                                                                  request.acr_values)


def needs_consent(request: grants.Request, consent: consents.Consent | None) -> bool:
    return (consent is None or "consent" in request.prompt
            or not consent.covers(request.scopes, request.claims)
            # A registered detail (data exchange): asked unless a standing consent covers it
            # (THREATS 17).
            or _detail_needs_consent(request, consent))


def _detail_needs_consent(request: grants.Request, consent: consents.Consent) -> bool:
    return detail_types.needs_consent(request.exchange_details, consent.account_id,
                                      consent.client_id, grants.now())


def grant_id_of(request_uri: str | None) -> str:
    if not request_uri or not request_uri.startswith(grants.REQUEST_URI_PREFIX):
        raise InvalidRequestUri()
    gid = request_uri.removeprefix(grants.REQUEST_URI_PREFIX)
    if grants.split(f"{gid}.{'x' * 16}") is None:
        raise InvalidRequestUri()
    return gid


def usable(grant: grants.Grant | None, client_id: str, at: int) -> grants.Grant:
    if (grant is None or grant.client_id != client_id or grant.st != grants.REQUESTED
            or grant.req_exp <= at or grant.revoked):
        raise InvalidRequestUri()
    return grant


def take(grant: grants.Grant, to: str, at: int, auth: Auth | None = None) -> grants.Grant:
    """Move a pushed request out of ``requested`` (the request_uri's single use)."""
    new = grants.of(dal.take_request(grant.id, grant.client_id, to, at,
                                     at + settings().login_seconds,
                                     auth.fields() if auth is not None else None))
    if new is None:
        raise InvalidRequestUri()
    return new


# --- one read for everything an SSO login needs -----------------------------------------
#
# The session, the account, the pushed request and the remembered consent are four items in
# four tables; one BatchGetItem (``dal.read``) reads them all. Where the identity context keeps
# its records and how they read is its own business: ``sessions.named``/``from_item`` and
# ``accounts.item_key``/``claims_from_item`` are its public pieces for such batched reads.

def session_of(ref: SessionRef, item: Mapping[str, Any] | None) -> Session | None:
    return sessions.from_item(ref, item)


def claims_of(item: Mapping[str, Any], scopes: tuple[str, ...],
              granted: tuple[str, ...]) -> dict[str, Any]:
    """``identity.accounts.claims`` from an account item already read."""
    return accounts.claims_from_item(item, scopes, granted)


def read(grant_id: str, account_id: str, client_id: str,
         session: SessionRef | None = None, login_txn: str | None = None) -> dict[str, Any]:
    """One BatchGetItem: grant, consent, account (and the session, the login transaction
    when named)."""
    others = {"account": accounts.item_key(account_id)}
    if session is not None:
        others["session"] = (session.table, session.key)
    if login_txn is not None:
        others["login"] = login.location(login_txn)
    found = dal.read(grant_id, consent=(account_id, client_id), others=others)
    found.setdefault("session", None)
    return found


def consent_handle(grant: grants.Grant) -> str:
    """``<grant id>~<client id>``: what the consent page's ``txn`` carries (the client id
    lets one read fetch the remembered consent with the grant)."""
    return f"{grant.id}~{grant.client_id}"


def consent_location(grant: grants.Grant) -> str:
    """The consent page for this grant."""
    return f"{CONSENT_PAGE}?{urlencode({'txn': consent_handle(grant)})}"
