"""Manual review through the staff API (task tokens: approve, reject, timeout → escalation →
expiry), and the assisted channels (kiosk, counter with its officer, an offline mobile-team
batch synced twice) through the same workflow."""

from __future__ import annotations

import time

import pytest
from registration_flow import Api, application, card_photo, chip

from iamsmart.registration import applications

CHAN = {"hkid": "A123456(3)", "name_en": "CHAN, Tai Man", "name_zh": "陳大文",
        "date_of_birth": "1975-03-14", "sex": "M"}


@pytest.fixture
def api(platform, api_app) -> Api:
    return Api(api_app, platform)


def _review_list(api: Api) -> list[dict]:
    status, answer, _ = api.call("GET", "/v1/staff/registrations?status=review",
                                 headers=api.key("staff"))
    assert status == 200, answer
    return list(answer["items"])


def _wait_in_review(api: Api, app_id: str) -> None:
    api.wait(app_id, until=("in_review",))
    deadline = time.monotonic() + 10
    while not any(i["application_id"] == app_id for i in _review_list(api)):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_card_photo_goes_to_review_and_staff_approve(api: Api):
    app_id = api.submit(application(card_photo(CHAN)))
    _wait_in_review(api, app_id)
    status, detail, _ = api.call("GET", f"/v1/staff/registrations/{app_id}",
                                 headers=api.key("staff"))
    assert status == 200
    assert detail["particulars"]["name_zh"] == "陳大文" and detail["selfie"]
    assert detail["evidence"]["kind"] == "card_photo" and detail["reference_photo"]
    assert detail["checks"]["face"]["decision"] == "match"
    assert detail["flags"] == {"duplicate_hkid": False, "hkid_limited": False}

    # Without a staff key, or with a channel key: refused.
    assert api.call("GET", f"/v1/staff/registrations/{app_id}")[0] == 403
    assert api.call("GET", f"/v1/staff/registrations/{app_id}",
                    headers=api.key("kiosk"))[0] == 403

    status, answer, _ = api.call("POST", f"/v1/staff/registrations/{app_id}/decision",
                                 {"decision": "approve", "reason": "card and face checked"},
                                 headers=api.key("staff"))
    assert status == 200, answer
    done = api.wait(app_id)
    assert done["status"] == "completed" and done["enrolment_code"]
    assert "review" in [s["step"] for s in done["steps"]]
    item = applications.get(app_id)
    assert item is not None and item["review_decision"]["staff"] == "reviewer-sandbox-01"
    # A second decision on the same application is refused.
    again = api.call("POST", f"/v1/staff/registrations/{app_id}/decision",
                     {"decision": "reject", "reason": "late"}, headers=api.key("staff"))
    assert again[0] == 409
    assert all(i["application_id"] != app_id for i in _review_list(api))


def test_staff_reject_ends_with_the_generic_answer(api: Api):
    app_id = api.submit(application(card_photo(CHAN)))
    _wait_in_review(api, app_id)
    status, _, _ = api.call("POST", f"/v1/staff/registrations/{app_id}/decision",
                            {"decision": "reject", "reason": "photo does not match"},
                            headers=api.key("staff"))
    assert status == 200
    done = api.wait(app_id)
    assert done["status"] == "not_completed"
    assert "counter" in done["message"]["en"] and "photo" not in done["message"]["en"]
    execution = api.execution(app_id)
    assert execution["status"] == "SUCCEEDED"
    assert applications.get(app_id)["reason"] == "review_rejected"  # type: ignore[index]


def test_review_timeout_escalates_then_expires(api: Api, monkeypatch: pytest.MonkeyPatch):
    from iamsmart.settings import settings

    monkeypatch.setenv("REGISTRATION_REVIEW_SECONDS", "1")
    monkeypatch.setenv("REGISTRATION_ESCALATION_SECONDS", "1")
    settings.cache_clear()
    app_id = api.submit(application(card_photo(CHAN)))
    done = api.wait(app_id, timeout=60)
    assert done["status"] == "not_completed"
    item = applications.get(app_id)
    assert item is not None and item["reason"] == "review_expired"
    assert item["steps"]["review"]["escalated"] is True
    settings.cache_clear()


