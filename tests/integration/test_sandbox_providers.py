"""The sandbox data providers (infra/sandbox/providers.py) over real HTTP on loopback: the
gateway's signed request verified against the platform's JWKS (KMS in moto), unsigned, forged,
replayed, tampered or misaddressed calls refused, only the asked fields answered, pairwise
subjects per provider, and a provider told to be slow."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from joserfc import jws
from joserfc.jwk import ECKey

from iamsmart import parameters
from iamsmart.exchange import provider_auth
from iamsmart.exchange.subjects import provider_sub
from iamsmart.oidc import discovery, signing
from infra.local import provision
from infra.names import KEYS
from infra.sandbox.providers import PROVIDERS, ProvidersService, load_records

CHAN = "sandbox-chan-tai-man"
TIMEOUT = 5


@pytest.fixture
def service(aws: dict[str, str]) -> Iterator[ProvidersService]:
    provision.create_key(KEYS["oidc-signing"])
    provision.create_key(KEYS["token-hmac"])
    provision.create_parameters("http://localhost:8000")  # the issuer, as make dev writes it
    parameters.reset()
    signing.reset()
    svc = ProvidersService(discovery.issuer(), jwks_source=signing.jwks)
    svc.link_subjects()
    svc.serve()
    yield svc
    svc.stop()
    signing.reset()


def body_of(sub: str, fields: list[str], **extra: Any) -> bytes:
    request = {"sub": sub, "fields": fields, "purpose": "licence_application",
               "consent_id": "c-1", "request_id": "r-1", **extra}
    return json.dumps(request).encode()


def call(svc: ProvidersService, provider: str, dataset: str, body: bytes,
         authorization: str | None = "sign", audience: str | None = None) -> requests.Response:
    url = f"{svc.base_url(provider)}/v1/datasets/{dataset}"
    if authorization == "sign":
        authorization = provider_auth.authorization(
            url=url, audience=audience or svc.base_url(provider), body=body)
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    return requests.post(url, data=body, headers=headers, timeout=TIMEOUT)


def test_only_the_asked_fields_are_answered_with_their_date(service: ProvidersService) -> None:
    answer = call(service, "IMMD", "particulars", body_of(provider_sub("IMMD", CHAN),
                                                          ["address", "name_en"]))
    assert answer.status_code == 200, answer.text
    held = load_records()[CHAN]["IMMD"]["particulars"]
    assert answer.json() == {"fields": {"address": held["fields"]["address"],
                                        "name_en": "CHAN Tai Man"},
                             "as_of": held["as_of"]}
    licence = call(service, "TD", "driving_licence",
                   body_of(provider_sub("TD", CHAN), ["licence_number"])).json()
    assert set(licence["fields"]) == {"licence_number"}
    seen = service.received[-1]
    assert (seen.provider, seen.dataset, seen.fields) == ("TD", "driving_licence",
                                                          ("licence_number",))
    assert CHAN not in repr(service.received) and provider_sub("TD", CHAN) not in repr(
        service.received), "the sandbox keeps no subject of what it was asked"


def test_every_sandbox_citizen_has_a_record_at_every_provider(service: ProvidersService) -> None:
    for citizen, held in load_records().items():
        for provider, spec in PROVIDERS.items():
            for dataset, ds in spec["datasets"].items():
                assert set(held[provider][dataset]["fields"]) == set(ds["fields"]), (
                    citizen, provider, dataset)
    answer = call(service, "EDB", "school_records",
                  body_of(provider_sub("EDB", "sandbox-wong-ka-yan"),
                          ["highest_qualification"]))
    assert answer.json()["fields"] == {"highest_qualification": "Higher Diploma"}


def test_unsigned_forged_replayed_tampered_or_misaddressed_calls_are_refused(
        service: ProvidersService) -> None:
    body = body_of(provider_sub("IMMD", CHAN), ["address"])
    url = f"{service.base_url('IMMD')}/v1/datasets/particulars"
    refused = {"error": "invalid_request_signature"}

    assert call(service, "IMMD", "particulars", body, authorization=None).json() == refused
    assert call(service, "IMMD", "particulars", body, authorization="Bearer x").json() == refused

    # Forged: the right claims and the published kid, but signed by a key not in the JWKS.
    kid = signing.jwks()["keys"][0]["kid"]
    now = int(time.time())
    claims = {"iss": discovery.issuer(), "aud": service.base_url("IMMD"), "htm": "POST",
              "htu": url, "iat": now, "exp": now + 60, "jti": "forged-1",
              "bh": provider_auth.body_hash(body)}
    forged = jws.serialize_compact({"alg": "ES256", "typ": "gateway+jwt", "kid": kid},
                                   json.dumps(claims).encode(), ECKey.generate_key("P-256"))
    answer = call(service, "IMMD", "particulars", body, authorization=f"Gateway {forged}")
    assert (answer.status_code, answer.json()) == (401, refused)

    # Replayed: the same signed call twice.
    signed = provider_auth.authorization(url=url, audience=service.base_url("IMMD"), body=body)
    assert call(service, "IMMD", "particulars", body, authorization=signed).status_code == 200
    assert call(service, "IMMD", "particulars", body, authorization=signed).status_code == 401

    # Tampered: a signature for one body, sent with another (more fields).
    signed = provider_auth.authorization(url=url, audience=service.base_url("IMMD"), body=body)
    wider = body_of(provider_sub("IMMD", CHAN), ["address", "date_of_birth"])
    assert call(service, "IMMD", "particulars", wider, authorization=signed).status_code == 401

    # Misaddressed: signed for Transport, sent to Immigration.
    answer = call(service, "IMMD", "particulars", body, audience=service.base_url("TD"))
    assert answer.status_code == 401
    assert all(r.fields == ("address",) for r in service.received), "refused calls not served"
    assert len(service.received) == 1


def test_wrong_fields_datasets_and_subjects(service: ProvidersService) -> None:
    sub = provider_sub("IMMD", CHAN)
    assert call(service, "IMMD", "particulars", body_of(sub, ["hkid"])).json() == {
        "error": "unknown_field"}
    assert call(service, "IMMD", "passport", body_of(sub, ["number"])).json() == {
        "error": "unknown_dataset"}
    assert call(service, "IMMD", "particulars", body_of(sub, [])).status_code == 400
    bad = json.dumps({"sub": sub, "fields": ["address"]}).encode()
    assert call(service, "IMMD", "particulars", bad).json() == {"error": "bad_request"}
    # Pairwise: Transport's subject of the same citizen means nothing to Immigration.
    answer = call(service, "IMMD", "particulars", body_of(provider_sub("TD", CHAN), ["address"]))
    assert (answer.status_code, answer.json()) == (404, {"error": "unknown_subject"})
    assert len({provider_sub(p, CHAN) for p in PROVIDERS}) == len(PROVIDERS)


def test_a_provider_told_to_be_slow(service: ProvidersService) -> None:
    body = body_of(provider_sub("TD", CHAN), ["licence_number"])
    control = f"{service.url}/_sandbox/delay"
    assert requests.put(control, data="provider=TD&seconds=1", timeout=TIMEOUT,
                        headers={"Content-Type": "application/x-www-form-urlencoded"}
                        ).status_code == 415, "a cross-site form cannot slow the sandbox"
    assert requests.put(control, json={"provider": "TD", "seconds": 0.6},
                        timeout=TIMEOUT).json() == {"provider": "TD", "seconds": 0.6}
    started = time.monotonic()
    assert call(service, "TD", "driving_licence", body).status_code == 200
    assert time.monotonic() - started >= 0.6
    started = time.monotonic()
    call(service, "IMMD", "particulars", body_of(provider_sub("IMMD", CHAN), ["address"]))
    assert time.monotonic() - started < 0.5, "only Transport is slow"
    service.set_delay("TD", 0)
    started = time.monotonic()
    call(service, "TD", "driving_licence", body_of(provider_sub("TD", CHAN), ["status"]))
    assert time.monotonic() - started < 0.5


def test_every_coded_value_and_record_member_of_the_sandbox_data_has_words() -> None:
    """What "My data" shows is read with the providers' registered words: every record member
    the sandbox records hold is registered, and every short code (``F``, ``secondary``,
    ``valid``, a licence class) has words in both languages."""
    from iamsmart.exchange.models import Provider

    registered = {pid: Provider(id=pid, base_url="http://127.0.0.1:1", **spec)
                  for pid, spec in PROVIDERS.items()}
    coded = {("IMMD", "particulars", "sex"), ("TD", "driving_licence", "status"),
             ("TD", "driving_licence", "classes")}
    for citizen, held in load_records().items():
        for pid, datasets in held.items():
            for dataset, record in datasets.items():
                for name, value in record["fields"].items():
                    spec = registered[pid].field_spec(dataset, name)
                    assert spec is not None, (citizen, pid, dataset, name)
                    if (pid, dataset, name) in coded:
                        for code in value if isinstance(value, list) else [value]:
                            assert spec.codes[code].en and spec.codes[code].tc, code
                    for item in value if isinstance(value, list) else []:
                        if not isinstance(item, dict):
                            continue
                        for member, member_value in item.items():
                            assert member in spec.members, (pid, dataset, name, member)
                            if spec.members[member].codes and member_value is not None:
                                assert member_value in spec.members[member].codes
    levels = registered["EDB"].field_spec("school_records", "records").members["level"].codes
    assert levels["secondary"].tc == "中學"
    rateable = registered["RVD"].field_spec("properties", "properties").members["rateable_value"]
    assert rateable.type == "number"  # an amount: grouped when shown (a year is not)
    year = registered["TD"].field_spec("vehicles", "vehicles").members["year"]
    assert year.type == "string"
