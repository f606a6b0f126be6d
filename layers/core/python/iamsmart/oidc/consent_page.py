"""``/v1/oidc/consent/{txn}``: what the consent page shows, and the citizen's decision.

The page's ``txn`` is ``<grant id>~<client id>`` (``front.consent_handle``: an SSO login
needing consent has no login transaction; the client id lets one read fetch the remembered
consent with the grant); it only works with the session that logged in. ``allow`` remembers
the consent and issues the code (``codes``); ``deny`` tells the client.
"""

from __future__ import annotations

from typing import Any

from iamsmart import errors
from iamsmart.identity import sessions
from iamsmart.identity.sessions import Session
from iamsmart.oidc import claims as claimset
from iamsmart.oidc import clients, consents, dal, detail_types, grants
from iamsmart.oidc.codes import issue_code
from iamsmart.oidc.errors import AccessDenied
from iamsmart.oidc.front import Auth, error_redirect, read, session_of


def _consent_grant(handle: str, http_request: Any, with_consent: bool = False,
                   ) -> tuple[grants.Grant, Session, dict[str, Any]]:
    """The grant waiting for this session's consent (one BatchGetItem: session, grant, and
    ``with_consent`` the remembered consent and the account)."""
    gid, _, client_id = handle.partition("~")
    if grants.split(f"{gid}.{'x' * 16}") is None or not client_id or len(client_id) > 64:
        raise errors.NotFound()
    named = sessions.named(http_request)
    if named is None:
        raise errors.Unauthorized(en="Please log in again.", tc="請重新登入。")
    at = grants.now()
    if not with_consent:
        items: dict[str, Any] = dal.read(gid, others={"session": (named.table, named.key)})
    else:
        items = read(gid, named.account_id, client_id, session=named)
    session = session_of(named, items["session"])
    if session is None:
        raise errors.Unauthorized(en="Please log in again.", tc="請重新登入。")
    grant = grants.of(items["grant"])
    if (grant is None or grant.st != grants.CONSENT or grant.ix_exp <= at
            or grant.account_id != session.account_id or grant.sid != session.id
            or grant.revoked or grant.client_id != client_id):
        raise errors.NotFound()
    return grant, session, items


def consent_view(handle: str, http_request: Any) -> dict[str, Any]:
    """What the consent page shows: the service and what it asks for, in both languages."""
    grant, _, _ = _consent_grant(handle, http_request)
    client = clients.get(grant.client_id)
    return {"client": {"client_id": client.client_id, "name_en": client.name_en,
                       "name_tc": client.name_tc},
            **claimset.labels(grant.request.scopes, grant.request.claims),
            "expires_in": max(0, grant.ix_exp - grants.now()),
            # Data exchange: who, which fields, from whom, why, how long (or null).
            "data_exchange": _exchange_page(grant)}


def _exchange_page(grant: grants.Grant) -> dict[str, Any] | None:
    return detail_types.consent_page(grant.client_id, grant.request.exchange_details)


def consent_decide(handle: str, decision: str, http_request: Any) -> dict[str, str]:
    """``allow`` remembers the consent and issues the code; ``deny`` tells the client."""
    if decision != "allow":
        grant, _, _ = _consent_grant(handle, http_request)
        if dal.move(grant.id, grants.CONSENT, grants.DENIED) is None:
            raise errors.NotFound()
        return {"next": error_redirect(grant.request, AccessDenied())}
    grant, session, items = _consent_grant(handle, http_request, with_consent=True)
    client = clients.get(grant.client_id)
    consent = consents.of(items["consent"])
    auth = Auth(grant.account_id or "", grant.sid or "", grant.auth_time or 0,
                grant.acr or "", grant.amr, grant.face or None)
    return {"next": issue_code(client, grant, auth, consent, from_state=grants.CONSENT,
                               widen=True, account_item=items["account"])}
