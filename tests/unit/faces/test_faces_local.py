"""The local engine on real photographs (dlib; models loaded once per test process)."""


import pytest

from iamsmart import errors
from iamsmart.faces import engine_for
from iamsmart.faces.local import LocalFaceEngine, similarity
from iamsmart.settings import Settings


@pytest.fixture(scope="module")
def local() -> LocalFaceEngine:
    return LocalFaceEngine(Settings(face_engine="local"))


@pytest.mark.parametrize("selfie,reference", [("obama2", "obama"), ("obama", "obama3")])
def test_same_person_matches(local, pics, selfie, reference):
    result = local.compare(pics.photo(selfie), pics.photo(reference))
    assert result.decision == "match"
    assert 0.9 <= result.similarity <= 1.0
    assert result.faces_in_selfie == 1


def test_different_person_does_not_match(local, pics):
    result = local.compare(pics.photo("biden"), pics.photo("obama"))
    assert result.decision == "no_match"
    assert result.similarity < 0.7


def test_thresholds_come_from_settings(pics):
    strict = LocalFaceEngine(Settings(face_engine="local", face_match_threshold=0.99,
                                      face_borderline_margin=0.1))
    result = strict.compare(pics.photo("obama2"), pics.photo("obama"))
    assert result.decision == "borderline"


def test_partial_face_is_refused(local, pics):
    with pytest.raises(errors.FaceNotUsable) as exc:
        local.compare(pics.photo("obama_partial_face"), pics.photo("obama"))
    assert exc.value.details["reason"] == "face_cut_off"
    assert "whole face" in exc.value.en and exc.value.tc


def test_no_face_is_refused(local, pics):
    with pytest.raises(errors.FaceNotUsable) as exc:
        local.compare(pics.png(320, 240), pics.photo("obama"))
    assert exc.value.details["reason"] == "no_face"
    assert len(local._faces(pics.png(320, 240))[1]) == 0  # the detector found none


def test_two_faces_are_refused(local, pics):
    group = pics.side_by_side("obama2", "biden")
    assert len(local._faces(group)[1]) == 2
    with pytest.raises(errors.FaceNotUsable) as exc:
        local.compare(group, pics.photo("obama"))
    assert exc.value.details["reason"] == "several_faces"


def test_unusable_reference_is_reported_as_such(local, pics):
    with pytest.raises(errors.FaceNotUsable) as exc:
        local.compare(pics.photo("obama"), pics.png(320, 240))
    assert exc.value.details["reason"] == "reference_faces_0"
    assert "reference" in exc.value.en


def test_invalid_upload_never_reaches_the_detector(local, pics):
    with pytest.raises(errors.InvalidImage):
        local.compare(b"not an image", pics.photo("obama"))


def test_engine_for_picks_the_adapter():
    from iamsmart.faces.rekognition import RekognitionFaceEngine

    assert isinstance(engine_for(Settings(face_engine="local")), LocalFaceEngine)
    assert isinstance(engine_for(Settings()), RekognitionFaceEngine)


def test_similarity_mapping_is_monotonic_and_calibrated():
    assert similarity(0.0) == 1.0
    assert similarity(0.6) == pytest.approx(0.90)
    assert similarity(1.2) == pytest.approx(0.0, abs=1e-9) and similarity(2.0) == 0.0
    samples = [similarity(d / 100) for d in range(0, 200)]
    assert samples == sorted(samples, reverse=True)
    # Measured fixture distances: same person 0.33-0.43, different people 0.82-0.87.
    assert similarity(0.43) > 0.92 and similarity(0.82) < 0.6

