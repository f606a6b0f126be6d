"""The Rekognition adapter against botocore Stubber answers in Rekognition's real shapes.

moto implements only compare_faces with one canned answer, so the Stubber drives every path,
including the failures moto cannot produce (throttling, outages, refused images).
"""

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from iamsmart import errors
from iamsmart.faces.rekognition import RekognitionFaceEngine
from iamsmart.settings import Settings
from infra.names import FACES_REGION


def box(left=0.31, top=0.22, width=0.38, height=0.47):
    return {"Width": width, "Height": height, "Left": left, "Top": top}


def face_detail(**kw):
    return {
        "BoundingBox": box(**kw),
        "Landmarks": [{"Type": "eyeLeft", "X": 0.42, "Y": 0.38},
                      {"Type": "eyeRight", "X": 0.58, "Y": 0.38}],
        "Pose": {"Roll": 1.2, "Yaw": -3.4, "Pitch": 5.6},
        "Quality": {"Brightness": 81.2, "Sharpness": 92.3},
        "Confidence": 99.98,
    }


def compared_face():
    return {"BoundingBox": box(), "Confidence": 99.9,
            "Landmarks": [{"Type": "nose", "X": 0.5, "Y": 0.5}],
            "Pose": {"Roll": 0.4, "Yaw": 2.0, "Pitch": -1.1},
            "Quality": {"Brightness": 77.0, "Sharpness": 89.0}}


def compare_answer(similarities=(99.1,), unmatched=0):
    return {
        "SourceImageFace": {"BoundingBox": box(), "Confidence": 99.97},
        "FaceMatches": [{"Similarity": s, "Face": compared_face()} for s in similarities],
        "UnmatchedFaces": [compared_face() for _ in range(unmatched)],
        "SourceImageOrientationCorrection": "ROTATE_0",
        "TargetImageOrientationCorrection": "ROTATE_0",
    }


@pytest.fixture
def client():
    rek = boto3.client("rekognition", region_name=FACES_REGION, aws_access_key_id="x",
                       aws_secret_access_key="x")  # noqa: S106
    with Stubber(rek) as stub:
        rek.stub = stub
        yield rek
        stub.assert_no_pending_responses()


@pytest.fixture
def engine(client):
    return RekognitionFaceEngine(Settings(), client=client)


@pytest.fixture
def selfie(pics):
    return pics.png(80, 60, (10, 20, 30))


@pytest.fixture
def reference(pics):
    return pics.png(60, 80, (30, 20, 10))


def expect_detect(client, image, faces):
    client.stub.add_response("detect_faces", {"FaceDetails": faces},
                             {"Image": {"Bytes": image}, "Attributes": ["DEFAULT"]})


def expect_compare(client, selfie, reference, answer):
    client.stub.add_response("compare_faces", answer, {
        "SourceImage": {"Bytes": selfie}, "TargetImage": {"Bytes": reference},
        "SimilarityThreshold": 0.0, "QualityFilter": "AUTO"})


def test_match(engine, client, selfie, reference):
    expect_detect(client, selfie, [face_detail()])
    expect_compare(client, selfie, reference, compare_answer((99.1,)))
    result = engine.compare(selfie, reference)
    assert (result.decision, result.similarity, result.faces_in_selfie) == ("match", 0.991, 1)


def test_no_match(engine, client, selfie, reference):
    expect_detect(client, selfie, [face_detail()])
    expect_compare(client, selfie, reference, compare_answer((12.5,)))
    result = engine.compare(selfie, reference)
    assert (result.decision, result.similarity) == ("no_match", 0.125)


def test_borderline(engine, client, selfie, reference):
    expect_detect(client, selfie, [face_detail()])
    expect_compare(client, selfie, reference, compare_answer((87.0,)))
    assert engine.compare(selfie, reference).decision == "borderline"


def test_reference_face_left_unmatched_is_never_a_match(engine, client, selfie, reference):
    expect_detect(client, selfie, [face_detail()])
    expect_compare(client, selfie, reference, compare_answer((), unmatched=1))
    result = engine.compare(selfie, reference)
    assert (result.decision, result.similarity) == ("no_match", 0.0)


@pytest.mark.parametrize("faces,reason", [
    ([], "no_face"),
    ([face_detail(), face_detail(left=0.05)], "several_faces"),
    ([face_detail(left=-0.2)], "face_cut_off"),
])
def test_selfie_needs_one_whole_face_before_any_compare(engine, client, selfie, reference,
                                                         faces, reason):
    expect_detect(client, selfie, faces)  # no compare_faces answer queued: it must not run
    with pytest.raises(errors.FaceNotUsable) as exc:
        engine.compare(selfie, reference)
    assert exc.value.details["reason"] == reason


@pytest.mark.parametrize("answer,reason", [
    (compare_answer((), unmatched=0), "reference_faces_0"),
    (compare_answer((98.0,), unmatched=1), "reference_faces_2"),
])
def test_reference_needs_one_face(engine, client, selfie, reference, answer, reason):
    expect_detect(client, selfie, [face_detail()])
    expect_compare(client, selfie, reference, answer)
    with pytest.raises(errors.FaceNotUsable) as exc:
        engine.compare(selfie, reference)
    assert exc.value.details["reason"] == reason


@pytest.mark.parametrize("code,status", [
    ("ThrottlingException", 400),
    ("ProvisionedThroughputExceededException", 400),
    ("InternalServerError", 500),
    ("AccessDeniedException", 403),
])
@pytest.mark.parametrize("step", ["detect_faces", "compare_faces"])
def test_failures_fail_closed(engine, client, selfie, reference, code, status, step):
    if step == "compare_faces":
        expect_detect(client, selfie, [face_detail()])
    client.stub.add_client_error(step, service_error_code=code, http_status_code=status)
    with pytest.raises(errors.Unavailable) as exc:
        engine.compare(selfie, reference)
    assert exc.value.retry_after > 0 and exc.value.details["aws_error"] == code


@pytest.mark.parametrize("code", ["InvalidImageFormatException", "ImageTooLargeException"])
def test_refused_image_is_invalid_input(engine, client, selfie, reference, code):
    client.stub.add_client_error("detect_faces", service_error_code=code, http_status_code=400)
    with pytest.raises(errors.InvalidImage):
        engine.compare(selfie, reference)


def test_invalid_upload_is_refused_before_any_call(engine, selfie):
    with pytest.raises(errors.InvalidImage):
        engine.compare(b"GIF89a....", selfie)
    with pytest.raises(errors.PayloadTooLarge):
        engine.compare(selfie + b"\x00" * (5 * 1024 * 1024), selfie)



def test_connection_error_is_unavailable(selfie, reference):
    unreachable = boto3.client(
        "rekognition", region_name=FACES_REGION, endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="x", aws_secret_access_key="x",  # noqa: S106
        config=Config(retries={"max_attempts": 1}, connect_timeout=0.5, read_timeout=0.5))
    with pytest.raises(errors.Unavailable):
        RekognitionFaceEngine(Settings(), client=unreachable).compare(selfie, reference)


def test_default_client_comes_from_iamsmart_aws(monkeypatch, client):
    from iamsmart import aws

    monkeypatch.setattr(aws, "client", lambda service: client if service == "rekognition"
                        else None)
    assert RekognitionFaceEngine(Settings()).client is client
