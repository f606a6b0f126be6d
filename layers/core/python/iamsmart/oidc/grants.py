"""Grants: one item per authorization in the ``grants`` table, from the pushed request to
the last refresh (``pk = "grant#<id>"``).

Life of a grant (attribute ``st``)::

    requested --authorize--> login --resume--> consent --allow--> code --token--> active
        |                      |                  |                               |
        +------(SSO, consent remembered)----------+--> code                       revoked

- The ``request_uri`` is ``urn:ietf:params:oauth:request_uri:<grant id>``; authorizing moves
  the grant out of ``requested`` with a conditional write, so a request_uri works once, only
  for its client and only before ``req_exp``.
- The authorization code, the access token and the refresh token are ``<grant id>.<secret>``;
  only SHA-256 hashes of the secrets are stored (the secrets are 256-bit random, so a fast
  hash is enough). Comparisons happen inside DynamoDB conditions or with
  ``hmac.compare_digest``.
- A family is the grant: rotation replaces ``rt_hash`` and remembers the used hashes in
  ``rt_used``; a used refresh token or code presented again marks the grant ``revoked``,
  which ends every token issued from it.
- TTL (``expires_at``) is the grant's last useful moment; moto (and DynamoDB, for up to days)
  keep expired items, so every read and every condition checks the explicit expiries.

The item layout, its conditions and the calls are ``oidc.dal``'s; this module is the grant's
shape (``Grant``, ``Request``) and its secrets, and reads and revokes grants for the other
contexts (``get``, ``revoke``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from iamsmart.common import replay
from iamsmart.oidc import dal
from iamsmart.oidc.dal import ACTIVE, CODE, CONSENT, DENIED, LOGIN, REQUESTED

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
_ID_BYTES = 16
_SECRET_BYTES = 32

__all__ = ["ACTIVE", "CODE", "CONSENT", "DENIED", "LOGIN", "REQUESTED"]  # the states (dal's)


def now() -> int:
    return int(time.time())


def new_id() -> str:
    return secrets.token_urlsafe(_ID_BYTES)


def new_secret() -> str:
    return secrets.token_urlsafe(_SECRET_BYTES)


def digest(secret: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode("utf-8")).digest()).rstrip(
        b"=").decode("ascii")


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)


def split(token: str | None) -> tuple[str, str] | None:
    """``<grant id>.<secret>`` -> (grant id, secret); anything else -> None."""
    if not isinstance(token, str) or len(token) > 200 or token.count(".") != 1:
        return None
    gid, _, secret = token.partition(".")
    if not (16 <= len(gid) <= 64 and 16 <= len(secret) <= 128):
        return None
    if not all(c.isalnum() or c in "-_" for c in gid + secret):
        return None
    return gid, secret


@dataclass(frozen=True)
class Request:
    """What the relying party pushed (validated at PAR time)."""

    redirect_uri: str
    scopes: tuple[str, ...]
    claims: tuple[str, ...] = ()
    state: str | None = None
    nonce: str | None = None
    code_challenge: str = ""
    prompt: tuple[str, ...] = ()
    max_age: int | None = None
    acr_values: tuple[str, ...] = ()
    login_hint: str | None = None
    dpop_jkt: str | None = None
    # Data exchange: the RFC 9396 data-exchange detail (iamsmart.exchange), JSON.
    exchange_details: str | None = None
    # RFC 9396, canonical JSON (oidc.authorization_details); face step-ups only.
    authorization_details: str | None = None

    def as_item(self) -> dict[str, Any]:
        full = {"redirect_uri": self.redirect_uri, "scopes": list(self.scopes),
                "claims": list(self.claims), "state": self.state, "nonce": self.nonce,
                "code_challenge": self.code_challenge, "prompt": list(self.prompt),
                "max_age": self.max_age, "acr_values": list(self.acr_values),
                "login_hint": self.login_hint, "dpop_jkt": self.dpop_jkt,
                "exchange_details": self.exchange_details,
                "authorization_details": self.authorization_details}
        return {k: v for k, v in full.items() if v is not None}

    @classmethod
    def from_item(cls, raw: Mapping[str, Any]) -> Request:
        return cls(redirect_uri=raw["redirect_uri"], scopes=tuple(raw.get("scopes", ())),
                   claims=tuple(raw.get("claims", ())), state=raw.get("state"),
                   nonce=raw.get("nonce"), code_challenge=raw.get("code_challenge", ""),
                   prompt=tuple(raw.get("prompt", ())),
                   max_age=(int(raw["max_age"]) if raw.get("max_age") is not None else None),
                   acr_values=tuple(raw.get("acr_values", ())), login_hint=raw.get("login_hint"),
                   dpop_jkt=raw.get("dpop_jkt"), exchange_details=raw.get("exchange_details"),
                   authorization_details=raw.get("authorization_details"))


@dataclass(frozen=True)
class Grant:
    id: str
    client_id: str
    st: str
    request: Request
    req_exp: int
    expires_at: int
    ix_exp: int = 0  # end of the interactive step (login, consent)
    account_id: str | None = None
    sid: str | None = None
    auth_time: int | None = None
    acr: str | None = None
    amr: tuple[str, ...] = ()
    sub: str | None = None
    scope: str | None = None
    code_hash: str | None = None
    code_exp: int = 0
    at_hash: str | None = None
    at_exp: int = 0
    at_iat: int = 0
    rt_hash: str | None = None
    rt_exp: int = 0
    rt_used: frozenset[str] = field(default_factory=frozenset)
    jkt: str | None = None
    revoked: bool = False
    id_token: str | None = None
    # Data exchange: the consent this login granted or reused (``xc``) and the token
    # response's authorization_details (``xad``, JSON), set with the code.
    exchange_consent: str | None = None
    exchange_details: str | None = None
    face: dict[str, Any] | None = None  # a passed face step-up's facts (waiting for consent)

    @classmethod
    def from_item(cls, raw: Mapping[str, Any]) -> Grant:
        """From the item ``dal`` answers (plain values)."""
        return cls(
            id=dal.grant_id_of(raw), client_id=raw["client_id"], st=raw["st"],
            request=Request.from_item(raw["req"]), req_exp=int(raw.get("req_exp", 0)),
            expires_at=int(raw.get("expires_at", 0)), ix_exp=int(raw.get("ix_exp", 0)),
            account_id=raw.get("account_id"), sid=raw.get("sid"),
            auth_time=(int(raw["auth_time"]) if raw.get("auth_time") is not None else None),
            acr=raw.get("acr"), amr=tuple(raw.get("amr", ())), sub=raw.get("sub"),
            scope=raw.get("scope"), code_hash=raw.get("code_hash"),
            code_exp=int(raw.get("code_exp", 0)), at_hash=raw.get("at_hash"),
            at_exp=int(raw.get("at_exp", 0)), at_iat=int(raw.get("at_iat", 0)),
            rt_hash=raw.get("rt_hash"), rt_exp=int(raw.get("rt_exp", 0)),
            rt_used=frozenset(raw.get("rt_used", ())), jkt=raw.get("jkt"),
            revoked=bool(raw.get("revoked", False)), id_token=raw.get("id_token"),
            exchange_consent=raw.get("xc"), exchange_details=raw.get("xad"),
            face=raw.get("face"))


# --- operations -------------------------------------------------------------------------

def create(client_id: str, request: Request, lifetime: int,
           guards: list[replay.Guard] | None = None) -> tuple[str, int]:
    """Store a pushed request, in one transaction with the replay checks that guard it (the
    client assertion's and the DPoP proof's ``jti``: a refused one raises its own error and
    nothing is stored); returns (grant id, expires_in). ``guards`` is emptied once the
    transaction has answered."""
    grant_id = new_id()
    pending = list(guards or ())
    if guards:
        guards.clear()
    refused = dal.create_grant(grant_id, client_id, request.as_item(), now() + lifetime,
                               [g.put() for g in pending])
    if refused is not None:
        replay.after_failure(pending, refused)
        raise RuntimeError("the grant's transaction failed on no condition")  # pragma: no cover
    return grant_id, lifetime


def get(grant_id: str) -> Grant | None:
    item = dal.grant(grant_id)
    return Grant.from_item(item) if item else None


def of(item: Mapping[str, Any] | None) -> Grant | None:
    """The grant of an item ``dal`` answered (None stays None)."""
    return Grant.from_item(item) if item else None


def revoke(grant_id: str) -> None:
    """Mark a grant (the whole token family) revoked; unknown grants stay unknown."""
    dal.revoke_grant(grant_id, now())
