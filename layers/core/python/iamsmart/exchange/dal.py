"""The exchange context's data-access module: the only one of ``iamsmart.exchange`` that names
its tables, keys, item attributes and expressions, or calls ``iamsmart.dynamo``. The other
modules call the named functions below with plain values and models.

``exchange`` table (partition ``pk``, sort ``sk``):
- registrations: providers under ``pk = "provider"``, consumers under ``pk = "consumer"``,
  ``sk`` = the id, ``doc`` = the validated registration as JSON (sorted keys);
- consents: ``pk = "consent#<account id>"``, ``sk = <consent id>`` (the owner in the key), the
  consent's attributes, ``gids`` (a string set: the grants made under it) and ``ttl``;
- e-ME profiles: ``pk = "eme#<EME pairwise sub>"``, ``sk = "profile"``, ``doc`` (the kept
  fields as JSON) and ``updated_at``.

``accesslog`` table (append-only): ``account_id`` (partition), ``sk`` = ``<ms, 13 digits>#<event
id>``, ``doc`` (the event as JSON) and ``expires_at`` (TTL); only ever put, with
``attribute_not_exists``, and queried newest first.

Every function is one DynamoDB request (a query of a partition: one per page), as before.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from iamsmart import dynamo, errors
from iamsmart.exchange.models import Consent, Consumer, Provider
from iamsmart.settings import settings

_Kind = Literal["provider", "consumer"]
PROVIDER_PK: _Kind = "provider"
CONSUMER_PK: _Kind = "consumer"


def _exchange() -> str:
    return settings().exchange_table  # type: ignore[no-any-return]


def _accesslog() -> str:
    return settings().accesslog_table  # type: ignore[no-any-return]


# --- registrations ----------------------------------------------------------------------

def _doc(model: Provider | Consumer) -> str:
    return json.dumps(model.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)


def _put_registration(kind: _Kind, ident: str, model: Provider | Consumer) -> None:
    dynamo.put(_exchange(), {"pk": kind, "sk": ident, "doc": _doc(model)})


def _registration_docs(kind: _Kind) -> list[Any]:
    return [json.loads(i["doc"]) for i in dynamo.query_all(_exchange(), ("pk", kind))]


def _delete_registration(kind: _Kind, ident: str) -> bool:
    return dynamo.delete(_exchange(), {"pk": kind, "sk": ident}) is not None


def put_provider(provider: Provider) -> None:
    """Create or replace a provider registration."""
    _put_registration(PROVIDER_PK, provider.id, provider)


def providers() -> list[Provider]:
    """Every provider registration (every page of the partition)."""
    return [Provider.model_validate(d) for d in _registration_docs(PROVIDER_PK)]


def delete_provider(provider_id: str) -> bool:
    """False when there was none."""
    return _delete_registration(PROVIDER_PK, provider_id)


def put_consumer(consumer: Consumer) -> None:
    """Create or replace a consumer registration."""
    _put_registration(CONSUMER_PK, consumer.client_id, consumer)


def find_consumer(client_id: str) -> Consumer | None:
    """One consumer registration (an eventually consistent read: registrations change rarely)."""
    item = dynamo.get(_exchange(), {"pk": CONSUMER_PK, "sk": client_id})
    return Consumer.model_validate(json.loads(item["doc"])) if item else None


def consumers() -> list[Consumer]:
    """Every consumer registration."""
    return [Consumer.model_validate(d) for d in _registration_docs(CONSUMER_PK)]


def delete_consumer(client_id: str) -> bool:
    """False when there was none."""
    return _delete_registration(CONSUMER_PK, client_id)


# --- consents ---------------------------------------------------------------------------

def _consent_key(account_id: str, consent_id: str) -> dict[str, str]:
    return {"pk": f"consent#{account_id}", "sk": consent_id}


def _consent(raw: dict[str, Any]) -> Consent:
    return Consent(
        account_id=raw["pk"].removeprefix("consent#"), consent_id=raw["sk"],
        client_id=raw["client_id"], department=raw["department"], purpose=raw["purpose"],
        fields=tuple(raw.get("fields", ())), mode=raw["mode"],
        retention_days=int(raw["retention_days"]), granted_at=int(raw["granted_at"]),
        expires_at=int(raw["expires_at"]), receipt_id=raw["receipt_id"],
        receipt=raw["receipt"], subs=dict(raw.get("subs", {})), sub=raw.get("sub", ""),
        used_at=int(raw["used_at"]) if raw.get("used_at") is not None else None,
        revoked_at=int(raw["revoked_at"]) if raw.get("revoked_at") is not None else None,
        grant_ids=frozenset(raw.get("gids", ())))


def consent(account_id: str, consent_id: str) -> Consent | None:
    """The citizen's consent (a strongly consistent read), None when not theirs or absent."""
    item = dynamo.get(_exchange(), _consent_key(account_id, consent_id), consistent=True)
    return _consent(item) if item else None


def consents_of(account_id: str) -> list[Consent]:
    """Every consent of the citizen (any status)."""
    return [_consent(i) for i in dynamo.query_all(_exchange(), ("pk", f"consent#{account_id}"))]


