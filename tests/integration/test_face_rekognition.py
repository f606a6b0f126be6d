"""Face templates and liveness in AWS mode: the Rekognition collection and Face Liveness
against botocore Stubber answers in Rekognition's real shapes (moto has no collections,
search or liveness), DynamoDB and KMS on moto. Failures fail closed: throttling is a 503 with
Retry-After, never a match and never a half-written template."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from face_helpers import CITIZEN, photo
from oidc_helpers import op_aws  # noqa: F401 - fixture

from iamsmart import errors
from iamsmart.faces import liveness, templates
from iamsmart.faces.rekognition import RekognitionFaceEngine, external_id
from iamsmart.settings import Settings, settings
from infra.names import FACES_REGION

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functions" / "api"))
pytestmark = pytest.mark.usefixtures("op_aws")

FACE_ID = "11111111-2222-4333-8444-555555555555"
COLLECTION = "iamsmart-face-templates"


@pytest.fixture
def cfg() -> Settings:
    return settings().model_copy(update={"face_engine": "rekognition"})


def on(client: Any) -> RekognitionFaceEngine:
    """The Rekognition adapter on the stubbed client."""
    return RekognitionFaceEngine(settings().model_copy(update={"face_engine": "rekognition"}),
                                 client)


@pytest.fixture
def rek() -> Iterator[Any]:
    client = boto3.client("rekognition", region_name=FACES_REGION,
                          aws_access_key_id="x", aws_secret_access_key="x",  # noqa: S106
                          config=Config(retries={"max_attempts": 1}))
    with Stubber(client) as stub:
        client.stub = stub
        yield client
        stub.assert_no_pending_responses()


def box() -> dict[str, float]:
    return {"Width": 0.38, "Height": 0.47, "Left": 0.31, "Top": 0.22}


def face(face_id: str = FACE_ID) -> dict[str, Any]:
    return {"FaceId": face_id, "BoundingBox": box(), "ImageId": "a1b2c3d4-0000-4000-8000-00000000",
            "ExternalImageId": external_id(CITIZEN), "Confidence": 99.99,
            "IndexFacesModelVersion": "7.0"}


def index_answer() -> dict[str, Any]:
    return {"FaceRecords": [{"Face": face(), "FaceDetail": {"BoundingBox": box(),
                                                             "Confidence": 99.99}}],
            "OrientationCorrection": "ROTATE_0", "FaceModelVersion": "7.0",
            "UnindexedFaces": []}


def search_answer(similarity: float, face_id: str = FACE_ID) -> dict[str, Any]:
    return {"SearchedFaceBoundingBox": box(), "SearchedFaceConfidence": 99.9,
            "FaceMatches": [{"Similarity": similarity, "Face": {
                "FaceId": face_id, "BoundingBox": box(), "ImageId": "b0000000-0000-4000-8000-0",
                "ExternalImageId": "x", "Confidence": 99.9, "IndexFacesModelVersion": "7.0"}}],
            "FaceModelVersion": "7.0"}


def detect_answer(count: int = 1) -> dict[str, Any]:
    return {"FaceDetails": [{"BoundingBox": box(), "Confidence": 99.9}] * count,
            "OrientationCorrection": "ROTATE_0"}


def throttled(stub: Stubber, operation: str) -> None:
    stub.add_client_error(operation, service_error_code="ThrottlingException",
                          service_message="Rate exceeded", http_status_code=400)


def _enrol(rek: Any, cfg: Settings) -> None:
    rek.stub.add_response("index_faces", index_answer(), {
        "CollectionId": COLLECTION, "Image": {"Bytes": photo("obama.jpg")},
        "ExternalImageId": external_id(CITIZEN), "DetectionAttributes": [],
        "MaxFaces": 1, "QualityFilter": "AUTO"})
    templates.enrol(CITIZEN, photo("obama.jpg"), consent=True, cfg=cfg, engine=on(rek))


def test_enrol_keeps_only_the_collection_face_id(rek: Any, cfg: Settings) -> None:
    _enrol(rek, cfg)
    kept = templates.get(CITIZEN)
    assert kept is not None and kept.engine == "rekognition"
    assert kept.stored == {"face_id": FACE_ID}
    assert "face_id" not in kept.public() and FACE_ID not in repr(kept)


def test_enrol_without_consent_is_refused_before_any_call(rek: Any, cfg: Settings) -> None:
    with pytest.raises(templates.ConsentRequired):
        templates.enrol(CITIZEN, photo("obama.jpg"), consent=False, cfg=cfg, engine=on(rek))
    assert templates.get(CITIZEN) is None


def test_enrol_with_two_faces_keeps_nothing(rek: Any, cfg: Settings) -> None:
    two = index_answer()
    two["UnindexedFaces"] = [{"Reasons": ["EXCEEDS_MAX_FACES"],
                              "FaceDetail": {"BoundingBox": box(), "Confidence": 99.0}}]
    rek.stub.add_response("index_faces", two)
    rek.stub.add_response("delete_faces", {"DeletedFaces": [FACE_ID]},
                          {"CollectionId": COLLECTION, "FaceIds": [FACE_ID]})
    with pytest.raises(errors.FaceNotUsable):
        templates.enrol(CITIZEN, photo("obama.jpg"), consent=True, cfg=cfg, engine=on(rek))
    assert templates.get(CITIZEN) is None


@pytest.mark.parametrize(("similarity", "decision"), [(99.2, "match"), (87.5, "borderline")])
def test_match_searches_the_collection_for_our_face_only(rek: Any, cfg: Settings,
                                                         similarity: float,
                                                         decision: str) -> None:
    _enrol(rek, cfg)
    rek.stub.add_response("detect_faces", detect_answer())
    rek.stub.add_response("search_faces_by_image", search_answer(similarity), {
        "CollectionId": COLLECTION, "Image": {"Bytes": photo("obama2.jpg")}, "MaxFaces": 10,
        "FaceMatchThreshold": 85.0, "QualityFilter": "AUTO"})
    result = templates.match(CITIZEN, photo("obama2.jpg"), cfg=cfg, engine=on(rek))
    assert result.decision == decision and result.similarity == round(similarity / 100, 4)


def test_another_citizens_face_in_the_answer_is_no_match(rek: Any, cfg: Settings) -> None:
    _enrol(rek, cfg)
    rek.stub.add_response("detect_faces", detect_answer())
    rek.stub.add_response("search_faces_by_image",
                          search_answer(99.9, face_id="99999999-2222-4333-8444-555555555555"))
    assert templates.match(CITIZEN, photo("biden.jpg"), cfg=cfg,
                           engine=on(rek)).decision == "no_match"


def test_throttled_search_fails_closed_with_503_and_retry_after(rek: Any,
                                                                cfg: Settings) -> None:
    from chalicelib import http

    _enrol(rek, cfg)
    rek.stub.add_response("detect_faces", detect_answer())
    throttled(rek.stub, "search_faces_by_image")
    with pytest.raises(errors.Unavailable) as caught:
        templates.match(CITIZEN, photo("obama2.jpg"), cfg=cfg, engine=on(rek))
    response = http.error_response(caught.value)
    assert response.status_code == 503 and response.headers["Retry-After"]


def test_throttled_delete_keeps_the_template_and_gives_no_receipt(rek: Any,
                                                                  cfg: Settings) -> None:
    _enrol(rek, cfg)
    throttled(rek.stub, "delete_faces")
    with pytest.raises(errors.Unavailable):
        templates.withdraw(CITIZEN, cfg=cfg, engine=on(rek))
    assert templates.get(CITIZEN) is not None  # nothing half-done: retry later
    rek.stub.add_response("delete_faces", {"DeletedFaces": [FACE_ID]},
                          {"CollectionId": COLLECTION, "FaceIds": [FACE_ID]})
    answer = templates.withdraw(CITIZEN, cfg=cfg, engine=on(rek))
    assert answer["deleted"] is True and templates.get(CITIZEN) is None


# --- Face Liveness ---------------------------------------------------------------------------

SESSION = "6a9b8e8e-1b2c-4d5e-8f90-123456789abc"


def _session(rek: Any, cfg: Settings, txn: str = "t" * 24) -> str:
    """A session handed to the app and started there (Rekognition's session created then)."""
    created = liveness.create(CITIZEN, txn, cfg=cfg)
    assert created["evaluated"] is True and "engine_session" not in created
    ours = str(created["liveness_session"])
    k = created["handoff"]["app_link"].rsplit("k=", 1)[1]
    rek.stub.add_response("create_face_liveness_session", {"SessionId": SESSION},
                          {"ClientRequestToken": ours, "Settings": {"AuditImagesLimit": 0}})
    started = liveness.start(ours, k, created["handoff"]["number"], account_id=CITIZEN,
                             device=f"{CITIZEN}:d1", cfg=cfg, client=rek)
    assert started["engine_session"] == SESSION and started["evaluated"] is True
    return ours


def test_the_app_gets_credentials_for_start_face_liveness_session_only(
        rek: Any, cfg: Settings) -> None:
    """STS (moto) AssumeRole of the liveness client role, 15 minutes, with a session policy
    of the one action; the answer carries Rekognition's session id and region."""
    from iamsmart import aws

    sent: list[dict[str, Any]] = []
    sts = aws.client("sts")
    sts.meta.events.register("provide-client-params.sts.AssumeRole",
                             lambda params, **_: sent.append(dict(params)))
    created = liveness.create(CITIZEN, "t" * 24, cfg=cfg)
    k = created["handoff"]["app_link"].rsplit("k=", 1)[1]
    rek.stub.add_response("create_face_liveness_session", {"SessionId": SESSION})
    started = liveness.start(created["liveness_session"], k, created["handoff"]["number"],
                             account_id=CITIZEN, device=f"{CITIZEN}:d1", cfg=cfg, client=rek)
    assert started["region"] == cfg.rekognition_region
    creds = started["credentials"]
    assert creds["access_key_id"] and creds["secret_access_key"] and creds["session_token"]
    assert len(sent) == 1
    assert sent[0]["RoleArn"].endswith(":role/iamsmart-liveness-client")
    assert sent[0]["DurationSeconds"] == 900
    policy = json.loads(sent[0]["Policy"])
    assert [s["Action"] for s in policy["Statement"]] == [["rekognition:StartFaceLivenessSession"]]
    # Started once: the same hand-off cannot give out a second engine session or credentials.
    with pytest.raises(liveness.LivenessRefused):
        liveness.start(created["liveness_session"], k, created["handoff"]["number"],
                       account_id=CITIZEN, device=f"{CITIZEN}:d1", cfg=cfg, client=rek)


def test_a_session_the_app_never_started_is_never_a_pass(rek: Any, cfg: Settings) -> None:
    created = liveness.create(CITIZEN, "t" * 24, cfg=cfg)
    result = liveness.consume(created["liveness_session"], CITIZEN, "t" * 24, cfg=cfg,
                              client=rek)
    assert result.liveness == "not_evaluated" and result.reference_image is None


def liveness_answer(confidence: float, status: str = "SUCCEEDED") -> dict[str, Any]:
    return {"SessionId": SESSION, "Status": status, "Confidence": confidence,
            "ReferenceImage": {"Bytes": photo("obama2.jpg"), "BoundingBox": box()},
            "AuditImages": []}


def test_liveness_result_is_read_server_side_once(rek: Any, cfg: Settings) -> None:
    ours = _session(rek, cfg)
    rek.stub.add_response("get_face_liveness_session_results", liveness_answer(99.1),
                          {"SessionId": SESSION})
    result = liveness.consume(ours, CITIZEN, "t" * 24, cfg=cfg, client=rek)
    assert result.liveness == "evaluated" and result.passed and result.confidence == 0.991
    assert result.reference_image == photo("obama2.jpg")
    with pytest.raises(liveness.LivenessRefused):  # replayed
        liveness.consume(ours, CITIZEN, "t" * 24, cfg=cfg, client=rek)


def test_liveness_below_threshold_does_not_pass(rek: Any, cfg: Settings) -> None:
    ours = _session(rek, cfg)
    rek.stub.add_response("get_face_liveness_session_results", liveness_answer(42.0))
    assert liveness.consume(ours, CITIZEN, "t" * 24, cfg=cfg, client=rek).passed is False


def test_unfinished_liveness_session_fails(rek: Any, cfg: Settings) -> None:
    ours = _session(rek, cfg)
    answer = {"SessionId": SESSION, "Status": "IN_PROGRESS"}
    rek.stub.add_response("get_face_liveness_session_results", answer)
    with pytest.raises(liveness.LivenessFailed):
        liveness.consume(ours, CITIZEN, "t" * 24, cfg=cfg, client=rek)


def test_throttled_liveness_fails_closed(rek: Any, cfg: Settings) -> None:
    created = liveness.create(CITIZEN, "t" * 24, cfg=cfg)
    k = created["handoff"]["app_link"].rsplit("k=", 1)[1]
    throttled(rek.stub, "create_face_liveness_session")
    with pytest.raises(errors.Unavailable):
        liveness.start(created["liveness_session"], k, created["handoff"]["number"],
                       account_id=CITIZEN, device=f"{CITIZEN}:d1", cfg=cfg, client=rek)
    # Nothing half-done: once Rekognition answers, the app starts the same session.
    rek.stub.add_response("create_face_liveness_session", {"SessionId": SESSION})
    started = liveness.start(created["liveness_session"], k, created["handoff"]["number"],
                             account_id=CITIZEN, device=f"{CITIZEN}:d1", cfg=cfg, client=rek)
    assert started["engine_session"] == SESSION
