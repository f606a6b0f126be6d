"""Issuing the authorization code: the end of every login (SSO, after the login page, after
the consent page).

The ID token is signed when the code is issued (one KMS Sign per login) and kept in the grant
until the code is redeemed (the item then loses it): the token endpoint signs nothing. The
code, the remembered consent and a registered detail's consent (``detail_types``) are one
transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from iamsmart.identity import accounts, assurance
from iamsmart.oidc import claims as claimset
from iamsmart.oidc import consents, dal, detail_types, discovery, grants, signing
from iamsmart.oidc.clients import Client
from iamsmart.oidc.errors import InvalidRequestUri
from iamsmart.oidc.front import Auth, claims_of, redirect_to
from iamsmart.settings import settings


def _id_token(client: Client, grant: grants.Grant, auth: Auth, sub: str, scopes: tuple[str, ...],
              granted_claims: tuple[str, ...], at: int,
              account_item: Mapping[str, Any] | None = None) -> str:
    body: dict[str, Any] = {
        "iss": discovery.issuer(), "aud": client.client_id, "sub": sub, "iat": at,
        "exp": at + settings().access_token_seconds, "auth_time": auth.auth_time,
        "amr": list(auth.amr)}
    if assurance.rank(auth.acr) >= 0:  # never a level the platform does not know
        body["acr"] = auth.acr
    if grant.request.nonce is not None:
        body["nonce"] = grant.request.nonce
    if auth.sid:
        body["sid"] = auth.sid
    if auth.face and auth.acr == assurance.ACR_FACE:
        # A passed face step-up (faces.stepup): its facts, and the transaction it confirmed.
        body["face_assurance"] = dict(auth.face)
        if grant.request.authorization_details:
            body["authorization_details"] = json.loads(grant.request.authorization_details)
    if claimset.released(scopes, granted_claims):
        identity = (claims_of(account_item, scopes, granted_claims)
                    if account_item is not None
                    else accounts.claims(auth.account_id, scopes, granted_claims))
        body.update({k: v for k, v in identity.items() if k not in body})
    return signing.sign(body)


def issue_code(client: Client, grant: grants.Grant, auth: Auth,
               consent: consents.Consent | None, *, from_state: str,
               widen: bool = False, account_item: Mapping[str, Any] | None = None,
               also: Sequence[dict[str, Any]] = ()) -> str:
    """The code (and the ID token it will deliver), remembered consent updated in the same
    transaction (with ``also``: another context's elements, e.g. the session a login just
    opened); the redirect to the client. ``widen``: the citizen has just agreed."""
    s = settings()
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
    # A registered detail (data exchange): its consent (new with its signed receipt, or the
    # covering standing one) is written in this same transaction; the grant keeps its id.
    try:
        xhook = detail_types.at_code(
            client_id=client.client_id, grant_id=grant.id,
            stored=request.exchange_details, account_id=auth.account_id, sub=sub,
            at=at, agreed=widen)
    except detail_types.ConsentGone:
        raise InvalidRequestUri() from None
    update = dal.code_action(
        grant.id, from_state=from_state, client_id=client.client_id, at=at,
        code_hash=grants.digest(secret), code_exp=code_exp, family_exp=family_exp,
        id_token=id_token, auth=auth.fields(), sub=sub, scope=" ".join(scopes),
        exchange=(xhook.consent_id, xhook.echo) if xhook is not None else None)
    # What stays remembered: what was agreed before and what is granted now.
    kept_scopes = set(scopes) | set(consent.scopes if consent else ())
    kept_claims = set(granted_claims) | set(consent.claims if consent else ())
    remember = dal.consent_action(
        account_id=auth.account_id, client_id=client.client_id, scopes=kept_scopes,
        claims=kept_claims, sub=sub, sector=sector, grant_ref=f"{grant.id}:{family_exp}",
        must_exist=consent is not None and not widen, at=at)
    if not dal.transact([update, remember, *(xhook.items if xhook else []), *also]):
        raise InvalidRequestUri()
    if consent is not None:
        consents.prune(consent, at)
    return redirect_to(request.redirect_uri, {"code": f"{grant.id}.{secret}",
                                              "state": request.state})
