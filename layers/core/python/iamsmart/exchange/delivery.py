"""Delivery: the consumer's fetch and e-ME form filling, and the citizen's own "My data".

A consumer's fetch, in order (each refusal after the token is known is audited):
1. the department API key's owner (``catalogue.departments``): none -> 403;
2. the DPoP-bound access token (``oidc.tokens.lookup`` + ``oidc.dpop.verify``; a bearer or
   unbound token is refused: data leaves only to the key holder) -> 401;
3. the client is a registered consumer of the key's department (another department's key
   -> 403, audited: THREATS 31);
4. the consent: the login's (grant ``xc``) or the body's ``consent_id``, looked up under the
   token's citizen only (another citizen's id -> 404: THREATS 16);
5. purpose and fields within the consent and the registration (THREATS 18), consent active:
   revoked, expired or a used one-time consent -> 403, audited (THREATS 19); a one-time
   consent is claimed (used) before any provider is called;
6. providers called in parallel through the fetch workflow (labelled partial results);
7. minimised to the asked, consented fields (nothing else can leave: the answer is built
   only from the asked paths), encrypted to the consumer's registered key (JWE
   ECDH-ES+A256KW / A256GCM) with per-field provenance;
8. audited (delivered or partial) before the answer leaves; no audit, no data.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from typing import Any

from iamsmart import errors
from iamsmart.exchange import audit, details, registry, vocabulary, workflow
from iamsmart.exchange import consents as xconsents
from iamsmart.exchange.models import Consent, Consumer, split_path
from iamsmart.metrics import Metric

JWE_ALG = "ECDH-ES+A256KW"
JWE_ENC = "A256GCM"
FETCH_PATH = "/v1/exchange/fetch"
FORM_PATH = "/v1/exchange/form"


class Refused(errors.Forbidden):
    """A fetch refused for a reason the citizen's access log shows (``code`` = reason)."""

    def __init__(self, reason: str) -> None:
        en, tc = vocabulary.REASONS[reason]
        super().__init__(en=en, tc=tc)
        self.code = reason


class InvalidToken(errors.Unauthorized):
    code = "invalid_token"
    en = "The access token is not valid for this request."
    tc = "存取權杖不適用於此請求。"


def _challenge(error: str) -> dict[str, str]:
    from iamsmart.oidc import discovery

    return {"WWW-Authenticate": f'DPoP algs="{" ".join(discovery.DPOP_ALGS)}", '
                                f'error="{error}"'}


