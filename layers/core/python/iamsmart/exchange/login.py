"""The data-exchange consent's hooks in the login flow: ``DATA_EXCHANGE``, the
authorization-details type (``urn:iamsmart:data-exchange``) that functions/api/app.py registers
with the OpenID Provider (``iamsmart.oidc.detail_types``), which then calls:

- PAR: ``validate_at_par`` checks ``authorization_details`` (``details.validate``) and the
  normalised detail is stored in the pushed request.
- Authorize / resume: ``needs_consent`` is True unless a standing consent of this citizen for
  this client covers the detail (one-time consents always ask; anything wider asks again:
  THREATS 17).
- Consent page: ``consent_page`` describes the request in plain words.
- Code: ``at_code`` makes the consent (the citizen has just agreed: receipt signed) or joins
  the covering standing consent, as items of the code's own transaction, and gives what the
  grant keeps: the consent id (``xc``, read by the fetch) and the token response's
  ``authorization_details`` (``xad``: the granted detail with ``consent_id`` and ``receipt``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from iamsmart.exchange import audit, consents, details, registry, vocabulary
from iamsmart.oidc import detail_types
from iamsmart.oidc.detail_types import CodeItems, ConsentGone

if TYPE_CHECKING:  # pragma: no cover
    from iamsmart.oidc.clients import Client


def validate_at_par(client: Client, raw: str) -> str | None:
    """The normalised data-exchange detail (``authorization_details`` names our type)."""
    return details.validate(client, raw)


def needs_consent(stored: str, account_id: str, client_id: str, at: int) -> bool:
    return consents.covering(account_id, client_id, details.load(stored), at) is None


def consent_page(client_id: str, stored: str) -> dict[str, Any]:
    return details.describe(client_id, details.load(stored))


def at_code(*, client_id: str, grant_id: str, stored: str, account_id: str, sub: str,
            at: int, agreed: bool) -> CodeItems:
    """``agreed``: the citizen has just seen the consent page; otherwise a standing consent
    must cover the request (else ``ConsentGone``)."""
    detail = details.load(stored)
    if agreed:
        consent, item = consents.new(account_id=account_id, client_id=client_id,
                                     detail=detail, sub=sub, grant_id=grant_id, at=at)
        # The consent is in the citizen's access log, written with the consent itself.
        consumer = registry.get_consumer(client_id)
        items = [item, audit.put_spec(account_id, kind="consent", outcome="recorded",
                                      consumer=consumer.consumer_view(),
                                      purpose=consent.purpose, fields=list(consent.fields),
                                      consent_id=consent.consent_id,
                                      receipt_id=consent.receipt_id)]
    else:
        found = consents.covering(account_id, client_id, detail, at)
        if found is None:
            raise ConsentGone()
        consent, items = found, [consents.reuse_spec(found, grant_id, at)]
    echo = [{**detail.as_wire(), "consent_id": consent.consent_id,
             "receipt": consent.receipt}]
    return CodeItems(items=items, consent_id=consent.consent_id,
                     echo=json.dumps(echo, separators=(",", ":")))


DATA_EXCHANGE = detail_types.DetailType(
    type=vocabulary.DETAIL_TYPE, validate=validate_at_par, needs_consent=needs_consent,
    consent_page=consent_page, at_code=at_code)
