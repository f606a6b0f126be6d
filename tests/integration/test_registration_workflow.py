"""The registration workflow end to end on moto: the intake API queues, the drainer starts the
real ASL (statemachines/registration.asl.json), the real task handlers run with the local
(dlib) face engine, the status page reports, the account is created exactly once, and the
enrolment code lets a device enrol. Face comparisons are slow-ish: few tests compare faces."""

from __future__ import annotations

import threading

import pytest
from registration_flow import Api, application, chip

from iamsmart.identity import accounts, dal, hkid
from iamsmart.registration import applications, workflow
from iamsmart.registration import dal as registration_dal


@pytest.fixture
def api(platform, api_app) -> Api:
    return Api(api_app, platform)


def _device_jwk() -> dict[str, str]:
    from cryptography.hazmat.primitives.asymmetric import ec
    from joserfc.jwk import ECKey

    key = ECKey.import_key(ec.generate_private_key(ec.SECP256R1()))  # type: ignore[arg-type]
    public = key.as_dict(private=False)
    return {k: public[k] for k in ("kty", "crv", "x", "y")}


def _account_of(number: str) -> str | None:
    return accounts.hkid_owner(hkid.keyed_hash(number))


def _accounts_with_name(name_tc: str) -> int:
    from iamsmart import aws

    items = aws.client("dynamodb").scan(TableName="iamsmart-accounts")["Items"]
    return sum(1 for i in items if i.get("kind", {}).get("S") == "account"
               and i.get("name_tc", {}).get("S") == name_tc)


def _objects(application_id: str) -> list[str]:
    from iamsmart import aws

    listed = aws.client("s3").list_objects_v2(Bucket="iamsmart-evidence",
                                              Prefix=f"applications/{application_id}/")
    return [o["Key"] for o in listed.get("Contents", [])]


def test_same_face_registers_once_and_the_code_enrols_a_device(api: Api):
    from iamsmart.identity import authenticators, devices

    app_id = api.submit(application(chip("A123456(3)")))
    done = api.wait(app_id)
    assert done["status"] == "completed", done
    assert done["level"] == "basic"  # no liveness engine locally: never "plus" online
    assert [s["state"] for s in done["steps"]] == ["done"] * len(done["steps"])
    assert "review" not in [s["step"] for s in done["steps"]]
    code = done["enrolment_code"]
    assert code and api.status(app_id)["enrolment_code"] is None  # shown once
    assert api.execution(app_id)["status"] == "SUCCEEDED"

    account_id = _account_of("A123456(3)")
    assert account_id is not None
    account = accounts.get(account_id)
    assert (account.level, account.name_tc, account.birthdate) == ("basic", "陳大文",
                                                                   "1975-03-14")
    assert account.email == "applicant@example.org"
    device = devices.enrol(code, _device_jwk(), "phone", "198.51.100.1")
    assert authenticators.get_device(account_id, device.device_id) is not None
    assert accounts.account_for_enrolment_code(code) is None  # one-time

    # Images and chip data are gone after the decision; the applicant was notified.
    assert _objects(app_id) == []
    status, outbox, _ = api.call("GET", "/v1/staff/outbox", headers=api.key("staff"))
    assert status == 200
    sent = [m for m in outbox["items"] if m["application_id"] == app_id]
    assert len(sent) == 1 and sent[0]["destination"] == "applicant@example.org"
    assert "complete" in sent[0]["text"] and code not in sent[0]["text"]

    # Replaying the account step (a retried task) changes nothing.
    before = _accounts_with_name("陳大文")  # a sandbox citizen has this name too
    assert workflow.create_account(app_id) == {"created": True}
    registration_dal.update_application(app_id, {}, remove=("account_created",))
    assert workflow.create_account(app_id) == {"created": True}
    assert _accounts_with_name("陳大文") == before


def test_different_face_is_not_completed_and_no_account(api: Api):
    app_id = api.submit(application(chip("A123456(3)"), selfie="biden"))
    done = api.wait(app_id)
    assert done["status"] == "not_completed"
    assert _account_of("A123456(3)") is None
    item = applications.get(app_id)
    assert item is not None and item["reason"] == "face_no_match"
    assert _objects(app_id) == []


def test_tampered_chip_fails(api: Api):
    app_id = api.submit(application(chip("WX123456(9)", tamper=True), selfie="biden"))
    done = api.wait(app_id)
    assert done["status"] == "not_completed"
    item = applications.get(app_id)
    assert item is not None
    assert (item["evidence_outcome"], item["reason"]) == ("not_authentic",
                                                          "evidence_not_authentic")
    assert _account_of("WX123456(9)") is None


def test_two_applications_for_one_hkid_at_once_make_one_account(api: Api):
    ids: list[str] = []

    def send() -> None:
        ids.append(api.submit(application(chip("WX123456(9)"), selfie="biden",
                                          contact={"phone": "5123 0000"})))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted(api.wait(i)["status"] for i in ids)
    assert outcomes == ["completed", "not_completed"]
    assert _accounts_with_name("黃小明") == 1


def test_duplicate_answers_like_any_other_refusal(api: Api):
    """THREATS 20: an HKID that has an account, and chip particulars that disagree with the
    record: identical intake answers and identical status pages (but the id)."""
    first = api.submit(application(chip("WX123456(9)"), selfie="biden"))
    assert api.wait(first)["status"] == "completed"

    duplicate = api.submit(application(chip("WX123456(9)"), selfie="biden"))
    mismatch = api.submit(application(chip("AB987654(3)"), selfie="biden"))
    answers = [api.wait(duplicate), api.wait(mismatch)]
    for answer in answers:
        answer.pop("application_id")
        answer.pop("reference")  # each its own
    assert answers[0] == answers[1]
    assert answers[0]["status"] == "not_completed"
    assert applications.get(duplicate)["reason"] == "duplicate"  # type: ignore[index]
    assert applications.get(mismatch)["reason"] == "immigration_mismatch"  # type: ignore[index]


def test_app_registration_binds_its_key_and_a_shared_email_is_left_off_the_account(api: Api):
    """One transaction makes the account, the app's device key and the code; an e-mail that
    is already another account's login hint (a family sharing one) is left off the new one."""
    from iamsmart.identity import authenticators

    other = accounts.create(accounts.Account(
        id=accounts.new_id(), name_en="WONG Siu Ming", name_tc="黃兆明",
        email="family@example.org", created_at=dal.now()))
    jwk = _device_jwk()
    app_id = api.submit(application(chip("A123456(3)"), channel="app", device_key=jwk,
                                    contact={"email": "Family@example.org"}))
    done = api.wait(app_id)
    assert done["status"] == "completed" and done["device_bound"] is True, done
    account_id = _account_of("A123456(3)")
    assert account_id is not None and account_id != other.id
    assert accounts.get(account_id).email is None
    assert accounts.find_by_login_hint("family@example.org") == other.id
    [device] = authenticators.devices_of(account_id)
    assert device.jwk == jwk and device.label == f"Registered with the app ({app_id[-6:]})"
    assert accounts.account_for_enrolment_code(done["enrolment_code"]) == account_id