def _grant(authorization: str | None, dpop_proof: str | None, path: str) -> Any:
    """The live grant of a DPoP-bound access token presented with a valid proof."""
    from iamsmart.oidc import clients, discovery, dpop, tokens
    from iamsmart.oidc.errors import InvalidDpopProof, UseDpopNonce

    scheme, _, value = (authorization or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "dpop" or not value:
        raise InvalidToken(headers=_challenge("invalid_token"))
    found = tokens.lookup(value)
    if found is None or found[1] != "access_token" or found[0].jkt is None:
        raise InvalidToken(headers=_challenge("invalid_token"))
    grant = found[0]
    client = clients.get(grant.client_id)
    try:
        jkt = dpop.verify(dpop_proof, method="POST", url=discovery.issuer() + path,
                          access_token=value, required=True,
                          nonce_required=client.dpop_nonce_required)
    except UseDpopNonce as exc:
        raise tokens.UseDpopNonceAtResource(
            headers={**_challenge("use_dpop_nonce"), **exc.headers}) from None
    except InvalidDpopProof:
        raise InvalidToken(headers=_challenge("invalid_dpop_proof")) from None
    if jkt != grant.jkt or not grant.account_id:
        raise InvalidToken(headers=_challenge("invalid_dpop_proof"))
    return grant


def _refuse(account_id: str, reason: str, *, kind: str, consumer: dict[str, str] | None,
            purpose: str, fields: list[str], consent: Consent | None) -> Refused:
    from iamsmart.observability import count, logger

    audit.record(account_id, kind=kind, outcome="refused", consumer=consumer,
                 purpose=purpose, fields=fields, reason=reason,
                 consent_id=consent.consent_id if consent else None,
                 receipt_id=consent.receipt_id if consent else None)
    logger().warning("exchange fetch refused", extra={"reason": reason,
                                                      "client_id": (consumer or {}).get(
                                                          "client_id")})
    count(Metric.EXCHANGE_REFUSED, reason=reason)
    return Refused(reason)


def calls_for(paths: list[str], subs: dict[str, str], purpose: str,
              consent_id: str | None) -> list[dict[str, Any]]:
    """One workflow item per (provider, dataset), asking for its fields only."""
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in paths:
        pid, dataset, name = split_path(path)
        grouped[(pid, dataset)].append(name)
    known = registry.providers()
    out = []
    for (pid, dataset), names in sorted(grouped.items()):
        provider = known.get(pid)
        if provider is None:
            continue  # unregistered since: labelled unavailable by ``assemble``
        out.append({"provider": pid, "dataset": dataset, "url": provider.base_url,
                    "timeout": provider.timeout_seconds,
                    "body": {"sub": subs[pid], "fields": sorted(names), "purpose": purpose,
                             "consent_id": consent_id, "request_id": uuid.uuid4().hex}})
    return out


def assemble(paths: list[str], results: list[dict[str, Any]],
             ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str], list[dict[str, str]]]:
    """(values, provenance, missing, provider statuses), built from the asked paths only."""
    by_dataset = {(r.get("provider"), r.get("dataset")): r for r in results
                  if isinstance(r, dict)}
    values: dict[str, Any] = {}
    provenance: dict[str, Any] = {}
    missing: dict[str, str] = {}
    statuses: dict[str, str] = {}
    for path in paths:
        pid, dataset, name = split_path(path)
        result = by_dataset.get((pid, dataset)) or {"status": "unavailable", "fields": {}}
        status = result.get("status")
        status = status if status in vocabulary.PROVIDER_STATUS else "unavailable"
        if statuses.get(pid) in (None, "ok"):
            statuses[pid] = status
        raw = result.get("fields")
        answer: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if status == "ok" and name in answer:
            values[path] = answer[name]
            provenance[path] = {"provider": pid, "dataset": dataset,
                                "as_of": result.get("as_of")}
        else:
            missing[path] = "not_held" if status == "ok" else status
    providers = [{"id": pid, "status": s} for pid, s in sorted(statuses.items())]
    return values, provenance, missing, providers


def encrypt(consumer: Consumer, payload: dict[str, Any]) -> str:
    from joserfc import jwe
    from joserfc.jwk import ECKey

    jwk = {k: v for k, v in consumer.encryption_jwk.items() if k in ("kty", "crv", "x", "y")}
    key = ECKey.import_key(jwk)
    header = {"alg": JWE_ALG, "enc": JWE_ENC, "kid": consumer.encryption_jwk["kid"],
              "cty": "json"}
    plaintext = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return jwe.encrypt_compact(header, plaintext, key)


