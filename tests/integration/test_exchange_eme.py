"""The citizen's own e-ME profile (provider EME): kept by the citizen through the session
routes, served to the gateway by the platform's own provider endpoint under contract (a):
signed calls only, replays refused, only the asked fields, keyed by the EME pairwise subject,
never another citizen's."""

from __future__ import annotations

import json
from typing import Any

import pytest
from exchange_helpers import CITIZENS, citizen, xaws  # noqa: F401 - fixture
from oidc_helpers import Browser, Http

from iamsmart.exchange import eme, provider_auth
from iamsmart.exchange.subjects import provider_sub

pytestmark = pytest.mark.usefixtures("xaws")

URL = "/v1/providers/eme/v1/datasets/profile"
PROFILE = {"address": "Flat 2A, 1 Sample Street, Central", "address_tc": "中環樣本街1號2樓A室",
           "phone": "+852 9000 0002", "email": "siu.mei@example.com"}


@pytest.fixture
def http(api_app: Any) -> Http:
    eme.register()
    return Http(api_app)


def signed_call(http: Http, body: dict[str, Any], authorization: str | None = None,
                dataset: str = "profile") -> tuple[int, Any, str]:
    raw = json.dumps(body).encode()
    url = f"{eme.base_url()}/v1/datasets/{dataset}"
    header = authorization or provider_auth.authorization(url=url, audience=eme.base_url(),
                                                          body=raw)
    status, _, answer = http.request("POST", url, {"Content-Type": "application/json",
                                                   "Authorization": header}, raw)
    return status, json.loads(answer), header


def ask(sub: str, fields: list[str]) -> dict[str, Any]:
    return {"sub": sub, "fields": fields, "purpose": "form_filling", "consent_id": "c1",
            "request_id": "r1"}


def test_the_citizen_keeps_their_profile_and_only_theirs(http: Http) -> None:
    lee = citizen(http, CITIZENS[1])
    assert lee.json("GET", "/v1/me/profile") == (200, {"profile": {}, "updated_at": None})
    status, saved = lee.json("PUT", "/v1/me/profile", {**PROFILE, "address_tc": " "})
    assert status == 200, saved
    assert saved["profile"] == {k: v for k, v in PROFILE.items() if k != "address_tc"}
    assert lee.json("GET", "/v1/me/profile")[1]["profile"] == saved["profile"]

    chan = citizen(http, CITIZENS[0])  # another citizen's session sees their own (none)
    assert chan.json("GET", "/v1/me/profile")[1] == {"profile": {}, "updated_at": None}
    assert Browser(http).json("GET", "/v1/me/profile")[0] == 401

    status, refused = lee.json("PUT", "/v1/me/profile", {**PROFILE, "email": "not-an-email"})
    assert status == 400 and refused["message"]["tc"], refused
    status, refused = lee.json("PUT", "/v1/me/profile", {**PROFILE, "hkid": "A1234563"})
    assert status == 400, refused
    status, _, _ = lee.go("PUT", "/v1/me/profile", raw=json.dumps(PROFILE).encode(),
                          headers={"Content-Type": "text/plain"})
    assert status in (400, 415), "a cross-site form cannot change the profile"
    assert lee.json("GET", "/v1/me/profile")[1]["profile"]["email"] == PROFILE["email"]

    assert lee.json("DELETE", "/v1/me/profile", {})[0] == 200
    assert lee.json("GET", "/v1/me/profile")[1]["profile"] == {}


def test_the_provider_answers_signed_calls_with_the_asked_fields_only(http: Http) -> None:
    lee = citizen(http, CITIZENS[1])
    assert lee.json("PUT", "/v1/me/profile", PROFILE)[0] == 200
    sub = provider_sub("EME", CITIZENS[1])

    status, answer, header = signed_call(http, ask(sub, ["phone"]))
    assert status == 200, answer
    assert answer["fields"] == {"phone": PROFILE["phone"]} and answer["as_of"].endswith("Z")

    # The same signed call again (replay), no signature, a signature for another body.
    replayed = signed_call(http, ask(sub, ["phone"]), header)
    assert replayed[:2] == (401, {
        "error": "invalid_request_signature",
        "error_description": "The request is not a valid signed gateway call.",
        "message": {"en": "The request is not a valid signed gateway call.",
                    "tc": "此要求不是有效的已簽署閘道要求。"}})
    assert signed_call(http, ask(sub, ["phone"]), "Gateway x.y.z")[0] == 401
    assert signed_call(http, ask(sub, ["phone", "email"]), header)[0] == 401

    # Another provider's subject of the same citizen, or an unknown one: no record.
    unknown = signed_call(http, ask(provider_sub("IMMD", CITIZENS[1]), ["phone"]))
    assert unknown[0] == 404 and unknown[1]["error"] == "unknown_subject"
    assert signed_call(http, ask(sub, ["hkid"]))[1]["error"] == "unknown_field"
    assert signed_call(http, ask(sub, ["phone"]), dataset="passport")[1]["error"] == (
        "unknown_dataset")


def test_eme_is_registered_as_a_provider(http: Http) -> None:
    from iamsmart.exchange import registry
    from iamsmart.exchange.vocabulary import CITIZEN_ACCESS

    registry.reset()
    known = registry.providers()["EME"]
    assert known.base_url == eme.base_url()
    assert set(known.datasets["profile"].fields) == {"address", "address_tc", "phone", "email"}
    assert CITIZEN_ACCESS not in known.datasets["profile"].purposes
