"""What an applicant has when the enrolment code was missed (issue 11 item 7): a short
reference (derived from the application id, unique, unambiguous letters and digits), a link to
the status page in the notification, where to ask for help, and a new enrolment code after
verifying again online with the same card's chip and a new selfie; the old code then stops
working. Anything that does not verify reads the same."""

from __future__ import annotations

import re
import time

import pytest
from registration_flow import Api, application, b64, card_photo, chip, face

from iamsmart.identity import accounts
from iamsmart.registration import applications, dal

REFERENCE = re.compile(r"[ACDEFGHJKMNPQRTWXY34679]{4}-[ACDEFGHJKMNPQRTWXY34679]{4}")
PATH = "/v1/registrations/{}/enrolment-code"


@pytest.fixture
def api(platform, api_app) -> Api:
    return Api(api_app, platform)


def _device_jwk() -> dict[str, str]:
    from cryptography.hazmat.primitives.asymmetric import ec
    from joserfc.jwk import ECKey

    key = ECKey.import_key(ec.generate_private_key(ec.SECP256R1()))  # type: ignore[arg-type]
    public = key.as_dict(private=False)
    return {k: public[k] for k in ("kty", "crv", "x", "y")}


def test_the_reference_is_short_derived_unique_and_unambiguous():
    ids = [applications.new_id() for _ in range(2000)]
    refs = [applications.reference_of(i) for i in ids]
    assert all(REFERENCE.fullmatch(r) for r in refs)
    assert len(set(refs)) == len(refs)
    assert applications.reference_of(ids[0]) == refs[0]  # derived: the same id, the same one
    assert applications.normalise_reference(" " + refs[0].lower().replace("-", " ")) == refs[0]
    assert applications.normalise_reference("O0I1-L5S8") is None  # never ambiguous characters


def test_a_taken_reference_is_never_given_twice(api: Api, monkeypatch):
    first = api.submit(application(chip("A123456(3)")))
    taken = applications.reference_of(first)
    ids = iter(["app_" + "x" * 24, first, "app_" + "y" * 24])
    fresh = "app_" + "y" * 24
    monkeypatch.setattr(applications, "reference_of",
                        lambda i: taken if i in ("app_" + "x" * 24, first) else "QQQQ-QQQQ")
    monkeypatch.setattr(applications, "new_id", lambda: next(ids))
    second = api.submit(application(chip("WX123456(9)"), selfie="biden"))
    assert second == fresh
    assert dal.application_of_reference("QQQQ-QQQQ") == fresh


def test_status_and_notification_carry_the_reference_link_and_help(api: Api):
    app_id = api.submit(application(chip("A123456(3)")))
    done = api.wait(app_id)
    assert done["reference"] == applications.reference_of(app_id)
    assert done["help"] == {"email": "iamsmart-help@sandbox.example", "phone": None,
                            "sandbox": True}
    # The notice is the workflow's last step, after the status already says completed.
    deadline = time.monotonic() + 30
    while True:
        status, outbox, _ = api.call("GET", "/v1/staff/outbox", headers=api.key("staff"))
        assert status == 200
        texts = [m["text"] for m in outbox["items"] if m["application_id"] == app_id]
        if texts or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(texts) == 1, outbox
    text = texts[0]
    assert done["reference"] in text
    assert f"http://localhost:8000/register.html?application={app_id}" in text
    assert "open the status page" not in text
    assert done["enrolment_code"] not in text


