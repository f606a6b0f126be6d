"""HKID keyed hash through KMS GenerateMac (moto in-process), keys from infra.names.KEYS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterator

import pytest
from botocore.stub import Stubber
from moto import mock_aws

from iamsmart import aws, errors
from iamsmart.identity import hkid
from iamsmart.settings import settings
from infra.local import provision
from infra.names import KEYS

NUMBER_FORMS = ("A123456(3)", "A1234563", "a123456（3）", " A123456 (3) ")


@pytest.fixture
def kms(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("HKID_HMAC_KEY_ALIAS", KEYS["hkid-hmac"].alias)
    settings.cache_clear()
    aws.reset()
    with mock_aws():
        yield provision.create_key(KEYS["hkid-hmac"])
    aws.reset()
    settings.cache_clear()


def test_the_key_is_an_hmac_key(kms: str) -> None:
    meta = aws.client("kms").describe_key(KeyId=KEYS["hkid-hmac"].alias)["KeyMetadata"]
    assert meta["Arn"] == kms
    assert (meta["KeySpec"], meta["KeyUsage"]) == ("HMAC_256", "GENERATE_VERIFY_MAC")


def test_same_number_any_formatting_same_hash(kms: str) -> None:
    hashes = {hkid.keyed_hash(form) for form in NUMBER_FORMS}
    assert len(hashes) == 1
    value = hashes.pop()
    assert len(base64.urlsafe_b64decode(value + "=")) == 32  # HMAC-SHA-256, base64url
    assert "=" not in value and "+" not in value and "/" not in value
    assert hkid.keyed_hash(hkid.parse("A123456(3)")) == value


def test_the_hash_is_kms_hmac_of_the_normalised_number(kms: str) -> None:
    value = hkid.keyed_hash("a1234563")
    ok = aws.client("kms").verify_mac(
        KeyId=KEYS["hkid-hmac"].alias, Message=b"iamsmart:hkid:v1:A1234563",
        MacAlgorithm="HMAC_SHA_256", Mac=base64.urlsafe_b64decode(value + "="))
    assert ok["MacValid"] is True
    # Not a plain (unkeyed) hash of the number.
    plain = hashlib.sha256(b"iamsmart:hkid:v1:A1234563").digest()
    assert base64.urlsafe_b64decode(value + "=") != plain
    assert not hmac.compare_digest(base64.urlsafe_b64decode(value + "="), plain)


def test_different_numbers_different_hashes(kms: str) -> None:
    numbers = ["A123456(3)", "A200000(0)", "G000000(A)", "B111111(1)", "AB987654(3)",
               "WX123456(9)", "XB000000(0)"]
    assert len({hkid.keyed_hash(n) for n in numbers}) == len(numbers)


def test_another_key_gives_other_hashes(kms: str) -> None:
    before = hkid.keyed_hash("A123456(3)")
    provision.create_key(KEYS["hkid-hmac"])  # the alias now targets a new key
    assert hkid.keyed_hash("A123456(3)") != before


def test_invalid_numbers_never_reach_kms(kms: str) -> None:
    client = aws.client("kms")
    with Stubber(client):  # any KMS call would fail: no responses queued
        with pytest.raises(hkid.InvalidHKID):
            hkid.keyed_hash("A123456(4)")


@pytest.mark.parametrize("code", ["ThrottlingException", "KMSInternalException",
                                  "DependencyTimeoutException", "KeyUnavailableException"])
def test_kms_trouble_is_unavailable(kms: str, code: str) -> None:
    client = aws.client("kms")
    with Stubber(client) as stub:
        stub.add_client_error("generate_mac", service_error_code=code, http_status_code=503)
        with pytest.raises(errors.Unavailable) as caught:
            hkid.keyed_hash("A123456(3)")
    assert caught.value.details["aws_error"] == code


def test_the_number_is_never_logged_nor_in_errors(kms: str,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    hkid.keyed_hash("A123456(3)")
    with pytest.raises(hkid.InvalidHKID) as bad:
        hkid.keyed_hash("A123456(4)")
    texts += [str(bad.value), repr(bad.value), bad.value.en, bad.value.tc, repr(bad.value.details)]
    client = aws.client("kms")
    with Stubber(client) as stub:
        stub.add_client_error("generate_mac", service_error_code="ThrottlingException",
                              service_message="Rate exceeded", http_status_code=400)
        with pytest.raises(errors.Unavailable) as down:
            hkid.keyed_hash("A123456(3)")
    exc: BaseException | None = down.value
    while exc is not None:  # the whole chain
        texts += [str(exc), repr(exc)]
        exc = exc.__cause__ or exc.__context__
    assert any(r.getMessage() == "AWS call failed"
               and getattr(r, "aws_operation", None) == "generate_mac" for r in caplog.records)
    texts += [caplog.text] + [repr(r.__dict__) for r in caplog.records]
    blob = "\n".join(texts)
    for fragment in ("123456", "1234563", "A123456"):
        assert fragment not in blob
