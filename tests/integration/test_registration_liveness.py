"""Liveness for online registration on the local platform (moto): a session bound to an
applicant nonce, used once at the intake; locally it is never evaluated, so the application
completes at "basic" and says so; reused, unknown or wrongly bound sessions are refused with
a bilingual 400 and nothing is written (THREATS 20, 24)."""

from __future__ import annotations

import pytest
from registration_flow import Api, application, chip

from iamsmart import aws
from iamsmart.registration import applications


@pytest.fixture
def api(platform, api_app) -> Api:
    return Api(api_app, platform)


def _session(api: Api) -> dict:
    status, answer, _ = api.call("POST", "/v1/registrations/liveness")
    assert status == 201, answer
    assert answer["evaluated"] is False and answer["expires_in"] > 0
    assert answer.get("engine_session") is None  # no Rekognition locally
    return dict(answer)


def _application_count() -> int:
    items = aws.client("dynamodb").scan(TableName="iamsmart-applications")["Items"]
    return sum(1 for i in items if i["sk"]["S"] == "application")


def test_not_evaluated_locally_completes_at_basic_and_says_so(api: Api):
    live = _session(api)
    app_id = api.submit(application(chip("A123456(3)"),
                                    liveness_session=live["liveness_session"],
                                    liveness_nonce=live["liveness_nonce"]))
    item = applications.get(app_id)
    assert item is not None and item["liveness"] == "not_evaluated"
    done = api.wait(app_id)
    assert done["status"] == "completed" and done["level"] == "basic"
    assert done["liveness_note"]["en"] and done["liveness_note"]["tc"]
    assert "A123456" not in str(done["liveness_note"])
    item = applications.get(app_id)
    assert item is not None and item["level"] == "basic" and item["decision"] == "approve"


def test_reused_unknown_or_wrongly_bound_sessions_are_refused(api: Api):
    live = _session(api)
    other = _session(api)
    body = application(chip("AB987654(3)"))
    before = _application_count()
    refused = [
        {"liveness_session": "x" * 24, "liveness_nonce": live["liveness_nonce"]},
        {"liveness_session": live["liveness_session"], "liveness_nonce": other["liveness_nonce"]},
        {"liveness_session": live["liveness_session"]},
        {"liveness_nonce": live["liveness_nonce"]},
        {"liveness_session": 42, "liveness_nonce": live["liveness_nonce"]},
    ]
    for extra in refused:
        status, answer, _ = api.call("POST", "/v1/registrations", {**body, **extra})
        assert status == 400, (extra, answer)
        assert answer["error"] == "liveness_session_refused"
        assert answer["message"]["en"] and answer["message"]["tc"]
    assert _application_count() == before
    # None of the refusals used it up for its applicant; once used, it is refused.
    good = {**body, "liveness_session": live["liveness_session"],
            "liveness_nonce": live["liveness_nonce"]}
    api.submit(good)
    status, answer, _ = api.call("POST", "/v1/registrations", good)
    assert status == 400 and answer["error"] == "liveness_session_refused"
    assert _application_count() == before + 1


def test_the_hourly_limit_says_the_real_wait(api: Api):
    from clock import clear_of_window_edge

    from iamsmart.settings import settings

    clear_of_window_edge(3600, 30)
    for _ in range(settings().registration_source_hourly_limit):
        _session(api)
    status, answer, headers = api.call("POST", "/v1/registrations/liveness")
    assert status == 429 and answer["error"] == "too_many_liveness_sessions"
    expected = 3600 - applications.now() % 3600  # the window resets on the hour
    assert abs(int(headers["Retry-After"]) - expected) <= 2, headers["Retry-After"]
