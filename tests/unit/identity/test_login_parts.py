"""Pure parts of the identity context (H2): cookies, device public keys, QR payloads,
login hints' normalisation, the sandbox citizens' data."""

from __future__ import annotations

import pytest

from iamsmart import errors
from iamsmart.identity import accounts, devices, login, sessions
from iamsmart.settings import settings


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COOKIE_SECURE", "true")
    settings.cache_clear()
    yield
    settings.cache_clear()


def test_cookie_header_is_httponly_lax_and_secure_outside_loopback():
    header = sessions.cookie_header("iamsmart_sid", "a.b", 60)
    assert header == "iamsmart_sid=a.b; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
    assert login.clear_cookie_header().startswith("iamsmart_login=; Path=/; Max-Age=0")


@pytest.mark.parametrize("header,expected", [
    ("iamsmart_sid=acc.secret; other=1", "acc.secret"),
    ("other=1;iamsmart_sid=x", "x"),
    ("other=1", None),
    (None, None),
    ("iamsmart_sid=" + "x" * 9000, None),
    ('bad"cookie=\\', None),
])
def test_read_cookie(header, expected):
    assert sessions.read_cookie(header, "iamsmart_sid") == expected


@pytest.mark.parametrize("value,expected", [
    ("acc_1." + "s" * 43, ("acc_1", "s" * 43)),
    ("acc_1.short", None),
    ("a.b.c" + "s" * 40, None),
    (".", None),
    ("", None),
    (None, None),
])
def test_split_value(value, expected):
    assert sessions.split_value(value) == expected


def test_public_jwk_accepts_p256_public_keys_only():
    from joserfc.jwk import ECKey, OKPKey

    key = ECKey.generate_key("P-256", private=True)
    public = key.as_dict(private=False)
    assert devices.public_jwk({**public, "kid": "x", "use": "sig"}) == {
        k: public[k] for k in ("kty", "crv", "x", "y")}
    p384 = ECKey.generate_key("P-384", private=False).as_dict(private=False)
    okp = OKPKey.generate_key("Ed25519", private=False).as_dict(private=False)
    for bad in (key.as_dict(private=True), p384, okp, {**public, "x": "AAAA"}, "jwk", None,
                {**public, "y": 5}):
        with pytest.raises(errors.InvalidInput):
            devices.public_jwk(bad)


def test_qr_payload_round_trips_through_the_simulator_parser():
    from tools.device import parse_qr

    assert parse_qr(login.qr_payload("txn_1-A", "k/+=")) == ("txn_1-A", "k/+=")


@pytest.mark.parametrize("given,normal", [
    ("+852 9000 0001", "+85290000001"),
    ("9000-0001", "+85290000001"),
    ("+44 20 7946 0000", "+442079460000"),
])
def test_phone_normalisation(given, normal):
    assert accounts.normalise_phone(given) == normal
    assert accounts.phone_key(given) == accounts.phone_key(normal)


def test_guard_keys_do_not_hold_the_identifier_in_clear():
    key = accounts.email_key("Chan.Tai.Man@sandbox.iamsmart.local")
    assert key.startswith("email#") and "chan" not in key
    assert key == accounts.email_key("chan.tai.man@sandbox.iamsmart.local ")


def test_sandbox_citizens_are_synthetic_and_bilingual():
    levels = [p["level"] for p in accounts.SANDBOX_CITIZENS]
    assert levels.count("plus") == 1 and len(levels) >= 3
    for person in accounts.SANDBOX_CITIZENS:
        assert person["email"].endswith("@sandbox.iamsmart.local")
        assert person["code"].startswith("SANDBOX-")
        assert person["name_tc"] and person["name_en"]
        assert "." not in person["id"] and ":" not in person["id"]


def test_new_ids_fit_cookie_values_and_device_kids():
    from iamsmart.identity import authenticators

    for _ in range(50):
        for value in (accounts.new_id(), authenticators.new_device_id()):
            assert "." not in value and ":" not in value and "#" not in value
