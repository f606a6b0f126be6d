"""The back channel: token endpoint (authorization code with PKCE S256, refresh token
rotation), userinfo, introspection (RFC 7662) and revocation (RFC 7009).

- Codes and tokens are ``<grant id>.<secret>``; each is checked by one conditional
  ``UpdateItem`` on the grant (hash, client, expiry, redirect URI, PKCE challenge and DPoP key
  all in the condition), so a code is redeemed at most once even under concurrency. A failed
  condition returns the old item with the failure (no extra read) to tell a replay (the code
  already redeemed, or a refresh token already rotated) from a mistake: a replay revokes the
  grant, and with it every token issued from it (THREATS 1, 10).
- DPoP: the token is bound to the proof's key (``jkt``; ``token_type`` DPoP) whenever the
  client's policy requires DPoP or a proof is sent; a ``dpop_jkt`` pushed at PAR must match.
  Refreshing a bound grant needs a proof by the same key. Userinfo checks the proof against
  the token (``ath``) and the bound key; failures are 401 with ``WWW-Authenticate: DPoP``.
- The ID token was signed when the code was issued (``codes.issue_code``) and leaves the
  grant with the code's redemption; the refresh grant returns no new ID token (OIDC Core
  §12.2 makes it optional), so token responses make no KMS call.
- A grant revoked (replay, revocation, consent withdrawn) ends its access and refresh tokens
  at once: every check reads the grant.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from iamsmart import errors
from iamsmart.common import replay
from iamsmart.metrics import Metric
from iamsmart.oidc import dal, discovery, dpop, grants
from iamsmart.oidc.errors import (
    InvalidDpopProof,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    InvalidToken,
    UnsupportedGrantType,
    UseDpopNonce,
)

_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_DPOP_ALGS = " ".join(discovery.DPOP_ALGS)


class UseDpopNonceAtResource(errors.Unauthorized):
    """``use_dpop_nonce`` at a resource endpoint: 401 (RFC 9449 §9), not the token
    endpoint's 400."""

    code = "use_dpop_nonce"
    en = UseDpopNonce.en
    tc = UseDpopNonce.tc


def _settings() -> Any:
    from iamsmart.settings import settings

    return settings()


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(
        b"=").decode("ascii")


# --- token endpoint ---------------------------------------------------------------------

def token(form: Mapping[str, str], authorization: str | None,
          dpop_proof: str | None) -> dict[str, Any]:
    """``POST /v1/oidc/token``."""
    from iamsmart.oidc import client_auth

    grant_type = form.get("grant_type")
    # Redeeming a code: the assertion's and the proof's jti checks ride in the grant's
    # transaction (``_redeem_code``); a refresh makes them at once.
    guards: list[replay.Guard] | None = [] if grant_type == "authorization_code" else None
    try:
        client = client_auth.authenticate(form, authorization, guards)
        if grant_type not in ("authorization_code", "refresh_token"):
            raise UnsupportedGrantType()
        jkt = dpop.verify(dpop_proof, method="POST", url=discovery.url("token_endpoint"),
                          required=client.dpop_required,
                          nonce_required=client.dpop_nonce_required, guards=guards)
        if guards is not None:
            return _redeem_code(client.client_id, form, jkt, guards)
        return _refresh(client.client_id, form, jkt)
    except Exception:
        replay.settle(guards)
        raise


def _token_pair(at: int) -> tuple[str, str, dict[str, Any]]:
    access, refresh = grants.new_secret(), grants.new_secret()
    hashes = {"at_hash": grants.digest(access), "at_exp": at + _settings().access_token_seconds,
              "at_iat": at, "rt_hash": grants.digest(refresh)}
    return access, refresh, hashes


