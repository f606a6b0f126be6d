"""Registration errors name the right problem, on the field concerned, all at once (issue 11
item 4): a wrong check character is not a "format" error, "chan@" is an e-mail problem (not
"give an e-mail or a mobile number"), a birth date in the future says so; every text problem
comes back in one answer (``details.fields``); ``POST /v1/registrations/check`` checks the
text without the photos, so that a page sends them only once the text is right."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from registration_flow import Api, application, card_photo, chip

from iamsmart import aws


@pytest.fixture
def api(platform, api_app) -> Api:
    return Api(api_app, platform)


TOMORROW = (date.today() + timedelta(days=2)).isoformat()
GOOD = {"hkid": "A123456(3)", "name_en": "CHAN, Tai Man", "date_of_birth": "1975-03-14",
        "sex": "M"}


def _fields(answer: dict) -> dict[str, dict]:
    return {f["field"]: f for f in answer["details"]["fields"]}


def _no_applications() -> bool:
    items = aws.client("dynamodb").scan(TableName="iamsmart-applications")["Items"]
    return not [i for i in items if i["sk"]["S"] in ("application", "idem")]


def test_every_text_problem_at_once_each_on_its_field(api: Api):
    body = {**application(card_photo({**GOOD, "hkid": "A123456(4)", "name_en": "陳大文",
                                      "date_of_birth": TOMORROW, "sex": ""})),
            "consent": {"face_processing": False}, "contact": {"email": "chan@"}}
    status, answer, _ = api.call("POST", "/v1/registrations", body)
    assert status == 400, answer
    assert answer["error"] == "invalid_hkid"  # the HKID number's problem comes first
    fields = _fields(answer)
    assert list(fields) == ["evidence.particulars.hkid", "evidence.particulars.name_en",
                            "evidence.particulars.sex", "evidence.particulars.date_of_birth",
                            "consent.face_processing", "contact.email"]
    assert fields["evidence.particulars.hkid"]["problem"] == "check_digit"
    assert "brackets do not go together" in fields["evidence.particulars.hkid"]["message"]["en"]
    assert "括號內的字元不相符" in fields["evidence.particulars.hkid"]["message"]["tc"]
    assert fields["evidence.particulars.date_of_birth"]["problem"] == "future"
    assert "future" in fields["evidence.particulars.date_of_birth"]["message"]["en"]
    assert "將來" in fields["evidence.particulars.date_of_birth"]["message"]["tc"]
    assert "YYYY" not in fields["evidence.particulars.date_of_birth"]["message"]["en"]
    assert fields["evidence.particulars.sex"]["problem"] == "missing"
    assert "name@example.com" in fields["contact.email"]["message"]["en"]
    assert "A123456" not in str(answer)  # never the number back
    assert _no_applications()


@pytest.mark.parametrize(("contact", "field", "words"), [
    ({"email": "chan@"}, "contact.email", "name@example.com"),
    ({"email": "chan@example"}, "contact.email", "name@example.com"),
    ({"phone": "1234 5678"}, "contact.phone", "Hong Kong mobile"),
    ({"phone": "+44 20 7946 0000"}, "contact.phone", "Hong Kong mobile"),
    ({}, "contact", "one e-mail address or one mobile"),
])
def test_contact_errors_say_which(api: Api, contact, field, words):
    status, answer, _ = api.call("POST", "/v1/registrations",
                                 {**application(chip("A123456(3)")), "contact": contact})
    assert status == 400 and answer["error"] == "invalid_contact", answer
    assert words in answer["message"]["en"]
    assert list(_fields(answer)) == [field]


def test_format_and_check_character_are_told_apart(api: Api):
    for number, problem, words in (("A12345(3)", "format", "1 or 2 letters"),
                                   ("A123456(4)", "check_digit", "do not go together")):
        status, answer, _ = api.call("POST", "/v1/registrations/check", {
            "evidence": {"kind": "card_photo", "particulars": {**GOOD, "hkid": number}},
            "consent": {"face_processing": True}, "contact": {"phone": "9123 4567"}})
        assert status == 400 and answer["error"] == "invalid_hkid"
        assert _fields(answer)["evidence.particulars.hkid"]["problem"] == problem
        assert words in answer["message"]["en"]


def test_the_text_is_checked_without_the_photos_and_nothing_is_kept(api: Api):
    text_only = {"channel": "web", "evidence": {"kind": "card_photo", "particulars": {
        **GOOD, "hkid": "Ａ１２３４５６（３）", "date_of_issue": None}},
        "consent": {"face_processing": True}, "contact": {"phone": "+852 9123 4567"},
        "language": "tc"}
    status, answer, _ = api.call("POST", "/v1/registrations/check", text_only)
    assert (status, answer) == (200, {"valid": True})  # full-width input is normalised
    bad = {**text_only, "contact": {"email": "chan@"}}
    status, answer, _ = api.call("POST", "/v1/registrations/check", bad)
    assert status == 400 and list(_fields(answer)) == ["contact.email"]
    assert _no_applications()


def test_a_photo_error_names_its_field(api: Api):
    status, answer, _ = api.call("POST", "/v1/registrations",
                                 {**application(chip("A123456(3)")), "selfie": "bm90IGFu"})
    assert status == 400 and answer["error"] == "invalid_image"
    assert answer["details"]["field"] == "selfie"


def test_openapi_documents_the_check_and_the_field_errors(api_client):
    doc = api_client.http.get("/v1/openapi.json").json_body
    assert "post" in doc["paths"]["/v1/registrations/check"]
    fields = doc["components"]["schemas"]["Error"]["properties"]["details"]["properties"][
        "fields"]
    assert set(fields["items"]["properties"]) >= {"field", "problem", "message"}