def test_verifying_again_gives_a_new_code_and_the_old_one_stops(api: Api):
    from iamsmart.identity import devices

    app_id = api.submit(application(chip("A123456(3)")))
    old = api.wait(app_id)["enrolment_code"]
    assert old
    body = {"evidence": chip("A123456(3)"), "selfie": b64(face("obama3"))}

    # Not the applicant: another card, or another face, reads the same.
    for wrong in ({**body, "evidence": chip("WX123456(9)")},
                  {**body, "selfie": b64(face("biden"))}):
        status, answer, _ = api.call("POST", PATH.format(app_id), wrong)
        assert (status, answer["error"]) == (403, "not_verified"), answer
    status, answer, _ = api.call("POST", PATH.format(app_id), {
        **body, "evidence": card_photo({"hkid": "A123456(3)", "name_en": "CHAN, Tai Man",
                                        "date_of_birth": "1975-03-14", "sex": "M"})})
    assert (status, answer["error"]) == (400, "chip_required"), answer

    status, answer, _ = api.call("POST", PATH.format(app_id), body)
    assert status == 201, answer
    new = answer["enrolment_code"]
    assert new != old and re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", new)
    assert accounts.account_for_enrolment_code(old) is None  # the old code no longer works
    assert api.status(app_id)["enrolment_code"] is None  # the new one is not shown again
    device = devices.enrol(new, _device_jwk(), "phone", "198.51.100.1")
    assert device.device_id

    # The app is set up now: no more codes this way.
    status, answer, _ = api.call("POST", PATH.format(app_id), body)
    assert (status, answer["error"]) == (409, "enrolment_code_not_reissuable"), answer


def test_only_a_completed_registration_and_a_few_tries_a_day(api: Api):
    refused = api.submit(application(chip("WX123456(9)"), selfie="obama3"))
    assert api.wait(refused)["status"] == "not_completed"
    body = {"evidence": chip("WX123456(9)"), "selfie": b64(face("obama3"))}
    status, answer, _ = api.call("POST", PATH.format(refused), body)
    assert (status, answer["error"]) == (409, "enrolment_code_not_reissuable")
    status, answer, _ = api.call("POST", PATH.format("app_" + "z" * 24), body)
    assert status == 404

    app_id = api.submit(application(chip("A123456(3)")))
    api.wait(app_id)
    wrong = {"evidence": chip("WX123456(9)"), "selfie": b64(face("obama3"))}
    codes = [api.call("POST", PATH.format(app_id), wrong)[0] for _ in range(6)]
    assert codes == [403] * 5 + [429]


def test_at_a_counter_the_reference_is_enough_with_the_card_and_the_face(api: Api):
    app_id = api.submit(application(chip("A123456(3)")))
    old = api.wait(app_id)["enrolment_code"]
    reference = applications.reference_of(app_id)
    body = {"evidence": chip("A123456(3)"), "selfie": b64(face("obama3"))}
    # An unknown reference, and a known one with the wrong card, read the same.
    for path, sent in ((PATH.format("QQQQ-QQQQ"), body),
                       (PATH.format(reference),
                        {**body, "evidence": chip("WX123456(9)")})):
        status, answer, _ = api.call("POST", path, sent)
        assert (status, answer["error"]) == (403, "not_verified"), answer
    typed = reference.lower().replace("-", " ")  # as an officer types it
    status, answer, _ = api.call("POST", PATH.format(typed.replace(" ", "")), body)
    assert status == 201 and answer["application_id"] == app_id, answer
    assert accounts.account_for_enrolment_code(old) is None


def test_the_hourly_limit_of_one_address_says_so_not_this_application(
        api: Api, monkeypatch: pytest.MonkeyPatch):
    from clock import clear_of_window_edge

    from iamsmart.settings import settings

    clear_of_window_edge(3600, 30)
    app_id = api.submit(application(chip("A123456(3)")))
    api.wait(app_id)
    monkeypatch.setenv("REGISTRATION_SOURCE_HOURLY_LIMIT", "1")  # the submission counted one
    settings.cache_clear()
    body = {"evidence": chip("A123456(3)"), "selfie": b64(face("obama3"))}
    status, answer, headers = api.call("POST", PATH.format(app_id), body)
    assert (status, answer["error"]) == (429, "too_many_attempts"), answer
    assert "device or network" in answer["message"]["en"]
    assert "裝置或網絡" in answer["message"]["tc"]
    assert "application" not in answer["message"]["en"]
    assert 0 < int(headers["Retry-After"]) <= 3600
    settings.cache_clear()
