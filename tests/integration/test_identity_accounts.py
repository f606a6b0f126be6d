"""Accounts, sessions and the sandbox citizens on moto (H2)."""

from __future__ import annotations

import pytest
from identity_helpers import identity_aws  # noqa: F401 - fixture

from iamsmart import errors
from iamsmart.identity import accounts, assurance, sessions


def test_sandbox_citizens_seeded_once_and_claims_by_scope(identity_aws):  # noqa: F811
    assert accounts.seed_sandbox_citizens() == {"created": 0, "existing": 4}
    chan = accounts.get("sandbox-chan-tai-man")
    assert chan.name_tc == "陳大文" and chan.level == "basic"
    assert accounts.level("sandbox-lee-siu-mei") == "plus"
    assert accounts.get("sandbox-lee-siu-mei").acr == assurance.ACR_PLUS

    assert accounts.claims(chan.id, ["openid"]) == {}
    assert accounts.claims(chan.id, ["openid", "profile"]) == {
        "name": "CHAN Tai Man", "name#zh-Hant": "陳大文"}
    assert accounts.claims(chan.id, ["email"], ["birthdate", "hkid"]) == {
        "email": "chan.tai.man@sandbox.iamsmart.local", "email_verified": True,
        "birthdate": "1985-03-14"}
    assert set(accounts.claims(chan.id, ["phone"])) == {"phone_number", "phone_number_verified"}


def test_login_hint_lookup_by_email_or_phone_and_guard_items_are_not_accounts(identity_aws):  # noqa: F811
    assert accounts.find_by_login_hint(" Chan.Tai.Man@sandbox.iamsmart.local ") == \
        "sandbox-chan-tai-man"
    assert accounts.find_by_login_hint("+852 9000 0002") == "sandbox-lee-siu-mei"
    assert accounts.find_by_login_hint("90000002") == "sandbox-lee-siu-mei"
    assert accounts.find_by_login_hint("nobody@sandbox.iamsmart.local") is None
    assert accounts.find_by_login_hint("not a hint") is None
    with pytest.raises(accounts.AccountNotFound):
        accounts.get(accounts.email_key("chan.tai.man@sandbox.iamsmart.local"))


def test_create_is_one_transaction_guarded_by_hkid_hash_email_and_phone(identity_aws):  # noqa: F811
    first = accounts.Account(id=accounts.new_id(), name_en="HO Ka Ho", name_tc="何家豪",
                             email="ho.ka.ho@sandbox.iamsmart.local", created_at=1)
    accounts.create(first, hkid_hash="abc123")
    again = accounts.Account(id=accounts.new_id(), name_en="HO Ka Ho", name_tc="何家豪",
                             created_at=1)
    with pytest.raises(accounts.DuplicateIdentity):
        accounts.create(again, hkid_hash="abc123")
    assert accounts.find(again.id) is None  # nothing half-written
    clash = accounts.Account(id=accounts.new_id(), name_en="X", name_tc="X",
                             email="HO.KA.HO@sandbox.iamsmart.local", created_at=1)
    with pytest.raises(accounts.DuplicateIdentity):
        accounts.create(clash, hkid_hash="other")
    assert accounts.find(clash.id) is None
    # the HKID guard of the refused account was not written either
    accounts.create(accounts.Account(id=accounts.new_id(), name_en="Y", name_tc="Y",
                                     created_at=1), hkid_hash="other")


def test_one_time_enrolment_codes_are_used_up_sandbox_codes_are_not(identity_aws):  # noqa: F811
    accounts.add_enrolment_code("sandbox-wong-ka-yan", "ONE-TIME-CODE-1")
    assert accounts.account_for_enrolment_code("one-time-code-1") == "sandbox-wong-ka-yan"
    assert accounts.account_for_enrolment_code("ONE-TIME-CODE-1") is None
    for _ in range(2):
        assert accounts.account_for_enrolment_code("SANDBOX-CHAN-TAI-MAN") == \
            "sandbox-chan-tai-man"
    assert accounts.account_for_enrolment_code("SANDBOX-NOBODY") is None


def _cookie(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0]


def test_session_cookie_attributes_and_lifecycle(identity_aws):  # noqa: F811
    session, header = sessions.create("sandbox-chan-tai-man", list(assurance.AMR_DEVICE),
                                      assurance.ACR_BASIC, 1_700_000_000)
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert "Secure" not in header  # COOKIE_SECURE=false locally
    name, value = _cookie(header).split("=", 1)
    assert name == "iamsmart_sid" and value.startswith("sandbox-chan-tai-man.")
    # only the hash of the secret is stored
    from iamsmart import dynamo

    ref = sessions.named({"cookie": _cookie(header)})
    assert ref is not None and ref.id == session.id
    item = dynamo.get(ref.table, ref.key)
    assert item is not None and value.split(".")[1] not in str(item)

    got = sessions.current({"cookie": f"other=1; {_cookie(header)}"})
    assert got == session
    assert sessions.current({"cookie": _cookie(header)[:-2] + "xx"}) is None
    assert sessions.current({"cookie": "iamsmart_sid=sandbox-lee-siu-mei." +
                             value.split(".")[1]}) is None
    assert sessions.current({}) is None
    assert "Max-Age=0" in sessions.end(session)
    assert sessions.current({"cookie": _cookie(header)}) is None


def test_expired_session_is_not_current(identity_aws, monkeypatch):  # noqa: F811
    _, header = sessions.create("sandbox-chan-tai-man", ["hwk"], assurance.ACR_BASIC, 1)
    from iamsmart.identity import dal

    real_now = dal.now()
    monkeypatch.setattr(dal, "now", lambda: real_now + 8 * 3600 + 1)
    assert sessions.current({"cookie": _cookie(header)}) is None


def test_end_all_ends_every_session_of_the_account_only(identity_aws):  # noqa: F811
    headers = [sessions.create("sandbox-chan-tai-man", ["hwk"], assurance.ACR_BASIC, 1)[1]
               for _ in range(3)]
    _, lee = sessions.create("sandbox-lee-siu-mei", ["hwk"], assurance.ACR_PLUS, 1)
    assert sessions.end_all("sandbox-chan-tai-man") == 3
    assert all(sessions.current({"cookie": _cookie(h)}) is None for h in headers)
    assert sessions.current({"cookie": _cookie(lee)}) is not None


def test_unknown_account_is_not_found(identity_aws):  # noqa: F811
    with pytest.raises(errors.NotFound):
        accounts.get("acc_nobody")
