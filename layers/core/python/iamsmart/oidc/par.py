"""``POST /v1/oidc/par``: pushed authorization requests (RFC 9126), the only way in.

Everything is validated when pushed (exact redirect URI, scopes within the registration, PKCE
S256, bounded state/nonce, prompt, max_age, acr_values, claims, dpop_jkt, and
``authorization_details``: a registered type's (``detail_types``, e.g. data exchange) or the
provider's own face step-up transaction) and stored in a grant (``grants``); the answer is
the ``request_uri``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from iamsmart.common import replay
from iamsmart.identity import assurance
from iamsmart.oidc import authorization_details, client_auth, detail_types, discovery, dpop, grants
from iamsmart.oidc import claims as claimset
from iamsmart.oidc.clients import Client
from iamsmart.oidc.errors import InvalidDpopProof, InvalidRequest, InvalidScope
from iamsmart.oidc.front import _PRINTABLE, MAX_STATE
from iamsmart.settings import settings

MAX_NONCE = 512
MAX_LOGIN_HINT = 256
MAX_SCOPES = 20
MAX_AGE_LIMIT = 10 ** 8
_B64URL43 = re.compile(r"^[A-Za-z0-9_-]{43}$")
PAR_PARAMS = frozenset({
    "response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
    "code_challenge_method", "prompt", "max_age", "acr_values", "login_hint", "dpop_jkt",
    "claims", "response_mode", "ui_locales", "authorization_details"})
CLIENT_AUTH_PARAMS = frozenset({"client_assertion", "client_assertion_type", "client_secret"})


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
    # A registered authorization-details type (data exchange: checked against the consumer's
    # registration, THREATS 18); other types are left to the provider's own below.
    exchange_details = detail_types.validate_at_par(client, form.get("authorization_details"))
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
    """``POST /v1/oidc/par``: authenticate the client, validate, store; the request_uri.
    One round trip: the client assertion's and the DPoP proof's ``jti`` checks ride in the
    new grant's transaction (``grants.create``); a request refused before it makes them
    alone (``replay.settle``: a presented assertion or proof is used up either way)."""
    guards: list[replay.Guard] = []
    try:
        client = client_auth.authenticate(form, authorization, guards)
        unknown = set(form) - PAR_PARAMS - CLIENT_AUTH_PARAMS - {"request", "request_uri"}
        if unknown:
            raise InvalidRequest(en="Unknown parameter: " + ", ".join(sorted(unknown))[:200],
                                 tc="不明參數：" + ", ".join(sorted(unknown))[:200])
        jkt = None
        if dpop_proof:
            jkt = dpop.verify(dpop_proof, method="POST",
                              url=discovery.url("pushed_authorization_request_endpoint"),
                              required=False, nonce_required=client.dpop_nonce_required,
                              guards=guards)
        request = validate_request(client, form, jkt)
        grant_id, expires_in = grants.create(client.client_id, request,
                                             settings().par_seconds, guards)
    except Exception:
        replay.settle(guards)
        raise
    return {"request_uri": grants.REQUEST_URI_PREFIX + grant_id, "expires_in": expires_in}
