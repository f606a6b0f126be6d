"""Liveness captured in the app, end to end on moto: the step-up and registration pages hand
the capture to the app (QR payload + number), the device simulator plays the app through the
public device API (signed for a step-up, unsigned for an applicant), and the platform reads
the result server side. Locally no engine evaluates liveness: every answer says
``not_evaluated`` and the simulator sends the photo the local face engine matches.

THREATS 24: a session another citizen's device, an unsigned app, a wrong number, a replay or
an expired session tries to use is refused, and nothing passes for it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from face_helpers import CITIZEN, FACE, b64, bank, device_for, enrol, face_login, photo
from oidc_helpers import Browser, Http, aws_calls
from registration_flow import Api, application, chip
from test_face_stepup import _finish

from iamsmart import dynamo
from iamsmart.settings import settings
from tools.device import Device, DeviceError, parse_liveness_qr


@pytest.fixture
def http(platform: Any, api_app: Any) -> Http:
    from oidc_helpers import reset_caches

    reset_caches()
    return Http(api_app)


def _handoff(browser: Browser, txn: str) -> dict[str, Any]:
    status, live = browser.json("POST", f"/v1/login/{txn}/face/liveness", {})
    assert status == 201, live
    assert live["evaluated"] is False
    handoff = live["handoff"]
    assert handoff["qr"]["svg"].startswith("data:image/svg+xml")
    assert handoff["app_link"] == handoff["qr"]["payload"]
    assert parse_liveness_qr(handoff["qr"]["payload"])[0] == live["liveness_session"]
    return dict(live)


def _state(browser: Browser, txn: str, session: str) -> dict[str, Any]:
    status, answer = browser.json("GET", f"/v1/login/{txn}/face/liveness/{session}")
    assert status == 200, answer
    return dict(answer)


def _expire(session: str) -> None:
    dynamo.update(settings().sessions_table, {"pk": f"liveness#{session}", "sk": "s"},
                 "SET expires_at = :t", values_={":t": int(time.time()) - 1})


def test_step_up_captured_in_the_app_passes_and_the_page_goes_on(
        http: Http, tmp_path: Path) -> None:
    enrol(name="obama.jpg")
    rp, browser = bank(http), Browser(http)
    device = device_for(http, tmp_path)
    txn = face_login(browser, rp, device)
    with aws_calls() as created:
        live = _handoff(browser, txn)
    qr, session = live["handoff"]["qr"]["payload"], live["liveness_session"]
    with aws_calls() as polled:
        assert _state(browser, txn, session)["state"] == "waiting"
    # The citizen's device also finds it without the QR code (a step-up is the citizen's).
    assert [p["liveness_session"] for p in device.liveness_pending()] == [session]
    shown = device.liveness_show(qr)
    assert shown["service"]["name_tc"] == "沙盒銀行"
    assert shown["transaction"]["purpose"] == "Open a savings account"
    assert live["handoff"]["number"] in shown["choices"] and len(shown["choices"]) == 3
    with aws_calls() as start_calls:
        started = device.liveness_start(qr, number=live["handoff"]["number"])
    assert started["evaluated"] is False and started.get("credentials") is None
    assert _state(browser, txn, session)["state"] == "started"
    assert device.liveness_pending() == []
    with aws_calls() as complete_calls:
        answer = device.liveness_complete(qr, selfie=photo("obama2.jpg"))
    print("hand-off AWS calls: create", len(created), created, "poll", len(polled), polled,
          "start", len(start_calls), start_calls, "complete", len(complete_calls))
    # The page's poll is one read after the cookie check; the hand-off adds one write to the
    # session's creation (the push item shares its BatchWriteItem).
    assert polled.count("dynamodb.GetItem") <= 2 and len(polled) <= 2
    assert created.count("dynamodb.BatchWriteItem") == 1
    assert answer["status"] == "passed"
    assert answer["face_assurance"]["liveness"] == "not_evaluated"
    page = _state(browser, txn, session)
    assert page["state"] == "passed" and page["next"].startswith("/v1/oidc/authorize/resume")
    claims = _finish(browser, rp, page["next"])
    assert claims["acr"] == FACE
    assert "face" in claims["amr"] and "liveness" not in claims["amr"]
    assert claims["face_assurance"]["liveness"] == "not_evaluated"


def test_a_wrong_face_in_the_app_is_refused_and_the_page_shows_the_tries_left(
        http: Http, tmp_path: Path) -> None:
    enrol(name="obama.jpg")
    rp, browser = bank(http), Browser(http)
    device = device_for(http, tmp_path)
    txn = face_login(browser, rp, device)
    live = _handoff(browser, txn)
    qr = live["handoff"]["qr"]["payload"]
    with pytest.raises(DeviceError) as refused:
        device.liveness(qr, number=live["handoff"]["number"], selfie=photo("biden.jpg"))
    assert refused.value.status == 403 and refused.value.code == "face_not_matched"
    page = _state(browser, txn, live["liveness_session"])
    assert page["state"] == "refused" and page["remaining"] == 2
    assert page["message"]["en"] and page["message"]["tc"] and not page.get("declined")
    # Replayed: the used session cannot be completed (or started) again.
    with pytest.raises(DeviceError) as again:
        device.liveness_complete(qr, selfie=photo("obama2.jpg"))
    assert again.value.code == "liveness_session_refused"
    _, login_view = browser.json("GET", f"/v1/login/{txn}")
    assert login_view["status"] == "authenticated"  # not passed, not declined
    claims = _finish(browser, rp, f"/v1/oidc/authorize/resume?txn={txn}")
    assert claims["acr"] == "urn:iamsmart:acr:plus" and "face_assurance" not in claims


def test_threats_24_other_citizen_unsigned_wrong_number_expired(
        http: Http, tmp_path: Path) -> None:
    enrol(name="obama.jpg")
    rp, browser = bank(http), Browser(http)
    device = device_for(http, tmp_path)
    txn = face_login(browser, rp, device)
    live = _handoff(browser, txn)
    qr, number = live["handoff"]["qr"]["payload"], live["handoff"]["number"]
    other = device_for(http, tmp_path / "other", code="SANDBOX-CHAN-TAI-MAN")
    unsigned = Device(device.base_url, transport=device.transport)
    for app in (other, unsigned):
        for act in (lambda a: a.liveness_show(qr),
                    lambda a: a.liveness_start(qr, number=number),
                    lambda a: a.liveness_complete(qr, selfie=photo("obama2.jpg"))):
            with pytest.raises(DeviceError) as refused:
                act(app)
            assert refused.value.status == 403, refused.value.answer
            assert refused.value.code == "liveness_session_refused"
            assert refused.value.message_en and refused.value.message_tc
    assert other.liveness_pending() == []
    # A wrong secret reads the same as an unknown session.
    session, _ = parse_liveness_qr(qr)
    with pytest.raises(DeviceError) as bad_k:
        device.liveness_show(session=session, k="x" * 22)
    assert bad_k.value.code == "liveness_session_refused"
    # Completing before starting is refused; wrong numbers count, three close the session.
    with pytest.raises(DeviceError):
        device.liveness_complete(qr, selfie=photo("obama2.jpg"))
    wrong = next(n for n in range(10, 100) if n != number)
    for left in (2, 1, 0):
        with pytest.raises(DeviceError) as mismatch:
            device.liveness_start(qr, number=wrong)
        assert mismatch.value.code == "wrong_number"
        assert mismatch.value.answer["details"]["remaining"] == left
    with pytest.raises(DeviceError) as closed:
        device.liveness_start(qr, number=number)
    assert closed.value.code == "liveness_session_refused"
    assert _state(browser, txn, session)["state"] == "expired"
    # An expired session is refused even with the right number; the page gets a new one.
    fresh = _handoff(browser, txn)
    _expire(fresh["liveness_session"])
    with pytest.raises(DeviceError) as expired:
        device.liveness_start(fresh["handoff"]["qr"]["payload"],
                              number=fresh["handoff"]["number"])
    assert expired.value.code == "liveness_session_refused"
    assert _state(browser, txn, fresh["liveness_session"])["state"] == "expired"
    # Another browser cannot follow this step-up's capture.
    stranger = Browser(http)
    status, _ = stranger.json("GET", f"/v1/login/{txn}/face/liveness/{session}")
    assert status == 404
    # Nothing passed: the transaction is still waiting for its face step-up.
    assert CITIZEN in dynamo.get(settings().sessions_table,
                                {"pk": f"login#{txn}", "sk": "txn"})["account_id"]
    _, login_view = browser.json("GET", f"/v1/login/{txn}")
    assert login_view["face_required"] is True


# --- registration: the applicant's app has no enrolled key yet -----------------------------

@pytest.fixture
def api(platform: Any, api_app: Any) -> Api:
    return Api(api_app, platform)


def test_registration_liveness_captured_in_an_unenrolled_app(api: Api, http: Http) -> None:
    status, live, _ = api.call("POST", "/v1/registrations/liveness")
    assert status == 201, live
    qr, number = live["handoff"]["qr"]["payload"], live["handoff"]["number"]
    session, nonce = live["liveness_session"], live["liveness_nonce"]
    from identity_helpers import PUBLIC_URL, Gateway

    gateway = Gateway.__new__(Gateway)
    gateway._gateway = http._gateway
    gateway.source_ip = "198.51.100.9"
    app = Device(PUBLIC_URL, transport=gateway.transport)  # not enrolled: unsigned

    def state() -> str:
        code, answer, _ = api.call("POST", f"/v1/registrations/liveness/{session}/state",
                                   {"liveness_nonce": nonce})
        assert code == 200, answer
        return str(answer["state"])

    assert state() == "waiting"
    shown = app.liveness_show(qr)
    assert shown["purpose"] == "registration" and number in shown["choices"]
    assert shown.get("service") is None and shown.get("transaction") is None  # nothing about anyone
    with pytest.raises(DeviceError) as photo_refused:
        app.liveness_complete(qr, selfie=photo("obama3.jpg"))
    assert photo_refused.value.status == 400
    assert app.liveness_start(qr, number=number)["evaluated"] is False
    assert state() == "started"
    assert app.liveness_complete(qr)["status"] == "captured"
    assert state() == "captured"
    # Another nonce learns nothing about it.
    code, other, _ = api.call("POST", f"/v1/registrations/liveness/{session}/state",
                              {"liveness_nonce": "n" * 24})
    assert code == 200 and other["state"] == "expired"
    app_id = api.submit(application(chip("A123456(3)"), liveness_session=session,
                                    liveness_nonce=nonce))
    assert state() == "used"
    done = api.wait(app_id)
    assert done["status"] == "completed" and done["level"] == "basic"
    assert done["liveness_note"]["en"]
    # Replayed, in the app or in another application: refused.
    with pytest.raises(DeviceError):
        app.liveness_complete(qr)
    code, answer, _ = api.call("POST", "/v1/registrations", application(
        chip("AB987654(3)"), liveness_session=session, liveness_nonce=nonce))
    assert code == 400 and answer["error"] == "liveness_session_refused"


def test_in_aws_a_photo_is_never_taken_instead_of_the_live_capture(
        http: Http, tmp_path: Path) -> None:
    """THREATS 25: where liveness can be evaluated, neither the page nor the app may send a
    photo in its place; the refusal is plain, in both languages, and nothing passes."""
    enrol(name="obama.jpg")
    rp, browser = bank(http), Browser(http)
    device = device_for(http, tmp_path)
    txn = face_login(browser, rp, device)
    import os

    engine = os.environ.get("FACE_ENGINE")
    os.environ["FACE_ENGINE"] = "rekognition"
    settings.cache_clear()
    try:
        status, live = browser.json("POST", f"/v1/login/{txn}/face/liveness", {})
        assert status == 201 and live["evaluated"] is True
        status, view = browser.json("GET", f"/v1/login/{txn}/face")
        assert view["capture"] == ["app"] and view["upload_allowed"] is False
        status, answer = browser.json("POST", f"/v1/login/{txn}/face/check",
                                      {"selfie": b64(photo("obama2.jpg")),
                                       "liveness_session": live["liveness_session"]})
        assert status == 400 and answer["details"]["reason"] == "upload_not_allowed", answer
        assert answer["message"]["en"] and answer["message"]["tc"]
        # The app's side: started (as Rekognition's session would be), then a photo instead
        # of the video is refused and the page hears it.
        session = live["liveness_session"]
        dynamo.update(settings().sessions_table, {"pk": f"liveness#{session}", "sk": "s"},
                     "SET started_at = :t", values_={":t": int(time.time())})
        with pytest.raises(DeviceError) as refused:
            device.liveness_complete(live["handoff"]["qr"]["payload"],
                                     selfie=photo("obama2.jpg"))
        assert refused.value.status == 400
        assert refused.value.answer["details"]["reason"] == "upload_not_allowed"
        assert _state(browser, txn, session)["state"] == "refused"
    finally:
        if engine is None:
            os.environ.pop("FACE_ENGINE", None)
        else:
            os.environ["FACE_ENGINE"] = engine
        settings.cache_clear()
    _, login_view = browser.json("GET", f"/v1/login/{txn}")
    assert login_view["status"] == "authenticated" and login_view["face_required"] is True
