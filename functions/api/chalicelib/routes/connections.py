"""Connected services: what the citizen agreed to share with each service, and withdrawing it
(which revokes every token the service holds under that consent).

The owner is always the session's account, never taken from the request (THREATS 16): an id
the citizen has no consent for is a 404 like any unknown one.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import http
from iamsmart import errors

bp = Blueprint(__name__)


def _account_id() -> str:
    return str(http.citizen_session(bp.current_request).account_id)


@http.route(bp, "/v1/me/connections", summary="Services the citizen has connected",
            tag="account", errors_documented=(401, 503))
def list_connections() -> dict[str, Any]:
    from iamsmart.oidc import claims, clients, consents

    items = []
    for consent in consents.list_for(_account_id()):
        try:
            client = clients.get(consent.client_id)
            names = {"name_en": client.name_en, "name_tc": client.name_tc}
        except errors.DomainError:  # a client since removed: still shown, so it can go
            names = {"name_en": consent.client_id, "name_tc": consent.client_id}
        items.append({"client_id": consent.client_id, **names,
                      **claims.labels(consent.scopes, consent.claims),
                      "granted_at": consent.granted_at, "updated_at": consent.updated_at})
    items.sort(key=lambda i: (-int(i["updated_at"]), i["client_id"]))
    return {"items": items}


@http.route(bp, "/v1/me/connections/{client_id}", method="DELETE",
            summary="Withdraw consent from a service (its tokens are revoked)", tag="account",
            errors_documented=(400, 401, 404, 503))
def delete_connection(client_id: str) -> dict[str, Any]:
    from iamsmart.oidc import consents

    http.require_json(bp.current_request)
    if not consents.withdraw(_account_id(), client_id):
        raise errors.NotFound()
    return {"withdrawn": client_id}
