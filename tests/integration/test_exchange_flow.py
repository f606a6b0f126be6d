"""The data exchange end to end on moto: consent through PAR + the consent page (RFC 9396),
receipts, the consumer's fetch through the real fetch workflow to providers on loopback,
JWE delivery, the citizen's consents and access log (THREATS 16-19, 31)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from exchange_helpers import (
    CITIZENS,
    Consumer,
    KeyedHttp,
    Providers,
    citizen,
    providers,  # noqa: F401 - fixture
    xaws,  # noqa: F401 - fixture
)
from joserfc import jwt
from joserfc.jwk import KeySet

pytestmark = pytest.mark.usefixtures("xaws", "providers")

ADDRESS = "IMMD.particulars.address"
LICENCE = "TD.driving_licence.licence_number"


@pytest.fixture
def http(api_app: Any) -> KeyedHttp:
    return KeyedHttp(api_app)


@pytest.fixture
def keys(xaws: dict[str, str]) -> dict[str, str]:  # noqa: F811
    return dict(json.loads(xaws["department_keys"]))


@pytest.fixture
def consumer(http: KeyedHttp, keys: dict[str, str]) -> Consumer:
    return Consumer(http, keys)


def _log(browser: Any) -> list[dict[str, Any]]:
    status, body = browser.json("GET", "/v1/me/access-log")
    assert status == 200, body
    return list(body["events"])


def test_one_time_consent_fetch_delivers_encrypted_minimised_data(
        http: KeyedHttp, consumer: Consumer, providers: Providers) -> None:  # noqa: F811
    browser = citizen(http)
    tokens = consumer.login(browser, [ADDRESS, LICENCE])
    page = consumer.last_page["data_exchange"]
    assert page["consumer"]["client_id"] == "sandbox-rp"
    assert {f["provider"]["id"] for f in page["fields"]} == {"IMMD", "TD"}
    assert page["purpose"]["tc"] and page["retention_days"] == 30
    granted = tokens["authorization_details"][0]
    status, answer = consumer.fetch(tokens["access_token"], {"purpose": "licence_application"})
    assert status == 200, answer
    assert answer["status"] == "complete" and answer["consent_id"] == granted["consent_id"]
    data = consumer.open(answer["jwe"])
    assert data["fields"] == {ADDRESS: "1 Queen's Road", LICENCE: "DL123456"}
    assert data["provenance"][LICENCE] == {"provider": "TD", "dataset": "driving_licence",
                                           "as_of": "2026-11-01T00:00:00Z"}
    assert data["missing"] == {}
    # Each provider was asked for its own fields only, under its own pairwise subject.
    asked = {c["provider"]: c for c in providers.calls}
    assert asked["IMMD"]["fields"] == ["address"] and asked["TD"]["fields"] == [
        "licence_number"]
    assert asked["IMMD"]["sub"] != asked["TD"]["sub"]
    assert CITIZENS[0] not in json.dumps(providers.calls)
    assert providers.refused == 0
    events = _log(browser)
    assert events[0]["outcome"] == "delivered" and events[0]["kind"] == "fetch"
    assert events[0]["delivered"] == sorted([ADDRESS, LICENCE])
    assert events[0]["receipt_id"] == answer["receipt_id"]


def test_one_time_consent_used_twice_is_refused_and_logged(http: KeyedHttp,
                                                           consumer: Consumer) -> None:
    browser = citizen(http)
    tokens = consumer.login(browser, [ADDRESS])
    assert consumer.fetch(tokens["access_token"], {"purpose": "licence_application"})[0] == 200
    status, answer = consumer.fetch(tokens["access_token"], {"purpose": "licence_application"})
    assert status == 403 and answer["error"] == "consent_used"
    events = _log(browser)
    assert [e["outcome"] for e in events[:2]] == ["refused", "delivered"]
    assert events[0]["reason"] == "consent_used" and events[0]["reason_tc"]


def test_standing_consent_reused_without_asking_then_refused_after_expiry(
        http: KeyedHttp, consumer: Consumer) -> None:
    from iamsmart import dynamo
    from iamsmart.settings import settings

    browser = citizen(http)
    first = consumer.login(browser, [ADDRESS, LICENCE], mode="standing", days=30)
    consent_id = first["authorization_details"][0]["consent_id"]
    # Another login asking for less: no consent page, the same consent.
    second = consumer.login(browser, [ADDRESS], mode="standing", days=30, expect_page=False)
    assert second["authorization_details"][0]["consent_id"] == consent_id
    for tokens in (first, second, first):
        status, answer = consumer.fetch(tokens["access_token"],
                                        {"purpose": "licence_application",
                                         "fields": [ADDRESS]})
        assert status == 200, answer
    # Time passes: the consent expires (moved back, as the clock would).
    dynamo.update(settings().exchange_table,
                  {"pk": f"consent#{CITIZENS[0]}", "sk": consent_id},
                  "SET expires_at = :past", values_={":past": 1000})
    status, answer = consumer.fetch(second["access_token"], {"purpose": "licence_application"})
    assert status == 403 and answer["error"] == "consent_expired"
    assert _log(browser)[0]["reason"] == "consent_expired"
    # And a new login asks again.
    consumer.login(browser, [ADDRESS], mode="standing", days=30)


def test_widened_request_asks_again(http: KeyedHttp, consumer: Consumer) -> None:
    browser = citizen(http)
    consumer.login(browser, [ADDRESS], mode="standing", days=30)
    consumer.login(browser, [ADDRESS, LICENCE], mode="standing", days=30)  # wider fields
    consumer.login(browser, [ADDRESS], mode="standing", days=60)  # longer
    consumer.login(browser, [ADDRESS], mode="one_time")  # one-time always asks
    consumer.login(browser, [ADDRESS], mode="standing", days=10, expect_page=False)


def test_fetch_beyond_the_consent_is_refused(http: KeyedHttp, consumer: Consumer) -> None:
    browser = citizen(http)
    tokens = consumer.login(browser, [ADDRESS], mode="standing", days=5)
    status, answer = consumer.fetch(tokens["access_token"],
                                    {"purpose": "licence_application",
                                     "fields": [ADDRESS, LICENCE]})
    assert status == 403 and answer["error"] == "outside_consent"
    status, answer = consumer.fetch(tokens["access_token"], {"purpose": "form_filling"})
    assert status == 403 and answer["error"] == "outside_consent"
    assert [e["reason"] for e in _log(browser)[:2]] == ["outside_consent"] * 2


@pytest.mark.parametrize("detail", [
    {"fields": ["IMMD.particulars.address"], "purpose": "account_opening"},  # not registered
    {"fields": ["TD.driving_licence.expiry_date"], "purpose": "form_filling"},  # outside it
    {"fields": ["RVD.rates.amount"], "purpose": "licence_application"},  # unknown field
])
def test_par_refuses_details_outside_the_registration(consumer: Consumer,
                                                      detail: dict[str, Any]) -> None:
    raw = json.dumps([{"type": "urn:iamsmart:data-exchange", "mode": "one_time", **detail}])
    status, body = consumer.rp.par(authorization_details=raw)
    assert status == 400 and body["error"] == "invalid_authorization_details", body


def test_par_refuses_a_client_that_is_not_a_consumer(http: KeyedHttp, consumer: Consumer) -> None:
    from oidc_helpers import RP

    other = RP(http, "other-rp")
    status, body = other.par(authorization_details=consumer.details([ADDRESS]))
    assert status == 400 and body["error"] == "invalid_authorization_details"


def test_another_citizens_consent_is_not_found(http: KeyedHttp, consumer: Consumer) -> None:
    chan = citizen(http, CITIZENS[0])
    lee = citizen(http, CITIZENS[1])
    chan_tokens = consumer.login(chan, [ADDRESS], mode="standing", days=5)
    lee_tokens = consumer.login(lee, [ADDRESS], mode="standing", days=5)
    chan_consent = chan_tokens["authorization_details"][0]["consent_id"]
    assert lee.json("GET", f"/v1/me/consents/exchange/{chan_consent}")[0] == 404
    assert lee.json("DELETE", f"/v1/me/consents/exchange/{chan_consent}", {})[0] == 404
    status, body = chan.json("GET", f"/v1/me/consents/exchange/{chan_consent}")
    assert status == 200 and body["status"] == "active"
    # Lee's token naming Chan's consent: not found (the owner is the token's citizen).
    status, answer = consumer.fetch(lee_tokens["access_token"],
                                    {"purpose": "licence_application",
                                     "consent_id": chan_consent})
    assert status == 404, answer


def test_revoked_consent_is_refused_logged_and_notified(http: KeyedHttp,
                                                         consumer: Consumer) -> None:
    browser = citizen(http)
    tokens = consumer.login(browser, [ADDRESS], mode="standing", days=5)
    consent_id = tokens["authorization_details"][0]["consent_id"]
    status, body = browser.json("DELETE", f"/v1/me/consents/exchange/{consent_id}", {})
    assert status == 200 and body["status"] == "revoked"
    status, answer = consumer.fetch(tokens["access_token"],
                                    {"purpose": "licence_application",
                                     "consent_id": consent_id})
    # The login's tokens are revoked with the consent.
    assert status == 401, answer
    listed = browser.json("GET", "/v1/me/consents/exchange")[1]["consents"]
    assert listed[0]["status"] == "revoked"
    assert _log(browser)[0]["kind"] == "revoke"


def test_revoked_consent_refused_through_a_later_login(http: KeyedHttp,
                                                        consumer: Consumer) -> None:
    browser = citizen(http)
    first = consumer.login(browser, [ADDRESS], mode="standing", days=5)
    consent_id = first["authorization_details"][0]["consent_id"]
    later = consumer.login(browser, [ADDRESS], mode="one_time")
    assert browser.json("DELETE", f"/v1/me/consents/exchange/{consent_id}", {})[0] == 200
    status, answer = consumer.fetch(later["access_token"],
                                    {"purpose": "licence_application",
                                     "consent_id": consent_id})
    assert status == 403 and answer["error"] == "consent_revoked"
    assert _log(browser)[0]["reason"] == "consent_revoked"


def test_receipt_verifies_against_the_jwks(http: KeyedHttp, consumer: Consumer) -> None:
    browser = citizen(http)
    tokens = consumer.login(browser, [ADDRESS, LICENCE], mode="standing", days=30)
    granted = tokens["authorization_details"][0]
    status, _, raw = http.request("GET", "/v1/oidc/jwks")
    keyset = KeySet.import_key_set(json.loads(raw))
    token = jwt.decode(granted["receipt"], keyset, algorithms=["ES256"])
    assert token.header["typ"] == "receipt+jwt"
    claims = token.claims
    assert claims["consent_id"] == granted["consent_id"]
    assert claims["fields"] == sorted([ADDRESS, LICENCE])
    assert claims["providers"] == ["IMMD", "TD"] and claims["retention_days"] == 30
    assert claims["aud"] == ["sandbox-rp"] and claims["exp"] - claims["iat"] == 30 * 86400
    shown = browser.json("GET", f"/v1/me/consents/exchange/{granted['consent_id']}")[1]
    assert shown["receipt"] == granted["receipt"] and shown["receipt_id"] == claims["jti"]


def test_jwe_opens_only_with_the_consumers_key(http: KeyedHttp, consumer: Consumer) -> None:
    from joserfc import jwe
    from joserfc.errors import JoseError
    from joserfc.jwk import ECKey

    tokens = consumer.login(citizen(http), [ADDRESS])
    answer = consumer.fetch(tokens["access_token"], {"purpose": "licence_application"})[1]
    assert consumer.open(answer["jwe"])["fields"][ADDRESS]
    with pytest.raises(JoseError):
        jwe.decrypt_compact(answer["jwe"], ECKey.generate_key("P-256", private=True))
    header = json.loads(__import__("base64").urlsafe_b64decode(
        answer["jwe"].split(".")[0] + "=="))
    assert header["alg"] == "ECDH-ES+A256KW" and header["enc"] == "A256GCM"


def test_provider_timeout_gives_a_labelled_audited_partial(
        http: KeyedHttp, consumer: Consumer, providers: Providers) -> None:  # noqa: F811
    providers.delay["TD"] = 2.0  # beyond TD's 1 s timeout
    browser = citizen(http)
    tokens = consumer.login(browser, [ADDRESS, LICENCE])
    status, answer = consumer.fetch(tokens["access_token"], {"purpose": "licence_application"})
    assert status == 200 and answer["status"] == "partial"
    data = consumer.open(answer["jwe"])
    assert data["fields"] == {ADDRESS: "1 Queen's Road"}
    assert data["missing"] == {LICENCE: "timeout"}
    event = _log(browser)[0]
    assert event["outcome"] == "partial" and event["delivered"] == [ADDRESS]
    assert {p["id"]: p["status"] for p in event["providers"]} == {"IMMD": "ok",
                                                                   "TD": "timeout"}


def test_fields_a_provider_adds_never_leave(http: KeyedHttp, consumer: Consumer,
                                           providers: Providers) -> None:  # noqa: F811
    providers.extra["IMMD"] = {"date_of_birth": "1980-01-01", "hkid": "A1234563"}
    tokens = consumer.login(citizen(http), [ADDRESS])
    answer = consumer.fetch(tokens["access_token"], {"purpose": "licence_application"})[1]
    assert consumer.open(answer["jwe"])["fields"] == {ADDRESS: "1 Queen's Road"}


@pytest.mark.parametrize("key", [None, "wrong-key", "IMMD"])
def test_department_key_missing_unknown_or_foreign_is_forbidden(
        http: KeyedHttp, consumer: Consumer, key: str | None) -> None:
    browser = citizen(http)
    tokens = consumer.login(browser, [ADDRESS])
    status, answer = consumer.fetch(tokens["access_token"], {"purpose": "licence_application"},
                                    key=key)
    assert status == 403, answer
    if key == "IMMD":  # a real key of another department: the citizen sees the attempt
        assert _log(browser)[0]["reason"] == "wrong_department_key"
    # The consent was not used by the refused call.
    assert consumer.fetch(tokens["access_token"], {"purpose": "licence_application"})[0] == 200


def test_department_over_quota_gets_429(http: KeyedHttp, consumer: Consumer) -> None:
    from iamsmart import aws

    apigw = aws.client("apigateway")
    plan = apigw.create_usage_plan(name="tiny", quota={"limit": 1, "period": "DAY"},
                                   throttle={"rateLimit": 100, "burstLimit": 100})
    key = apigw.create_api_key(name="td-tiny", enabled=True, value="td-tiny-key-0123456789",
                               tags={"department": "TD"})
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    from iamsmart.apikeys import registry as apikeys

    apikeys.record(key["id"], "department", department="TD")
    tokens = consumer.login(citizen(http), [ADDRESS], mode="standing", days=1)
    body = {"purpose": "licence_application"}
    assert consumer.fetch(tokens["access_token"], body, key="td-tiny-key-0123456789")[0] == 200
    status, _ = consumer.fetch(tokens["access_token"], body, key="td-tiny-key-0123456789")
    assert status == 429


def test_e_me_form_fills_from_the_consent(http: KeyedHttp, consumer: Consumer) -> None:
    tokens = consumer.login(citizen(http), [ADDRESS, "IMMD.particulars.name_en"],
                            purpose="form_filling")
    status, answer = consumer.fetch(
        tokens["access_token"], {"purpose": "form_filling",
                                 "form": {"applicant.name": "IMMD.particulars.name_en",
                                          "applicant.address": ADDRESS}},
        path="/v1/exchange/form")
    assert status == 200, answer
    data = consumer.open(answer["jwe"])
    assert data["form"] == {"applicant.name": "CHAN, Tai Man",
                            "applicant.address": "1 Queen's Road"}
    assert data["provenance"]["applicant.name"]["provider"] == "IMMD"


def test_my_data_reads_every_provider_live(http: KeyedHttp, consumer: Consumer) -> None:
    browser = citizen(http, CITIZENS[1])
    status, body = browser.json("GET", "/v1/me/data")
    assert status == 200, body
    by_id = {p["id"]: p for p in body["providers"]}
    assert by_id["TD"]["status"] == "ok"
    values = {f["path"]: f["value"] for d in by_id["IMMD"]["datasets"] for f in d["fields"]}
    assert values["IMMD.particulars.address"] == "2 Nathan Road"
    event = _log(browser)[0]
    assert event["kind"] == "self" and event["consumer"] is None
    assert Browser_unauth(http) == 401


def Browser_unauth(http: KeyedHttp) -> int:  # noqa: N802
    from oidc_helpers import Browser

    return Browser(http).json("GET", "/v1/me/data")[0]


def test_random_requests_never_get_more_than_consented(http: KeyedHttp,
                                                       consumer: Consumer) -> None:
    """Through the real gateway: random consents and requests; what is delivered is always
    within both, and anything beyond the consent is refused outright."""
    import random

    from exchange_helpers import PURPOSES

    universe = PURPOSES["licence_application"]["fields"]
    rng = random.Random(5)
    browser = citizen(http)
    for _ in range(8):
        consented = sorted(rng.sample(universe, rng.randint(1, 4)))
        tokens = consumer.login(browser, consented, mode="standing", days=1)
        for _ in range(3):
            requested = sorted(rng.sample(universe, rng.randint(1, 4)))
            status, answer = consumer.fetch(tokens["access_token"],
                                            {"purpose": "licence_application",
                                             "fields": requested})
            if not set(requested) <= set(consented):
                assert status == 403 and answer["error"] == "outside_consent"
                continue
            assert status == 200, answer
            data = consumer.open(answer["jwe"])
            assert set(data["fields"]) == set(requested)


def test_consent_is_in_the_log_and_revocation_reaches_the_consumer(
        http: KeyedHttp, keys: dict[str, str]) -> None:
    from exchange_helpers import Inbox

    inbox = Inbox()
    try:
        consumer = Consumer(http, keys, notification_uri=inbox.url)
        browser = citizen(http)
        tokens = consumer.login(browser, [ADDRESS], mode="standing", days=5)
        consent_id = tokens["authorization_details"][0]["consent_id"]
        event = _log(browser)[0]
        assert event["kind"] == "consent" and event["consent_id"] == consent_id
        assert browser.json("DELETE", f"/v1/me/consents/exchange/{consent_id}", {})[0] == 200
        assert len(inbox.received) == 1
        content_type, body = inbox.received[0]
        assert content_type == "application/secevent+jwt"
        status, _, raw = http.request("GET", "/v1/oidc/jwks")
        token = jwt.decode(body.decode(), KeySet.import_key_set(json.loads(raw)),
                           algorithms=["ES256"])
        assert token.header["typ"] == "secevent+jwt"
        assert token.claims["aud"] == "sandbox-rp"
        revoked = token.claims["events"]["urn:iamsmart:event:consent-revoked"]
        assert revoked["consent_id"] == consent_id
        # Withdrawing again: same answer, no second notice.
        assert browser.json("DELETE", f"/v1/me/consents/exchange/{consent_id}", {})[1][
            "status"] == "revoked"
        assert len(inbox.received) == 1
    finally:
        inbox.stop()


def test_signing_outage_labels_every_provider_unavailable(http: KeyedHttp,
                                                          consumer: Consumer,
                                                          providers: Providers) -> None:  # noqa: F811
    """KMS cannot sign the provider calls: no unsigned call goes out (fail closed); the
    workflow labels each provider unavailable and the fetch says so."""
    from iamsmart import aws
    from iamsmart.oidc import signing

    browser = citizen(http)
    tokens = consumer.login(browser, [ADDRESS, LICENCE])
    signing.current_key()  # resolved and cached before the outage

    def throttled(**_: Any) -> Any:  # what KMS answers when throttled (moto cannot)
        return (type("R", (), {"status_code": 400})(),
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"},
                 "ResponseMetadata": {"HTTPStatusCode": 400}})

    events = aws.client("kms").meta.events
    events.register("before-call.kms.Sign", throttled, unique_id="outage")
    try:
        status, answer = consumer.fetch(tokens["access_token"],
                                        {"purpose": "licence_application"})
    finally:
        events.unregister("before-call.kms.Sign", unique_id="outage")
    assert status == 200 and answer["status"] == "partial", answer
    data = consumer.open(answer["jwe"])
    assert data["fields"] == {} and data["missing"] == {ADDRESS: "unavailable",
                                                         LICENCE: "unavailable"}
    assert providers.calls == []
    assert _log(browser)[0]["outcome"] == "partial"


def test_my_data_and_the_access_log_speak_the_consent_pages_words(
        http: KeyedHttp, consumer: Consumer) -> None:
    """One vocabulary: "My data" and "Who read my data" name fields and departments with the
    words the consent page shows (the providers' registrations), never paths or ids alone."""
    from iamsmart.exchange import details

    browser = citizen(http, CITIZENS[1])
    status, data = browser.json("GET", "/v1/me/data")
    assert status == 200, data
    held = {f["path"]: f for p in data["providers"] for d in p["datasets"] for f in d["fields"]}
    assert held
    for path, field in held.items():
        [consent_words] = details.field_views([path])
        assert {k: v for k, v in field.items() if k != "value"} == consent_words
    status, body = browser.json("GET", "/v1/me/access-log")
    assert status == 200, body
    event = next(e for e in body["events"] if e["kind"] == "self")
    assert set(event["fields"]) <= set(body["fields"])
    for path in event["fields"]:
        assert body["fields"][path] == details.field_views([path])[0]
    assert set(body["providers"]) == {p["id"] for p in event["providers"]}
    assert body["providers"]["IMMD"]["name_en"] != "IMMD"


def test_withdrawing_a_consent_that_is_gone_writes_nothing() -> None:
    """A consent deleted between the read and the withdrawal is not brought back as a stub."""
    from iamsmart.exchange import consents, dal

    assert dal.mark_consent_revoked("acct-gone", "consent-gone", 1_800_000_000) is False
    assert dal.consent("acct-gone", "consent-gone") is None
    assert consents.revoke("acct-gone", "consent-gone") is None
