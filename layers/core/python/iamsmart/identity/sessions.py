"""SSO sessions: the ``iamsmart_sid`` cookie and its server-side record.

Cookie value ``<account_id>.<secret>`` (HttpOnly, SameSite=Lax, Path=/, Secure when
``settings.cookie_secure``). Only a hash of the secret is stored (sha256, base64url: also
the session's id, the ``sid``), under the account (``dal``: the sessions table), with
``expires_at`` (absolute lifetime ``settings.session_seconds``). Logout from all devices
deletes every session of the account.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

from iamsmart.identity import dal
from iamsmart.settings import settings

COOKIE = "iamsmart_sid"


@dataclass(frozen=True)
class Session:
    id: str
    account_id: str
    auth_time: int
    amr: tuple[str, ...]
    acr: str
    expires_at: int


def _hash(secret: str) -> str:
    digest = hashlib.sha256(secret.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def cookie_header(name: str, value: str, max_age: int, *, path: str = "/") -> str:
    """A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/ unless said (and Secure outside
    loopback)."""
    parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max_age}", "HttpOnly",
             "SameSite=Lax"]
    if settings().cookie_secure:
        parts.append("Secure")
    return "; ".join(parts)


def read_cookie(cookie_header_value: str | None, name: str) -> str | None:
    """One cookie's value from a Cookie request header (None when absent or malformed)."""
    if not cookie_header_value or len(cookie_header_value) > 8192:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header_value)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def split_value(value: str | None) -> tuple[str, str] | None:
    """``<id>.<secret>`` → (id, secret), or None when malformed."""
    if not value or len(value) > 256 or value.count(".") != 1:
        return None
    ident, secret = value.split(".")
    if not ident or len(secret) < 20:
        return None
    return ident, secret


def _request_cookie(request: Any) -> str | None:
    headers: Mapping[str, str] | None = getattr(request, "headers", None)
    if headers is None and isinstance(request, Mapping):
        headers = request
    if not headers:
        return None
    return headers.get("cookie") or headers.get("Cookie")


def create(account_id: str, amr: list[str] | tuple[str, ...], acr: str,
           auth_time: int) -> tuple[Session, str]:
    """A new session (one PutItem) and its Set-Cookie header value."""
    session, cookie, fields = _new(account_id, amr, acr, auth_time)
    dal.put_session(account_id, session.id, **fields)
    return session, cookie


def begin(account_id: str, amr: list[str] | tuple[str, ...], acr: str,
          auth_time: int) -> tuple[Session, str, dict[str, Any]]:
    """A new session written by the caller's transaction (the login's next step, one round
    trip for both): the session, its Set-Cookie header value and the transaction element."""
    session, cookie, fields = _new(account_id, amr, acr, auth_time)
    return session, cookie, dal.session_action(account_id, session.id, **fields)


def _new(account_id: str, amr: list[str] | tuple[str, ...], acr: str,
         auth_time: int) -> tuple[Session, str, dict[str, Any]]:
    secret = secrets.token_urlsafe(32)
    now = dal.now()
    expires_at = now + settings().session_seconds
    session = Session(id=_hash(secret), account_id=account_id, auth_time=int(auth_time),
                      amr=tuple(amr), acr=acr, expires_at=expires_at)
    fields = {"auth_time": session.auth_time, "amr": list(session.amr), "acr": acr,
              "created_at": now, "expires_at": expires_at}
    return session, cookie_header(COOKIE, f"{account_id}.{secret}", expires_at - now), fields


@dataclass(frozen=True)
class SessionRef:
    """The session a request's cookie names, unchecked: where its record is, so a caller can
    read it together with other items (one BatchGetItem) and then ask ``from_item``."""

    account_id: str
    id: str

    @property
    def table(self) -> str:
        return dal.session_location(self.account_id, self.id)[0]

    @property
    def key(self) -> dict[str, str]:
        return dal.session_location(self.account_id, self.id)[1]


def named(request: Any) -> SessionRef | None:
    """The session the request's ``iamsmart_sid`` cookie names (None when there is no cookie
    or it is malformed). ``request`` is a chalice Request or a mapping of headers."""
    parts = split_value(read_cookie(_request_cookie(request), COOKIE))
    if parts is None or "#" in parts[0]:
        return None
    return SessionRef(account_id=parts[0], id=_hash(parts[1]))


def from_item(ref: SessionRef, item: Mapping[str, Any] | None) -> Session | None:
    """The live session in ``item`` (a plain item read at ``ref.key``), else None (unknown,
    ended or expired)."""
    return _live(ref.account_id, ref.id, dal.session_from_item(item), dal.now())


def _live(account_id: str, session_id: str, fields: Mapping[str, Any] | None,
          now: int) -> Session | None:
    if fields is None or int(fields.get("expires_at", 0)) <= now:
        return None
    return Session(id=session_id, account_id=account_id, auth_time=int(fields["auth_time"]),
                   amr=tuple(fields.get("amr") or ()), acr=str(fields["acr"]),
                   expires_at=int(fields["expires_at"]))


def current(request: Any) -> Session | None:
    """The session the request's ``iamsmart_sid`` cookie names (one GetItem), or None when
    there is no cookie, or it is malformed, unknown, ended or expired."""
    ref = named(request)
    if ref is None:
        return None
    return _live(ref.account_id, ref.id, dal.session(ref.account_id, ref.id), dal.now())


def age(session: Session) -> int:
    """Seconds since the login behind the session (identity's clock)."""
    return dal.now() - session.auth_time


def clear_cookie_header() -> str:
    return cookie_header(COOKIE, "", 0)


def end(session: Session | None) -> str:
    """End one session (when given); the Set-Cookie value that removes the cookie."""
    if session is not None:
        dal.delete_session(session.account_id, session.id)
    return clear_cookie_header()


def end_all(account_id: str) -> int:
    """End every session of the account (logout from all devices); how many were ended."""
    ended = 0
    while True:
        found = dal.sessions_of(account_id, limit=100)
        for session_id, _ in found:
            dal.delete_session(account_id, session_id)
            ended += 1
        if len(found) < 100:
            return ended


def list_for(account_id: str) -> list[Session]:
    """The account's live sessions (for the account page)."""
    now = dal.now()
    live = (_live(account_id, session_id, fields, now)
            for session_id, fields in dal.sessions_of(account_id))
    return [s for s in live if s is not None]
