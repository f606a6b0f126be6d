"""The evidence step as the local platform runs it: its settings (local face engine), KMS in
moto for the keyed hash the duplicate check will use, and no HKID number anywhere in logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from iamsmart import aws, parameters
from iamsmart.identity import hkid
from iamsmart.registration import card, evidence, sandbox, trust
from iamsmart.registration.particulars import from_form
from iamsmart.settings import settings
from infra import seeding
from infra.local import provision
from infra.local.platform import local_environment
from infra.names import KEYS

FACES = Path(__file__).resolve().parents[1] / "fixtures" / "faces"


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The local platform's environment, with KMS (the HKID HMAC key) in moto."""
    for key, value in local_environment(None, {}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    settings.cache_clear()
    aws.reset()
    parameters.reset()
    with mock_aws():
        provision.create_key(KEYS["hkid-hmac"])
        seeding.put_csca(seeding.sandbox_csca_pem(), None)
        yield
    aws.reset()
    parameters.reset()
    settings.cache_clear()


def test_chip_evidence_face_and_keyed_hash_on_the_local_platform(
        local: None, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    # Trust anchors read (and cached) first: botocore's debug log of that SSM answer holds
    # moto's account id 123456789012, which would read as the HKID digits looked for below.
    trust.anchors()
    caplog.set_level(logging.DEBUG)
    sod, groups = card.sandbox_card("A123456(3)")
    result = evidence.check_evidence(evidence.ChipEvidence(sod, groups))
    assert result.outcome == "verified" and result.reference_photo is not None

    # cfg from the environment: the local dlib engine, never moto's canned compare_faces.
    assert settings().face_engine == "local"
    same = evidence.face_match((FACES / "obama3.jpg").read_bytes(), result.reference_photo)
    assert same.decision == "match"

    # The number from a chip and the same number typed on a card-photo form hash alike, so
    # the duplicate check finds one person whichever evidence they bring.
    declared = from_form({"hkid": "a1234563", "name_en": "CHAN TAI MAN", "name_zh": "陳大文",
                          "date_of_birth": "1975-03-14", "sex": "M"})
    photo = evidence.check_evidence(evidence.CardPhotoEvidence(sandbox.photo("obama.jpg"),
                                                               declared))
    assert photo.outcome == "needs_manual_review"
    chip_hash = hkid.keyed_hash(result.particulars.hkid)
    assert chip_hash == hkid.keyed_hash(photo.particulars.hkid)
    assert chip_hash != hkid.keyed_hash("WX123456(9)")

    out, err = capfd.readouterr()
    blob = "\n".join([out, err, caplog.text, *(repr(r.__dict__) for r in caplog.records),
                      repr(result), repr(photo)])
    assert "registration evidence checked" in blob
    for fragment in ("123456", "1234563", "陳大文", "Tai Man", "TAI MAN", "1975-03-14"):
        assert fragment not in blob, fragment
