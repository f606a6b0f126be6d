"""The data-exchange consent's hooks in the login flow (``iamsmart.oidc.authorize``).

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iamsmart.exchange import audit, consents, details, registry, vocabulary

if TYPE_CHECKING:  # pragma: no cover
    from iamsmart.oidc.clients import Client


def is_exchange(raw: str | None) -> bool:
    """Whether ``authorization_details`` carries a data-exchange entry (other types, such as
    face step-up transactions, are other modules' to check)."""
    if not raw:
        return False
    try:
        value = json.loads(raw)
    except ValueError:
        return False
    return isinstance(value, list) and any(
        isinstance(d, dict) and d.get("type") == vocabulary.DETAIL_TYPE for d in value)


def validate_at_par(client: Client, raw: str | None) -> str | None:
    """The normalised data-exchange detail, None when the request has none."""
    if not is_exchange(raw):
        return None
    return details.validate(client, raw)


def needs_consent(stored: str | None, account_id: str, client_id: str, at: int) -> bool:
    if not stored:
        return False
    return consents.covering(account_id, client_id, details.load(stored), at) is None


def consent_page(client_id: str, stored: str | None) -> dict[str, Any] | None:
    if not stored:
        return None
    return details.describe(client_id, details.load(stored))


@dataclass(frozen=True)
class AtCode:
    items: list[dict[str, Any]]  # TransactWriteItems elements
    consent_id: str
    echo: str  # JSON: the token response's authorization_details


def at_code(*, client_id: str, grant_id: str, stored: str | None, account_id: str, sub: str,
            at: int, agreed: bool) -> AtCode | None:
    """None without a data-exchange request. ``agreed``: the citizen has just seen the
    consent page; otherwise a standing consent must cover the request (else ``Missing``)."""
    if not stored:
        return None
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
            raise Missing()
        consent, items = found, [consents.reuse_spec(found, grant_id, at)]
    echo = [{**detail.as_wire(), "consent_id": consent.consent_id,
             "receipt": consent.receipt}]
    return AtCode(items=items, consent_id=consent.consent_id,
                  echo=json.dumps(echo, separators=(",", ":")))


class Missing(Exception):
    """The standing consent that covered the request is gone (withdrawn meanwhile)."""
