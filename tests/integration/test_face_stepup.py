"""The face step-up end to end on moto: a bank asks for the face level with a transaction
(PAR ``acr_values`` + ``authorization_details``), the citizen logs in with the device, the
step-up page's API runs the Express state machine (real ASL, real handlers, dlib locally),
and the ID token carries face ``acr``/``amr``, ``face_assurance`` and the transaction.

dlib costs ~0.3–1 s per comparison: the tests that match faces are few on purpose."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from face_helpers import (
    CITIZEN,
    FACE,
    TRANSACTION,
    b64,
    bank,
    device_for,
    enrol,
    face_login,
    photo,
)
from oidc_helpers import Browser, Http, aws_calls, query_of

from iamsmart.faces import audit, templates
from iamsmart.oidc import signing


@pytest.fixture
def http(platform: Any, api_app: Any) -> Http:
    from oidc_helpers import reset_caches

    reset_caches()
    return Http(api_app)


def _check(browser: Browser, txn: str, selfie: bytes | None = None,
           **extra: Any) -> tuple[int, Any]:
    body: dict[str, Any] = {"selfie": b64(selfie) if selfie is not None else None, **extra}
    if "liveness_session" not in body:
        status, live = browser.json("POST", f"/v1/login/{txn}/face/liveness", {})
        assert status == 201, live
        body["liveness_session"] = live["liveness_session"]
    return browser.json("POST", f"/v1/login/{txn}/face/check", body)


def _finish(browser: Browser, rp: Any, next_path: str) -> dict[str, Any]:
    status, headers, _ = browser.go("GET", next_path)
    assert status == 302, headers
    location = headers["location"]
    if location.startswith("/consent.html"):
        handle = query_of(location)["txn"]
        status, answer = browser.json("POST", f"/v1/oidc/consent/{handle}",
                                      {"decision": "allow"})
        assert status == 200, answer
        location = answer["next"]
    params = query_of(location)
    assert "code" in params, location
    status, _, tokens = rp.redeem(params["code"])
    assert status == 200, tokens
    return signing.verify(tokens["id_token"])


def test_same_person_passes_and_the_token_says_face_with_the_transaction(
        http: Http, tmp_path: Path, capfd: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from iamsmart.observability import logger

    lines = io.StringIO()  # what the Powertools logger writes (its handler keeps its stream)
    monkeypatch.setattr(logger().registered_handler, "stream", lines)
    enrol(name="obama.jpg")
    rp, browser = bank(http), Browser(http)
    txn = face_login(browser, rp, device_for(http, tmp_path))
    status, page = browser.json("GET", f"/v1/login/{txn}")
    assert page["status"] == "authenticated" and page["face_required"] is True
    assert page["next"] == f"/stepup.html?txn={txn}"
    status, view = browser.json("GET", f"/v1/login/{txn}/face")
    assert status == 200 and view["enrolled"] is True
    assert view["transaction"]["purpose"] == "Open a savings account"
    assert view["liveness"] == "not_evaluated"

    with aws_calls() as calls:
        status, answer = _check(browser, txn, photo("obama2.jpg"))
    assert status == 200, answer
    print("step-up AWS calls:", len(calls), calls)
    assert answer["status"] == "passed"
    # One synchronous run, as in AWS (the emulator serves StartSyncExecution).
    assert calls.count("stepfunctions.StartSyncExecution") == 1
    assert "stepfunctions.DescribeExecution" not in calls
    claims = _finish(browser, rp, answer["next"])
    assert claims["acr"] == FACE
    assert "face" in claims["amr"] and "liveness" not in claims["amr"]
    assert claims["face_assurance"]["liveness"] == "not_evaluated"
    assert claims["face_assurance"]["match"] == "passed"
    assert claims["face_assurance"]["confidence_band"] in ("high", "standard")
    assert claims["authorization_details"] == [{**TRANSACTION[0], "amount": "0.00"}]
    # The selfie is gone; the access log has the step-up; the session stays at "plus".
    from iamsmart import aws
    from iamsmart.settings import settings

    listed = aws.client("s3").list_objects_v2(Bucket=settings().evidence_bucket,
                                              Prefix="stepup/")
    assert listed.get("KeyCount", 0) == 0
    assert [e["event"] for e in audit.recent(CITIZEN)][:2] == ["face_stepup_passed",
                                                               "face_enrolled"]
    # One access log: the face events are the citizen's access-log events (kind "face"),
    # the step-up names its service, with no score, band or image; none in the sessions table.
    from iamsmart.exchange import audit as accesslog

    logged_events, _ = accesslog.events(CITIZEN)
    face = [e for e in logged_events if e["kind"] == "face"]
    assert [e["outcome"] for e in face][:2] == ["face_stepup_passed", "face_enrolled"]
    assert face[0]["consumer"] == {"client_id": rp.client_id, "name_en": "Sandbox Bank",
                                 "name_tc": "沙盒銀行"}
    assert face[0]["details"] == {"liveness": "not_evaluated"}
    assert "band" not in json.dumps(face) and "similarity" not in json.dumps(face)
    scanned = aws.client("dynamodb").scan(TableName=settings().sessions_table)["Items"]
    assert not [i for i in scanned if i["pk"]["S"].startswith("log#")]
    status, me = browser.json("GET", "/v1/me")
    assert me["session"]["acr"] == "urn:iamsmart:acr:plus" and "face" not in me["session"]["amr"]
    # No image and no template in any log line (THREATS: personal data never logged).
    kept = templates.get(CITIZEN)
    assert kept is not None
    out = capfd.readouterr()
    logged = out.out + out.err + caplog.text + lines.getvalue()
    # Every task logged its line, with the run's execution id (the ASL passes $$.Execution.Id;
    # iamsmart.common.tasks binds it): the six tasks of a pass, one Express run.
    done = [line for line in (_json(text) for text in lines.getvalue().splitlines())
            if line.get("message") == "task done" and str(line.get("task")).startswith("face-")]
    assert sorted(line["task"] for line in done) == [
        "face-audit", "face-decide", "face-discard", "face-liveness", "face-match",
        "face-validate"]
    executions = {line.get("execution_id") for line in done}
    assert len(executions) == 1
    assert ":express:iamsmart-face-stepup:" in str(executions.pop())
    for secret in (b64(photo("obama2.jpg"))[:40], b64(photo("obama.jpg"))[:40],
                   kept.stored["ciphertext"][:40], kept.stored["encrypted_key"][:40]):
        assert secret not in logged


def test_another_person_is_refused_and_the_token_never_says_face(
        http: Http, tmp_path: Path) -> None:
    enrol(name="obama.jpg")
    rp, browser = bank(http), Browser(http)
    txn = face_login(browser, rp, device_for(http, tmp_path))
    status, answer = _check(browser, txn, photo("biden.jpg"))
    assert status == 403 and answer["error"] == "face_not_matched", answer
    assert answer["details"]["remaining"] == 2
    # Going on without passing: the service gets the level actually reached, and no facts.
    status, login_view = browser.json("GET", f"/v1/login/{txn}")
    claims = _finish(browser, rp, f"/v1/oidc/authorize/resume?txn={txn}")
    assert claims["acr"] == "urn:iamsmart:acr:plus"
    assert "face" not in claims["amr"]
    assert "face_assurance" not in claims and "authorization_details" not in claims
    assert audit.recent(CITIZEN)[0]["event"] == "face_stepup_refused"


def test_withdrawal_deletes_the_template_with_a_signed_receipt_and_ends_step_up(
        http: Http, tmp_path: Path) -> None:
    from iamsmart import aws
    from iamsmart.identity import sessions
    from iamsmart.settings import settings

    enrol(name="obama.jpg")
    stored = aws.client("dynamodb").get_item(TableName=settings().accounts_table,
                                             Key={"id": {"S": f"face#{CITIZEN}"}})["Item"]
    # Only the encrypted descriptor and the wrapped data key are kept.
    assert set(stored["template"]["M"]) == {"ciphertext", "nonce", "encrypted_key"}
    browser = Browser(http)
    _, cookie = sessions.create(CITIZEN, ["hwk", "mca"], "urn:iamsmart:acr:plus",
                                sessions.dal.now())
    browser._store({"set-cookie": cookie})
    status, answer = browser.json("DELETE", "/v1/me/face", {})
    assert status == 200, answer
    receipt = signing.verify(answer["receipt"])
    assert receipt["event"] == "face_template_deleted" and receipt["sub"] == CITIZEN
    assert json.loads(__import__("base64").urlsafe_b64decode(
        answer["receipt"].split(".")[0] + "==").decode())["typ"] == "receipt+jwt"
    assert "Item" not in aws.client("dynamodb").get_item(
        TableName=settings().accounts_table, Key={"id": {"S": f"face#{CITIZEN}"}})
    assert templates.get(CITIZEN) is None
    # Step-up is now impossible: no liveness session, no check.
    rp = bank(http)
    txn = face_login(browser, rp, device_for(http, tmp_path))
    status, view = browser.json("GET", f"/v1/login/{txn}/face")
    assert view["enrolled"] is False
    status, refused = browser.json("POST", f"/v1/login/{txn}/face/liveness", {})
    assert status == 409 and refused["error"] == "face_not_enrolled"
    status, again = browser.json("DELETE", "/v1/me/face", {})
    assert status == 409


def test_enrolling_a_face_needs_a_login_of_the_last_15_minutes(http: Http) -> None:
    from iamsmart.identity import dal, sessions

    body = {"photo": "not base64!", "consent": True}
    answers = []
    for minutes_ago in (16, 14):
        browser = Browser(http)
        _, cookie = sessions.create(CITIZEN, ["hwk", "mca"], "urn:iamsmart:acr:plus",
                                    dal.now() - minutes_ago * 60)
        browser._store({"set-cookie": cookie})
        answers.append(browser.json("POST", "/v1/me/face", body))
    (stale, refused), (fresh, checked) = answers
    assert (stale, refused["error"]) == (401, "fresh_login_required"), refused
    assert fresh == 400 and checked["error"] != "fresh_login_required", checked  # the photo


def _json(text: str) -> dict[str, Any]:
    try:
        line = json.loads(text)
    except ValueError:
        return {}
    return line if isinstance(line, dict) else {}
