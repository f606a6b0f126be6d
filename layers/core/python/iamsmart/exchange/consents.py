"""Data-exchange consents, their signed receipts, use and withdrawal (``exchange`` table).

Item: ``pk = "consent#<account id>"``, ``sk = <consent id>``: the owner is in the key, so a
consent id is only ever looked up under the account of the session or token (THREATS 16:
another citizen's id is simply not found). Attributes: client, department, purpose, fields,
mode, retention, granted/expires/used/revoked times, the receipt (JWS) and its id, the
citizen's pairwise subs at the providers (derived once, at consent), the consumer's sub,
and ``gids``: the grants (logins) made under it, revoked with it.

- One-time: ``claim`` sets ``used_at`` with a conditional update (used at most once, even
  under concurrency). Standing: reused until ``expires_at`` (never extended).
- Withdrawal sets ``revoked_at`` (the item stays, for the citizen's history and the audit),
  revokes the grants, and notifies the consumer (RFC 8417 Security Event Token).
- Receipt: KMS-signed JWT (typ ``receipt+jwt``) verifiable against the OIDC JWKS.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from iamsmart.dynamo import translated
from iamsmart.exchange import details, registry, subjects, vocabulary
from iamsmart.exchange.models import Consent, Consumer, Detail, split_path

RECEIPT_TYP = "receipt+jwt"
SET_TYP = "secevent+jwt"
REVOKED_EVENT = "urn:iamsmart:event:consent-revoked"
KEEP_AFTER_END = 366 * 86400  # history kept a year after a consent ends (TTL)


def _ddb() -> Any:
    from iamsmart import aws

    return aws.client("dynamodb")


def _table() -> str:
    return registry.table()


def key(account_id: str, consent_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"consent#{account_id}"}, "sk": {"S": consent_id}}


def from_item(item: dict[str, Any]) -> Consent:
    from iamsmart.oidc.grants import deserialise

    raw = deserialise(item)
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


def get(account_id: str, consent_id: str) -> Consent | None:
    if not consent_id.isalnum() or len(consent_id) > 64:
        return None
    with translated("exchange.consent"):
        item = _ddb().get_item(TableName=_table(), Key=key(account_id, consent_id),
                               ConsistentRead=True).get("Item")
    return from_item(item) if item else None


def list_for(account_id: str) -> list[Consent]:
    out: list[Consent] = []
    params: dict[str, Any] = {"TableName": _table(), "KeyConditionExpression": "pk = :p",
                              "ExpressionAttributeValues": {":p": {"S": f"consent#{account_id}"}}}
    while True:
        with translated("exchange.consents"):
            page = _ddb().query(**params)
        out.extend(from_item(i) for i in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            break
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(out, key=lambda c: (-c.granted_at, c.consent_id))


def covering(account_id: str, client_id: str, detail: Detail, at: int) -> Consent | None:
    """A standing consent of this citizen for this client that covers ``detail``."""
    if detail.mode != "standing":
        return None
    found = [c for c in list_for(account_id)
             if c.client_id == client_id and c.covers(detail, at)]
    return found[0] if found else None


# --- creating, reusing ------------------------------------------------------------------

def _receipt(*, consent_id: str, receipt_id: str, consumer: Consumer, detail: Detail,
             retention_days: int, sub: str, at: int, expires_at: int) -> str:
    from iamsmart.oidc import discovery, signing

    providers = sorted({split_path(p)[0] for p in detail.fields})
    return signing.sign({
        "iss": discovery.issuer(), "aud": [consumer.client_id], "sub": sub,
        "jti": receipt_id, "iat": at, "exp": expires_at, "consent_id": consent_id,
        "consumer": {"client_id": consumer.client_id, "department": consumer.department},
        "purpose": detail.purpose, "fields": list(detail.fields), "providers": providers,
        "mode": detail.mode, "retention_days": retention_days}, typ=RECEIPT_TYP)


def new(*, account_id: str, client_id: str, detail: Detail, sub: str, grant_id: str,
        at: int) -> tuple[Consent, dict[str, Any]]:
    """A consent the citizen has just given, its receipt signed (one KMS Sign, plus one
    GenerateMac per provider for their pairwise subs), and its ``TransactWriteItems`` put."""
    from iamsmart.oidc.grants import serialise

    consumer = registry.get_consumer(client_id)
    details.check(consumer, detail)  # the registration may have changed since PAR
    retention = consumer.purposes[detail.purpose].retention_days
    consent_id = uuid.uuid4().hex
    receipt_id = uuid.uuid4().hex
    expires_at = at + detail.lifetime_seconds()
    subs = {pid: subjects.provider_sub(pid, account_id)
            for pid in sorted({split_path(p)[0] for p in detail.fields})}
    receipt = _receipt(consent_id=consent_id, receipt_id=receipt_id, consumer=consumer,
                       detail=detail, retention_days=retention, sub=sub, at=at,
                       expires_at=expires_at)
    consent = Consent(account_id=account_id, consent_id=consent_id, client_id=client_id,
                      department=consumer.department, purpose=detail.purpose,
                      fields=detail.fields, mode=detail.mode, retention_days=retention,
                      granted_at=at, expires_at=expires_at, receipt_id=receipt_id,
                      receipt=receipt, subs=subs, sub=sub, grant_ids=frozenset({grant_id}))
    item = {**key(account_id, consent_id), **serialise({
        "client_id": client_id, "department": consumer.department, "purpose": detail.purpose,
        "fields": list(detail.fields), "mode": detail.mode, "retention_days": retention,
        "granted_at": at, "expires_at": expires_at, "receipt_id": receipt_id,
        "receipt": receipt, "subs": subs, "sub": sub, "gids": {grant_id},
        "ttl": expires_at + KEEP_AFTER_END})}
    return consent, {"Put": {"TableName": _table(), "Item": item,
                             "ConditionExpression": "attribute_not_exists(pk)"}}


def reuse_spec(consent: Consent, grant_id: str, at: int) -> dict[str, Any]:
    """A ``TransactWriteItems`` update: this login's grant joins a standing consent, which
    must still be active when the code is issued (withdrawn meanwhile -> no code)."""
    return {"Update": {
        "TableName": _table(), "Key": key(consent.account_id, consent.consent_id),
        "UpdateExpression": "ADD gids :g",
        "ConditionExpression": ("attribute_exists(pk) AND attribute_not_exists(revoked_at) "
                                "AND expires_at > :now"),
        "ExpressionAttributeValues": {":g": {"SS": [grant_id]}, ":now": {"N": str(at)}}}}


def claim(consent: Consent, at: int) -> bool:
    """Use a consent for one fetch: a one-time consent is marked used (at most once); a
    standing one must still be active. False when refused (already used, revoked, expired)."""
    from botocore.exceptions import ClientError

    condition = "attribute_not_exists(revoked_at) AND expires_at > :now"
    expression = "SET last_used_at = :now"
    if consent.mode == "one_time":
        condition += " AND attribute_not_exists(used_at)"
        expression += ", used_at = :now"
    elif consent.status(at) == "active":
        return True  # standing: read just now, nothing to write (no write per fetch)
    try:
        with translated("exchange.claim"):
            _ddb().update_item(TableName=_table(),
                               Key=key(consent.account_id, consent.consent_id),
                               UpdateExpression=expression, ConditionExpression=condition,
                               ExpressionAttributeValues={":now": {"N": str(at)}})
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


# --- withdrawal -------------------------------------------------------------------------

def revoke(account_id: str, consent_id: str) -> Consent | None:
    """Withdraw (idempotent): None when the citizen has no such consent."""
    from botocore.exceptions import ClientError

    consent = get(account_id, consent_id)
    if consent is None:
        return None
    if consent.revoked_at is not None:
        return consent
    at = int(time.time())
    try:
        with translated("exchange.revoke"):
            _ddb().update_item(TableName=_table(), Key=key(account_id, consent_id),
                               UpdateExpression="SET revoked_at = :now",
                               ConditionExpression="attribute_not_exists(revoked_at)",
                               ExpressionAttributeValues={":now": {"N": str(at)}})
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        return get(account_id, consent_id)
    from iamsmart.oidc import grants

    for grant_id in consent.grant_ids:
        grants.revoke(grant_id)
    revoked = Consent(**{**consent.__dict__, "revoked_at": at})
    notify_revoked(revoked)
    return revoked


def notify_revoked(consent: Consent) -> bool:
    """Back-channel notice to the consumer (one attempt, 2 s): a signed Security Event Token.
    Best effort: the consent is withdrawn whatever the consumer answers."""
    import urllib.error
    import urllib.request

    from iamsmart.observability import logger
    from iamsmart.oidc import discovery, signing

    consumer = registry.find_consumer(consent.client_id)
    if consumer is None or not consumer.notification_uri:
        return False
    at = int(time.time())
    token = signing.sign({
        "iss": discovery.issuer(), "aud": consumer.client_id, "iat": at,
        "jti": uuid.uuid4().hex, "sub": consent.sub,
        "events": {REVOKED_EVENT: {"consent_id": consent.consent_id,
                                   "receipt_id": consent.receipt_id}}}, typ=SET_TYP)
    # https (or http on loopback): checked when the consumer registered.
    request = urllib.request.Request(consumer.notification_uri,  # noqa: S310
                                     data=token.encode(), method="POST",
                                     headers={"Content-Type": "application/secevent+jwt"})
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310
            ok = 200 <= answer.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        ok = False
    logger().info("consent revocation notified", extra={"client_id": consent.client_id,
                                                        "delivered": ok})
    return ok


# --- the citizen's view -----------------------------------------------------------------

def _iso(ts: int | None) -> str | None:
    if ts is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def view(consent: Consent, at: int | None = None) -> dict[str, Any]:
    at = int(time.time()) if at is None else at
    consumer = registry.find_consumer(consent.client_id)
    who = (consumer.consumer_view() if consumer is not None else
           {"client_id": consent.client_id, "department": consent.department,
            "name_en": consent.client_id, "name_tc": consent.client_id})
    return {"consent_id": consent.consent_id, "status": consent.status(at),
            "mode": consent.mode, "consumer": who,
            "purpose": vocabulary.purpose_label(consent.purpose),
            "fields": details.field_views(consent.fields),
            "retention_days": consent.retention_days,
            "granted_at": _iso(consent.granted_at), "expires_at": _iso(consent.expires_at),
            "used_at": _iso(consent.used_at), "revoked_at": _iso(consent.revoked_at),
            "receipt_id": consent.receipt_id, "receipt": consent.receipt}