def _redeem_code(client_id: str, form: Mapping[str, str], jkt: str | None,
                 guards: list[replay.Guard]) -> dict[str, Any]:
    """Two round trips: the grant read (consistent), then one transaction of the replay
    guards and the grant's conditional update. A failed guard is its own error (the
    assertion's ``invalid_client`` first, then the proof's ``invalid_dpop_proof``), checked
    before the grant; when only the grant's condition failed, the guards are recorded anyway
    (a presented assertion or proof is used up, as when they were checked one by one). The
    list is emptied once the transaction has answered (``token`` settles what is left)."""
    code = grants.split(form.get("code"))
    if code is None:
        raise InvalidGrant()
    verifier = form.get("code_verifier")
    if verifier is None:
        raise InvalidRequest(en="code_verifier is required (PKCE).",
                             tc="必須提供 code_verifier（PKCE）。")
    if not _VERIFIER.match(verifier):
        raise InvalidGrant()
    redirect_uri = form.get("redirect_uri")
    if not redirect_uri:
        raise InvalidRequest(en="redirect_uri is required.", tc="必須提供 redirect_uri。")
    gid, secret = code
    code_hash = grants.digest(secret)
    at = grants.now()
    access, refresh, hashes = _token_pair(at)
    # The read gives what the answer needs (the update's condition proves it still holds:
    # the code, its state and hash, unchanged since authorize wrote them with the ID token).
    old = grants.get(gid)
    update = dal.redeem_action(gid, client_id=client_id, at=at, code_hash=code_hash,
                               redirect_uri=redirect_uri, challenge=s256(verifier), jkt=jkt,
                               tokens=hashes)
    reasons = dal.transact_reasons([*(g.put() for g in guards), update])
    pending = list(guards)
    guards.clear()  # answered by the transaction
    if reasons is not None:
        # A refused guard is its own error; when only the code was refused, the guards are
        # recorded anyway.
        replay.after_failure(pending, [refused for refused, _ in reasons[:-1]])
        now_item = grants.of(reasons[-1][1])
        if (now_item is not None and now_item.st != grants.CODE
                and grants.same(now_item.code_hash, code_hash)):
            # The code was already redeemed: someone holds a copy. End what it gave.
            grants.revoke(gid)
            _replayed("code_replayed")
        raise InvalidGrant()
    if old is None:  # pragma: no cover - the update's condition needs the item
        raise InvalidGrant()
    answer = _answer(gid, access, refresh, jkt, old.scope or "")
    if old.id_token:
        answer["id_token"] = old.id_token
    if old.exchange_details:  # RFC 9396 §7: the granted details, with consent id and receipt
        import json

        answer["authorization_details"] = json.loads(old.exchange_details)
    return answer


def _answer(gid: str, access: str, refresh: str, jkt: str | None, scope: str) -> dict[str, Any]:
    return {"access_token": f"{gid}.{access}", "token_type": "DPoP" if jkt else "Bearer",
            "expires_in": _settings().access_token_seconds,
            "refresh_token": f"{gid}.{refresh}", "scope": scope}


def _refresh(client_id: str, form: Mapping[str, str], jkt: str | None) -> dict[str, Any]:
    presented = grants.split(form.get("refresh_token"))
    if presented is None:
        raise InvalidGrant()
    gid, secret = presented
    old_hash = grants.digest(secret)
    at = grants.now()
    access, refresh, hashes = _token_pair(at)
    new_item, old_item = dal.rotate_refresh(gid, client_id=client_id, at=at, old_hash=old_hash,
                                            jkt=jkt, tokens=hashes)
    new, failed = grants.of(new_item), grants.of(old_item)
    if new is None:
        if failed is not None and old_hash in failed.rt_used:
            # A rotated refresh token came back: the family is compromised (THREATS 10).
            grants.revoke(gid)
            _replayed("refresh_reused")
        raise InvalidGrant()
    asked = set((form.get("scope") or "").split()) - {""}
    if asked and not asked <= set((new.scope or "").split()):
        raise InvalidScope()
    return _answer(gid, access, refresh, new.jkt, new.scope or "")