def test_kiosk_counter_and_mobile_batch_use_the_same_workflow(api: Api):
    # A kiosk: its key says which kiosk; an Idempotency-Key is required.
    kiosk_body = application(chip("WX123456(9)"), selfie="biden", channel="kiosk")
    refused = api.call("POST", "/v1/registrations/assisted", kiosk_body, api.key("kiosk"))
    assert refused[0] == 400 and refused[1]["error"] == "idempotency_key_required"
    kiosk = api.submit(kiosk_body, api.key("kiosk", **{"Idempotency-Key": "kiosk-0001"}),
                       path="/v1/registrations/assisted")

    # A counter: the officer is named, and recorded on every step.
    counter_body = application(chip("A123456(3)"), channel="counter")
    no_officer = api.call("POST", "/v1/registrations/assisted", counter_body,
                          api.key("counter", **{"Idempotency-Key": "counter-0001"}))
    assert no_officer[0] == 400 and no_officer[1]["error"] == "officer_required"
    counter = api.submit(counter_body, api.key("counter", **{
        "Idempotency-Key": "counter-0001", "X-Officer-Id": "officer-42"}),
        path="/v1/registrations/assisted")

    # A mobile team syncs its offline queue twice: each application exists once.
    batch = [(f"tablet7-{n:04d}", application(card_photo({**CHAN, "name_en": name}),
                                              channel="mobile"))
             for n, name in enumerate(("CHAN, Tai Man", "CHAN Tai Man"))]
    headers = {"X-Officer-Id": "officer-7"}
    first = [api.submit(b, api.key("mobile", **{"Idempotency-Key": k}, **headers),
                        path="/v1/registrations/assisted") for k, b in batch]
    second = [api.submit(b, api.key("mobile", **{"Idempotency-Key": k}, **headers),
                         path="/v1/registrations/assisted") for k, b in batch]
    assert first == second and len(set(first)) == 2
    # The same key with another application is a conflict, not a new application.
    reused = api.call("POST", "/v1/registrations/assisted", batch[1][1],
                      api.key("mobile", **{"Idempotency-Key": batch[0][0]}, **headers))
    assert reused[0] == 409

    assert api.wait(kiosk)["status"] == "completed"
    assert api.wait(kiosk)["level"] == "basic"
    done = api.wait(counter)
    assert done["status"] == "completed" and done["level"] == "plus"  # in person
    item = applications.get(counter)
    assert item is not None and item["officer"] == "officer-42"
    assert {s.get("officer") for s in item["steps"].values()} == {"officer-42"}
    for app_id in first:
        api.wait(app_id, until=("in_review",))  # card photos: a person looks at them
        assert applications.get(app_id)["channel"] == "mobile"  # type: ignore[index]
        assert applications.get(app_id)["site"] == "mobile-sandbox-01"  # type: ignore[index]
    # Each application records the site whose own key took it.
    assert applications.get(kiosk)["site"] == "kiosk-sandbox-01"  # type: ignore[index]
    assert item["site"] == "counter-sandbox-01"


def test_each_site_has_its_own_key_and_a_retired_sites_key_stops(api: Api):
    from iamsmart.sites import logic as sites

    # Another kiosk's own key: its applications record that kiosk.
    other = api.submit(application(card_photo(CHAN), channel="kiosk"),
                       {"x-api-key": api.keys["kiosk-sandbox-02"],
                        "Idempotency-Key": "kiosk2-0001"},
                       path="/v1/registrations/assisted")
    api.wait(other, until=("in_review",))
    assert applications.get(other)["site"] == "kiosk-sandbox-02"  # type: ignore[index]
    # The staff console sees where it was taken, by name.
    status, detail, _ = api.call("GET", f"/v1/staff/registrations/{other}",
                                 headers=api.key("staff"))
    assert status == 200
    assert detail["site"]["id"] == "kiosk-sandbox-02"
    assert detail["site"]["name_tc"].startswith("沙盒自助登記站 02")
    assert detail["channel"] == "kiosk"

    # A staff key is not a site key, and a site key is not a staff key.
    body = application(chip("WX123456(9)"), selfie="biden", channel="kiosk")
    as_staff = api.call("POST", "/v1/registrations/assisted", body,
                        api.key("staff", **{"Idempotency-Key": "staff-0001"}))
    assert as_staff[0] == 403 and as_staff[1]["error"] == "not_a_channel_key"

    # Retired: the site's key is disabled in the registry and in API Gateway.
    retired = sites.retire("kiosk-sandbox-02")
    assert retired.status == "retired"
    from iamsmart import aws

    key = aws.client("apigateway").get_api_key(apiKey=retired.key_id)
    assert key["enabled"] is False
    refused = api.call("POST", "/v1/registrations/assisted", body,
                       {"x-api-key": api.keys["kiosk-sandbox-02"],
                        "Idempotency-Key": "kiosk2-0002"})
    assert refused[0] == 403
    assert refused[1]["error"] in ("forbidden", "not_a_channel_key")
    # The other sites' keys still work.
    assert api.call("POST", "/v1/registrations/assisted", body,
                    api.key("kiosk", **{"Idempotency-Key": "kiosk1-0009"}))[0] == 202
