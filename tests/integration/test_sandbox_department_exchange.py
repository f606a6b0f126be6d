"""The sandbox department's side of the data exchange (infra/sandbox/department.py) against the
platform's real signing (KMS in moto): the back-channel revocation notice is accepted only as a
Security Event Token signed by a published key, for this client, fresh; accepting it stops the
form and deletes what was fetched. Delivered JWEs open only with the department's own key."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from iamsmart import parameters
from iamsmart.oidc import discovery, signing
from infra.local import provision
from infra.names import KEYS
from infra.sandbox.department import DepartmentService, Exchange, Signed

EVENT = "urn:iamsmart:event:consent-revoked"


@pytest.fixture
def department(aws: dict[str, str]) -> Iterator[DepartmentService]:
    provision.create_key(KEYS["oidc-signing"])
    provision.create_parameters("http://localhost:8000")  # the issuer, as make dev writes it
    parameters.reset()
    signing.reset()
    svc = DepartmentService(discovery.issuer(), port=0, service_id=None)
    svc.rp._jwks = signing.jwks()  # what it would fetch from /v1/oidc/jwks
    svc.serve(0.1)
    yield svc
    svc.stop()
    signing.reset()


def signed_in(svc: DepartmentService, consent_id: str) -> Signed:
    signed = Signed(id_claims={"sub": "s1"}, userinfo={}, token_type="DPoP", expires_in=300,
                    scope="openid", has_refresh=False, id_token="", refresh_token=None,
                    at=time.time(),
                    exchange=Exchange(consent_id=consent_id, receipt_id="r1", csrf="x" * 24,
                                      filled={"address": "1 Sample Street"},
                                      provenance={"address": {"provider": "IMMD"}}))
    svc.sessions.put(f"browser-{consent_id}", signed)
    return signed


def notice(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": discovery.issuer(), "aud": "sandbox-td", "iat": now, "jti": f"j{now}",
            "sub": "s1", "events": {EVENT: {"consent_id": "c1", "receipt_id": "r1"}}, **over}


def post(svc: DepartmentService, token: str, ctype: str = "application/secevent+jwt") -> int:
    return requests.post(f"{svc.url}/exchange/notify", data=token.encode(), timeout=5,
                         headers={"Content-Type": ctype}).status_code


def test_a_signed_revocation_notice_stops_the_form_and_deletes_the_data(
        department: DepartmentService) -> None:
    mine, other = signed_in(department, "c1"), signed_in(department, "c2")
    assert post(department, signing.sign(notice(), typ="secevent+jwt")) == 202
    assert mine.exchange is not None and mine.exchange.notice_at is not None
    assert mine.exchange.filled == {} and mine.exchange.provenance == {}
    assert other.exchange is not None and other.exchange.notice_at is None
    assert other.exchange.filled == {"address": "1 Sample Street"}


@pytest.mark.parametrize("case", ["forged", "other_client", "other_issuer", "stale", "plain_jwt",
                                  "form_post", "garbage"])
def test_notices_not_from_the_platform_for_us_are_refused(department: DepartmentService,
                                                          case: str) -> None:
    signed = signed_in(department, "c1")
    token = signing.sign(notice(), typ="secevent+jwt")
    ctype = "application/secevent+jwt"
    if case == "forged":  # the published kid, another key
        kid = signing.jwks()["keys"][0]["kid"]
        token = jws.serialize_compact({"alg": "ES256", "typ": "secevent+jwt", "kid": kid},
                                      json.dumps(notice()).encode(), ECKey.generate_key("P-256"))
    elif case == "other_client":
        token = signing.sign(notice(aud="another-client"), typ="secevent+jwt")
    elif case == "other_issuer":
        token = signing.sign(notice(iss="https://elsewhere.example"), typ="secevent+jwt")
    elif case == "stale":
        token = signing.sign(notice(iat=int(time.time()) - 3600), typ="secevent+jwt")
    elif case == "plain_jwt":
        token = signing.sign(notice(), typ="JWT")
    elif case == "form_post":
        ctype = "application/x-www-form-urlencoded"
    else:
        token = "not.a.token"
    assert post(department, token, ctype) == 400
    assert signed.exchange is not None and signed.exchange.notice_at is None
    assert signed.exchange.filled == {"address": "1 Sample Street"}


def test_delivered_data_opens_only_with_the_departments_key(
        department: DepartmentService) -> None:
    public = ECKey.import_key(department.rp.public_encryption_jwk())
    header = {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": department.rp.encryption_key_id,
              "cty": "json"}
    token = jwe.encrypt_compact(header, b'{"consent_id": "c1", "form": {}}', public)
    assert department.rp.decrypt(token) == {"consent_id": "c1", "form": {}}

    stranger = ECKey.generate_key("P-256")
    foreign = jwe.encrypt_compact({**header, "kid": stranger.thumbprint()}, b"{}", stranger)
    with pytest.raises(ValueError):
        department.rp.decrypt(foreign)  # encrypted to another key
    relabelled = jwe.encrypt_compact(header, b"{}", stranger)  # our kid, another key
    with pytest.raises(JoseError):
        department.rp.decrypt(relabelled)