def _replayed(event: str) -> None:
    from iamsmart.observability import count, logger

    logger().warning("token replay detected", extra={"event": event})
    count(Metric.TOKEN_REPLAY)  # ``service`` only: the alarm watches it (the kind is logged)


# --- access tokens ----------------------------------------------------------------------

def _live(grant: grants.Grant | None, at: int) -> bool:
    return grant is not None and grant.st == grants.ACTIVE and not grant.revoked


def lookup(token: str | None) -> tuple[grants.Grant, str] | None:
    """The live grant a token belongs to and its kind (``access_token`` or
    ``refresh_token``); None for anything unknown, expired or revoked."""
    parts = grants.split(token)
    if parts is None:
        return None
    gid, secret = parts
    grant = grants.get(gid)
    at = grants.now()
    if grant is None or not _live(grant, at):
        return None
    h = grants.digest(secret)
    if grants.same(grant.at_hash, h) and grant.at_exp > at:
        return grant, "access_token"
    if grants.same(grant.rt_hash, h) and grant.rt_exp > at:
        return grant, "refresh_token"
    return None


def _challenge(error: str | None = None) -> dict[str, str]:
    value = f'DPoP algs="{_DPOP_ALGS}"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


def _bearer_challenge(error: str | None = None) -> dict[str, str]:
    value = 'Bearer realm="iamsmart"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


def _both_challenges(error: str | None = None) -> dict[str, str]:
    """DPoP and Bearer challenges in one header (RFC 7235 §4.1): the caller may hold either
    kind of token, so a missing, unknown or expired one is told both ways to present one
    (RFC 9449 §7.1, RFC 6750 §3)."""
    return {"WWW-Authenticate": ", ".join([_challenge(error)["WWW-Authenticate"],
                                           _bearer_challenge(error)["WWW-Authenticate"]])}