def fetch(*, api_key_id: str | None, authorization: str | None, dpop_proof: str | None,
          purpose: str, fields: list[str] | None = None, form: dict[str, str] | None = None,
          consent_id: str | None = None) -> dict[str, Any]:
    """``POST /v1/exchange/fetch`` (``fields``) and ``/v1/exchange/form`` (``form``)."""
    from iamsmart.catalogue.departments import department_for_key
    from iamsmart.observability import count

    kind = "form" if form is not None else "fetch"
    department = department_for_key(api_key_id)
    grant = _grant(authorization, dpop_proof, FORM_PATH if kind == "form" else FETCH_PATH)
    account_id = grant.account_id
    asked = sorted(set(form.values())) if form is not None else sorted(set(fields or ()))
    consumer = registry.find_consumer(grant.client_id)
    who = consumer.consumer_view() if consumer is not None else {
        "client_id": grant.client_id, "department": department,
        "name_en": grant.client_id, "name_tc": grant.client_id}

    def refuse(reason: str, consent: Consent | None = None) -> Refused:
        return _refuse(account_id, reason, kind=kind, consumer=who, purpose=purpose,
                       fields=asked, consent=consent)

    if consumer is None:
        raise refuse("outside_registration")
    if consumer.department != department:
        raise refuse("wrong_department_key")
    cid = consent_id or grant.exchange_consent
    consent = xconsents.get(account_id, cid) if cid else None
    if consent is None or consent.client_id != grant.client_id:
        raise errors.NotFound()
    if not asked:
        asked = sorted(consent.fields)
    if purpose != consent.purpose or not set(asked) <= set(consent.fields):
        raise refuse("outside_consent", consent)
    registration = consumer.purposes.get(purpose)
    if registration is None or not set(asked) <= set(registration.fields):
        raise refuse("outside_registration", consent)
    at = int(time.time())
    status = consent.status(at)
    if status != "active":
        raise refuse({"revoked": "consent_revoked", "expired": "consent_expired",
                      "used": "consent_used"}[status], consent)
    if not xconsents.claim(consent, at):
        fresh = xconsents.get(account_id, consent.consent_id) or consent
        reason = {"revoked": "consent_revoked", "expired": "consent_expired",
                  "used": "consent_used"}.get(fresh.status(int(time.time())), "consent_used")
        raise refuse(reason, consent)
    fetch_id = uuid.uuid4().hex
    results = workflow.run(fetch_id, calls_for(asked, consent.subs, purpose,
                                               consent.consent_id))
    values, provenance, missing, providers = assemble(asked, results)
    outcome = "delivered" if not missing else "partial"
    payload: dict[str, Any] = {"fetch_id": fetch_id, "consent_id": consent.consent_id,
                               "purpose": purpose, "iat": int(time.time())}
    if form is not None:
        payload["form"] = {f: values[p] for f, p in form.items() if p in values}
        payload["provenance"] = {f: provenance[p] for f, p in form.items() if p in provenance}
        payload["missing"] = {f: missing[p] for f, p in form.items() if p in missing}
    else:
        payload.update({"fields": values, "provenance": provenance, "missing": missing})
    token = encrypt(consumer, payload)
    audit.record(account_id, kind=kind, outcome=outcome, consumer=who, purpose=purpose,
                 fields=asked, delivered=sorted(values), providers=providers,
                 consent_id=consent.consent_id, receipt_id=consent.receipt_id,
                 event_id=fetch_id)
    count(Metric.EXCHANGE_DELIVERED, outcome=outcome)
    return {"fetch_id": fetch_id, "status": "complete" if not missing else "partial",
            "consent_id": consent.consent_id, "receipt_id": consent.receipt_id, "jwe": token}


def my_data(account_id: str) -> dict[str, Any]:
    """``GET /v1/me/data``: everything each provider holds about the citizen, live, with
    provenance (purpose ``citizen_access``, audited as the citizen's own read)."""
    from iamsmart.exchange import subjects

    known = registry.providers()
    paths = [p for provider in known.values() for p in provider.paths()]
    subs = {pid: subjects.provider_sub(pid, account_id) for pid in known}
    fetch_id = uuid.uuid4().hex
    results = workflow.run(fetch_id, calls_for(paths, subs, vocabulary.CITIZEN_ACCESS, None))
    values, _, _, statuses = assemble(paths, results)
    status_of = {s["id"]: s["status"] for s in statuses}
    as_of = {(r.get("provider"), r.get("dataset")): r.get("as_of") for r in results}
    out = []
    for pid, provider in sorted(known.items()):
        datasets = []
        for name, ds in provider.datasets.items():
            held = [f"{pid}.{name}.{f}" for f in ds.fields if f"{pid}.{name}.{f}" in values]
            datasets.append({
                "dataset": name, "name_en": ds.name_en, "name_tc": ds.name_tc,
                "as_of": as_of.get((pid, name)),
                # the consent page's words for each field, and how its values read
                "fields": [{**view, "value": values.get(view["path"])}
                           for view in details.field_views(held)]})
        stamps = [d["as_of"] for d in datasets if d["as_of"]]
        out.append({"id": pid, "name_en": provider.name_en, "name_tc": provider.name_tc,
                    "status": status_of.get(pid, "unavailable"),
                    "as_of": max(stamps) if stamps else None, "datasets": datasets})
    audit.record(account_id, kind="self", outcome="delivered" if all(
        s["status"] in ("ok", "not_held") for s in statuses) else "partial",
        consumer=None, purpose=vocabulary.CITIZEN_ACCESS, fields=paths,
        delivered=sorted(values), providers=statuses, event_id=fetch_id)
    return {"providers": out}
