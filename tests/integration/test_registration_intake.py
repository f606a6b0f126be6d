"""The intake's refusals (bilingual 4xx, nothing half-written), the queue being down (503,
everything undone), and privacy: the HKID number in clear nowhere in moto's tables, the
workflow's history, or the captured logs (THREATS 20, 23, 27, 28, 29)."""

from __future__ import annotations

import base64
import json

import pytest
from registration_flow import Api, application, b64, chip, face

from iamsmart import aws


@pytest.fixture
def api(platform, api_app) -> Api:
    return Api(api_app, platform)


def _application_items() -> list[dict]:
    items = aws.client("dynamodb").scan(TableName="iamsmart-applications")["Items"]
    return [i for i in items if i["sk"]["S"] in ("application", "idem")]


def _keys(items: list[dict]) -> set[tuple[str, str]]:
    return {(i["pk"]["S"], i["sk"]["S"]) for i in items}


def _objects() -> list[str]:
    listed = aws.client("s3").list_objects_v2(Bucket="iamsmart-evidence")
    return [o["Key"] for o in listed.get("Contents", [])]


def _refused(api: Api, body: object = None, raw: bytes | None = None) -> tuple[int, dict]:
    status, answer, _ = api.call("POST", "/v1/registrations", body, raw=raw)
    assert 400 <= status < 500, answer
    assert answer["message"]["en"] and answer["message"]["tc"], answer
    return status, answer


def test_bad_inputs_get_a_bilingual_4xx_and_nothing_is_written(api: Api):
    good = application(chip("A123456(3)"))
    wrong_digit = {"kind": "card_photo", "photo": b64(face("obama2")),
                   "particulars": {"hkid": "A123456(4)", "name_en": "CHAN, Tai Man",
                                   "date_of_birth": "1975-03-14", "sex": "M"}}
    polyglot = face("obama3") + b"PK\x03\x04" + b"\x00" * 64
    cases = [
        (_refused(api, raw=b'{"evidence": '), "invalid_request"),
        (_refused(api, raw=b'{"a": 1, "a": 2}'), "invalid_request"),
        (_refused(api, raw=b'{"selfie": NaN}'), "invalid_request"),
        (_refused(api, raw=b"[" * 5000 + b"]" * 5000), "invalid_request"),
        (_refused(api, raw=b'{"x": "' + b"a" * (6 * 1024 * 1024) + b'"}'),
         "payload_too_large"),
        (_refused(api, {**good, "evidence": wrong_digit}), "invalid_hkid"),
        (_refused(api, {**good, "selfie": b64(polyglot)}), "invalid_image"),
        (_refused(api, {**good, "selfie": b64(b"GIF89a" + b"\x00" * 100)}), "invalid_image"),
        (_refused(api, {**good, "selfie": "not base64!"}), "invalid_image"),
        (_refused(api, {**good, "consent": {"face_processing": False}}), "consent_required"),
        (_refused(api, {k: v for k, v in good.items() if k != "consent"}), "consent_required"),
        (_refused(api, {**good, "contact": {"email": "nobody"}}), "invalid_contact"),
        (_refused(api, {**good, "channel": "kiosk"}), "invalid_request"),
        (_refused(api, {**good, "extra": 1}), "invalid_request"),
    ]
    for (_status, answer), code in cases:
        assert answer["error"] == code, answer
    assert cases[4][0][0] == 413
    # The HKID is checked first: a wrong check digit wins over a bad photo and no consent.
    first = _refused(api, {"evidence": wrong_digit, "selfie": "x", "consent": {}})[1]
    assert first["error"] == "invalid_hkid"
    assert _application_items() == [] and _objects() == []


def test_queue_down_answers_503_and_undoes_everything(api: Api):
    first = api.submit(application(chip("A123456(3)")))  # the queue URL is now known (cached)
    api.wait(first)  # its workflow runs beside this test: let it finish writing
    before_items, before_objects = _keys(_application_items()), set(_objects())
    sqs = aws.client("sqs")
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName="iamsmart-registrations")["QueueUrl"])
    status, answer, headers = api.call("POST", "/v1/registrations",
                                       application(chip("WX123456(9)"), selfie="biden"))
    assert status == 503 and headers.get("Retry-After"), answer
    # Only what the first application left; nothing of the second.
    assert _keys(_application_items()) == before_items
    assert set(_objects()) <= before_objects


def test_hkid_in_clear_nowhere(api: Api, capsys: pytest.CaptureFixture[str],
                               caplog: pytest.LogCaptureFixture):
    numbers = ("A123456", "A1234563", "123456(3)", "WX123456", "123456(9)")
    ok = api.submit(application(chip("A123456(3)")))
    refused = api.submit(application(chip("WX123456(9)"), selfie="obama3"))
    for app_id in (ok, refused):
        api.wait(app_id)
        api.execution(app_id)
    # A failed request's error body does not echo it either.
    bad = _refused(api, {**application(chip("A123456(3)")), "contact": {"phone": "x"}})[1]
    assert not any(n in json.dumps(bad) for n in numbers)

    ddb = aws.client("dynamodb")
    dumped = []
    for table in ddb.list_tables()["TableNames"]:
        dumped.append(json.dumps(ddb.scan(TableName=table)["Items"], ensure_ascii=False))
    sfn = aws.client("stepfunctions")
    for machine in sfn.list_state_machines()["stateMachines"]:
        for execution in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])[
                "executions"]:
            history = sfn.get_execution_history(executionArn=execution["executionArn"])
            dumped.append(json.dumps(history["events"], default=str))
    out = capsys.readouterr()
    dumped += [out.out, out.err, caplog.text]
    everything = "\n".join(dumped)
    assert "registration finished" in everything  # the logs were captured
    for number in numbers:
        assert number not in everything, number
    # Images are gone once decided (the chip data held the number too).
    assert _objects() == []
    assert base64.b64encode(b"A123456(3)").decode() not in everything