def userinfo(authorization: str | None, dpop_proof: str | None, method: str) -> dict[str, Any]:
    """``GET|POST /v1/oidc/userinfo``: claims for a live, correctly presented access token
    (a DPoP-bound one in one write and the account's read: ``_bound_grant``)."""
    from iamsmart.oidc import clients

    scheme, _, value = (authorization or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() not in ("dpop", "bearer") or not value:
        raise InvalidToken(headers=_both_challenges())
    if scheme.lower() == "dpop" and dpop_proof:
        bound = _bound_grant(value, dpop_proof, method)
        if bound is not None:
            return _claims(bound)
    found = lookup(value)
    if found is None or found[1] != "access_token":
        raise InvalidToken(headers=_both_challenges("invalid_token") if scheme.lower() ==
                           "bearer" else _challenge("invalid_token"))
    grant = found[0]
    if grant.jkt is not None:
        if scheme.lower() != "dpop":
            raise InvalidToken(headers=_challenge("invalid_token"))
        client = clients.get(grant.client_id)
        try:
            jkt = dpop.verify(dpop_proof, method=method, url=discovery.url("userinfo_endpoint"),
                              access_token=value, required=True,
                              nonce_required=client.dpop_nonce_required)
        except UseDpopNonce as exc:
            raise UseDpopNonceAtResource(
                headers={**_challenge("use_dpop_nonce"), **exc.headers}) from None
        except InvalidDpopProof:
            raise InvalidToken(headers=_challenge("invalid_dpop_proof")) from None
        if jkt != grant.jkt:
            raise InvalidToken(headers=_challenge("invalid_dpop_proof"))
    elif scheme.lower() != "bearer":
        raise InvalidToken(headers=_bearer_challenge("invalid_token"))
    return _claims(grant)


def _claims(grant: grants.Grant) -> dict[str, Any]:
    from iamsmart.identity import accounts

    scopes = tuple((grant.scope or "").split())
    answer: dict[str, Any] = {"sub": grant.sub}
    if grant.account_id:
        identity = accounts.claims(grant.account_id, scopes, grant.request.claims)
        answer.update({k: v for k, v in identity.items() if k != "sub"})
    return answer


def _bound_grant(value: str, proof: str, method: str) -> grants.Grant | None:
    """A DPoP-bound access token with its proof, in one round trip: the proof checked first
    (all but its ``jti`` and the client's nonce policy), then one conditional write on the
    grant that checks the token and the key and records the ``jti`` (``dal.use_access_token``:
    ``ath`` binds the proof to this token, so the grant is where its replay is caught), then the
    nonce policy of the client the grant names. None when anything else is wrong: the checks
    one by one (``userinfo``) then give the error they always gave, at their own cost."""
    from iamsmart.oidc import clients

    parts = grants.split(value)
    if parts is None:
        return None
    guards: list[replay.Guard] = []
    try:
        jkt = dpop.verify(proof, method=method, url=discovery.url("userinfo_endpoint"),
                          access_token=value, required=True, nonce_required=False,
                          guards=guards)
    except (InvalidDpopProof, UseDpopNonce):
        return None
    if jkt is None or len(guards) != 1:  # pragma: no cover - a required proof was checked
        return None
    gid, secret = parts
    at, at_hash, key = grants.now(), grants.digest(secret), guards[0].key
    new, old = dal.use_access_token(gid, at_hash=at_hash, jkt=jkt, proof=key, at=at,
                                    window=dpop.JTI_SECONDS)
    grant = grants.of(new)
    again = grant is None and dal.replayed(old, at_hash=at_hash, jkt=jkt, proof=key, at=at)
    if grant is None and not again:
        return None
    client = clients.get((grant or grants.Grant.from_item(old or {})).client_id)
    if client.dpop_nonce_required and not dpop.nonce_in(proof):
        raise UseDpopNonceAtResource(headers={**_challenge("use_dpop_nonce"),
                                              "DPoP-Nonce": dpop.nonce()})
    if grant is None:  # the proof was presented before
        raise InvalidToken(headers=_challenge("invalid_dpop_proof"))
    return grant


def introspect(form: Mapping[str, str], authorization: str | None) -> dict[str, Any]:
    """``POST /v1/oidc/introspect`` (RFC 7662): active only for the caller's own tokens."""
    from iamsmart.oidc import client_auth

    client = client_auth.authenticate(form, authorization)
    token_value = form.get("token")
    if not token_value:
        raise InvalidRequest(en="token is required.", tc="必須提供 token。")
    found = lookup(token_value)
    if found is None or found[0].client_id != client.client_id:
        return {"active": False}
    grant, kind = found
    answer: dict[str, Any] = {
        "active": True, "scope": grant.scope or "", "client_id": grant.client_id,
        "sub": grant.sub, "aud": grant.client_id, "iss": discovery.issuer(),
        "token_use": kind}
    if kind == "access_token":
        answer.update({"exp": grant.at_exp, "iat": grant.at_iat,
                       "token_type": "DPoP" if grant.jkt else "Bearer"})
    else:
        answer["exp"] = grant.rt_exp
    if grant.jkt:
        answer["cnf"] = {"jkt": grant.jkt}
    if grant.acr:
        answer["acr"] = grant.acr
    if grant.auth_time:
        answer["auth_time"] = grant.auth_time
    return answer


def revoke(form: Mapping[str, str], authorization: str | None) -> None:
    """``POST /v1/oidc/revoke`` (RFC 7009): a refresh token ends its whole grant, an access
    token ends itself; unknown or foreign tokens are ignored (always 200)."""
    from iamsmart.oidc import client_auth

    client = client_auth.authenticate(form, authorization)
    token_value = form.get("token")
    if not token_value:
        raise InvalidRequest(en="token is required.", tc="必須提供 token。")
    found = lookup(token_value)
    if found is None or found[0].client_id != client.client_id:
        return
    grant, kind = found
    if kind == "refresh_token":
        grants.revoke(grant.id)
        return
    dal.drop_access_token(grant.id, grant.at_hash)
