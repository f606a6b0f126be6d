"""The face step with the real local engine (dlib): few photos, ~0.2 s per comparison."""

import pytest
from registration_helpers import face

from iamsmart import errors
from iamsmart.identity import hkid
from iamsmart.registration import card, evidence, immigration
from iamsmart.settings import Settings

CFG = Settings(face_engine="local")


def reference(number: str) -> bytes:
    sod, groups = card.sandbox_card(number)
    result = evidence.check_evidence(evidence.ChipEvidence(sod, groups), cfg=CFG)
    assert result.reference_photo is not None
    return result.reference_photo


def test_same_person_matches_the_record_photo():
    comparison = evidence.face_match(face("obama3"), reference("A123456(3)"), CFG)
    assert comparison.decision == "match" and comparison.similarity >= 0.9


def test_different_person_does_not_match():
    comparison = evidence.face_match(face("biden"), reference("A123456(3)"), CFG)
    assert comparison.decision == "no_match" and comparison.similarity < 0.7


def test_unusable_record_photo_says_so():
    record = immigration.SandboxImmigration().lookup(hkid.parse("B111111(1)"))
    assert record is not None
    with pytest.raises(errors.FaceNotUsable) as exc:
        evidence.face_match(face("obama2"), record.photo, CFG)
    assert exc.value.details["reason"] == "reference_cut_off"
