"""Data-exchange consents, their signed receipts, use and withdrawal (``exchange`` table,
through ``exchange.dal``).

A consent is stored under its owner (the key holds the account id), so a consent id is only
ever looked up under the account of the session or token (THREATS 16: another citizen's id
is simply not found). It keeps: client, department, purpose, fields, mode, retention,
granted/expires/used/revoked times, the receipt (JWS) and its id, the citizen's pairwise subs
at the providers (derived once, at consent), the consumer's sub, and the grants (logins)
made under it, revoked with it.

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

from iamsmart.exchange import dal, details, registry, subjects, vocabulary
from iamsmart.exchange.models import Consent, Consumer, Detail, split_path

RECEIPT_TYP = "receipt+jwt"
SET_TYP = "secevent+jwt"
REVOKED_EVENT = "urn:iamsmart:event:consent-revoked"
KEEP_AFTER_END = 366 * 86400  # history kept a year after a consent ends (TTL)


def get(account_id: str, consent_id: str) -> Consent | None:
    if not consent_id.isalnum() or len(consent_id) > 64:
        return None
    return dal.consent(account_id, consent_id)


def list_for(account_id: str) -> list[Consent]:
    return sorted(dal.consents_of(account_id), key=lambda c: (-c.granted_at, c.consent_id))


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
    return consent, dal.new_consent_action(consent, forget_at=expires_at + KEEP_AFTER_END)


def reuse_spec(consent: Consent, grant_id: str, at: int) -> dict[str, Any]:
    """A ``TransactWriteItems`` update: this login's grant joins a standing consent, which
    must still be active when the code is issued (withdrawn meanwhile -> no code)."""
    return dal.join_consent_action(consent, grant_id, at)


def claim(consent: Consent, at: int) -> bool:
    """Use a consent for one fetch: a one-time consent is marked used (at most once); a
    standing one must still be active. False when refused (already used, revoked, expired)."""
    once = consent.mode == "one_time"
    if not once and consent.status(at) == "active":
        return True  # standing: read just now, nothing to write (no write per fetch)
    return dal.mark_consent_used(consent, at, once=once)


# --- withdrawal -------------------------------------------------------------------------

def revoke(account_id: str, consent_id: str) -> Consent | None:
    """Withdraw (idempotent): None when the citizen has no such consent."""
    consent = get(account_id, consent_id)
    if consent is None:
        return None
    if consent.revoked_at is not None:
        return consent
    at = int(time.time())
    if not dal.mark_consent_revoked(account_id, consent_id, at):
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