def new_consent_action(consent: Consent, *, forget_at: int) -> dict[str, Any]:
    """The ``TransactWriteItems`` put of a new consent (never over an existing one); the item
    expires (TTL) at ``forget_at``."""
    values = {
        **_consent_key(consent.account_id, consent.consent_id),
        "client_id": consent.client_id, "department": consent.department,
        "purpose": consent.purpose, "fields": list(consent.fields), "mode": consent.mode,
        "retention_days": consent.retention_days, "granted_at": consent.granted_at,
        "expires_at": consent.expires_at, "receipt_id": consent.receipt_id,
        "receipt": consent.receipt, "subs": dict(consent.subs), "sub": consent.sub,
        "gids": set(consent.grant_ids), "ttl": forget_at}
    return {"Put": {"TableName": _exchange(), "Item": dynamo.to_item(values),
                    "ConditionExpression": "attribute_not_exists(pk)"}}


def join_consent_action(consent: Consent, grant_id: str, at: int) -> dict[str, Any]:
    """The ``TransactWriteItems`` update adding a grant to a consent that must still be active
    at ``at`` (present, not withdrawn, not expired)."""
    return {"Update": {
        "TableName": _exchange(),
        "Key": dynamo.to_item(_consent_key(consent.account_id, consent.consent_id)),
        "UpdateExpression": "ADD gids :g",
        "ConditionExpression": ("attribute_exists(pk) AND attribute_not_exists(revoked_at) "
                                "AND expires_at > :now"),
        "ExpressionAttributeValues": dynamo.to_item({":g": {grant_id}, ":now": at})}}


def mark_consent_used(consent: Consent, at: int, *, once: bool) -> bool:
    """Record a use at ``at`` if the consent is still active (not withdrawn, not expired) and,
    ``once``, never used before (then marked used); False when refused."""
    condition = "attribute_not_exists(revoked_at) AND expires_at > :now"
    expression = "SET last_used_at = :now"
    if once:
        condition += " AND attribute_not_exists(used_at)"
        expression += ", used_at = :now"
    return dynamo.update(_exchange(), _consent_key(consent.account_id, consent.consent_id),
                         expression, condition=condition, values_={":now": at}) is not None


def mark_consent_revoked(account_id: str, consent_id: str, at: int) -> bool:
    """Withdraw at ``at``; False when it was already withdrawn or is gone (never a stub)."""
    return dynamo.update(_exchange(), _consent_key(account_id, consent_id),
                         "SET revoked_at = :now",
                         condition="attribute_exists(pk) AND attribute_not_exists(revoked_at)",
                         values_={":now": at}) is not None


# --- e-ME profiles ----------------------------------------------------------------------

def _profile_key(sub: str) -> dict[str, str]:
    return {"pk": f"eme#{sub}", "sk": "profile"}


def eme_profile(sub: str) -> tuple[dict[str, str], int] | None:
    """The profile kept under EME's pairwise subject and when it was written, or None."""
    item = dynamo.get(_exchange(), _profile_key(sub), consistent=True)
    if item is None:
        return None
    return json.loads(item["doc"]), int(item["updated_at"])


def put_eme_profile(sub: str, kept: dict[str, str], at: int) -> None:
    dynamo.put(_exchange(), {**_profile_key(sub), "doc": json.dumps(kept, ensure_ascii=False),
                             "updated_at": at})


def delete_eme_profile(sub: str) -> None:
    dynamo.delete(_exchange(), _profile_key(sub))


# --- the access log ---------------------------------------------------------------------

def _log_item(account_id: str, sk: str, event: dict[str, Any], expires_at: int,
              ) -> dict[str, Any]:
    return {"account_id": account_id, "sk": sk, "expires_at": expires_at,
            "doc": json.dumps(event, ensure_ascii=False, separators=(",", ":"))}


def append_log(account_id: str, sk: str, event: dict[str, Any], *, expires_at: int) -> None:
    """Append one event, never over another: fails closed (``Unavailable``, nothing written)."""
    if not dynamo.put(_accesslog(), _log_item(account_id, sk, event, expires_at),
                      condition="attribute_not_exists(account_id)"):
        raise errors.Unavailable(operation="accesslog.record", reason="exists")


def append_log_action(account_id: str, sk: str, event: dict[str, Any], *,
                      expires_at: int) -> dict[str, Any]:
    """The same append as a ``TransactWriteItems`` element (written with what it records)."""
    return {"Put": {"TableName": _accesslog(),
                    "Item": dynamo.to_item(_log_item(account_id, sk, event, expires_at)),
                    "ConditionExpression": "attribute_not_exists(account_id)"}}


def log_page(account_id: str, *, limit: int, after: str | None,
             ) -> tuple[list[dict[str, Any]], str | None]:
    """The citizen's events newest first, from after the sort key ``after``, and the sort key
    to continue from (None on the last page)."""
    start = {"account_id": account_id, "sk": after} if after is not None else None
    items, last = dynamo.query_page(_accesslog(), ("account_id", account_id), limit=limit,
                                    start=start, newest_first=True)
    return [json.loads(i["doc"]) for i in items], str(last["sk"]) if last else None
