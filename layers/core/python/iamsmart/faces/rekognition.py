"""Amazon Rekognition adapter (AWS): DetectFaces on the selfie, then CompareFaces.

Two calls per compare: CompareFaces matches only the largest face of the source image and
does not say how many it saw, so the selfie's faces are counted with DetectFaces first.
``SimilarityThreshold=0`` makes CompareFaces return the similarity of every reference face,
so ``decide`` (not Rekognition's default 80 %) applies the configured thresholds.
Failures fail closed: throttling, outages and network errors are ``Unavailable`` (never a
match); a photo Rekognition refuses is ``InvalidImage``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from iamsmart import aws, errors
from iamsmart.faces import images
from iamsmart.faces.engine import Comparison, decide, fully_visible, require_one_face
from iamsmart.settings import Settings

T = TypeVar("T")

INVALID_IMAGE_CODES = frozenset({
    "InvalidImageFormatException",
    "ImageTooLargeException",
    "InvalidParameterException",  # Rekognition's answer when it finds no face in the source
})


def _call(operation: Callable[..., T], **params: Any) -> T:
    """Fail closed: refusals of the image are ``InvalidImage``; everything else (throttling,
    outage, access, validation) is ``Unavailable``, never a match."""
    from iamsmart.aws import guarded

    refusals = dict.fromkeys(INVALID_IMAGE_CODES, errors.InvalidImage)
    return guarded("rekognition", operation.__name__, lambda: operation(**params), refusals)


def external_id(account_id: str) -> str:
    """The collection's ExternalImageId: an opaque digest, never the account id itself."""
    return hashlib.sha256(f"iamsmart:face:{account_id}".encode()).hexdigest()[:40]


class RekognitionFaceEngine:
    """Templates are faces in the collection ``settings.face_collection_id``: we keep the
    collection's ``FaceId`` only; Rekognition keeps its own feature vector, never the image.
    Liveness is evaluated (Face Liveness), so a photo uploaded outside it is not accepted."""

    name = "rekognition"
    evaluates_liveness = True
    kept_as = "a face in an Amazon Rekognition collection"
    stores: tuple[str, ...] = ("rekognition_collection", "accounts_table")

    def __init__(self, cfg: Settings, client: Any | None = None):
        self.cfg = cfg
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or aws.client("rekognition")

    def _details(self, image: bytes) -> list[dict[str, Any]]:
        response = _call(self.client.detect_faces, Image={"Bytes": image}, Attributes=["DEFAULT"])
        return list(response.get("FaceDetails", []))

    @staticmethod
    def _cut_off(details: list[dict[str, Any]]) -> int:
        boxes = [d.get("BoundingBox", {}) for d in details]
        return sum(not fully_visible(b.get("Left", 0.0), b.get("Top", 0.0),
                                     b.get("Width", 0.0), b.get("Height", 0.0)) for b in boxes)

    def compare(self, selfie: bytes, reference: bytes) -> Comparison:
        source = images.validate(selfie, self.cfg).data
        target = images.validate(reference, self.cfg).data
        details = self._details(source)
        require_one_face(len(details), "selfie", self._cut_off(details))
        response = _call(
            self.client.compare_faces,
            SourceImage={"Bytes": source},
            TargetImage={"Bytes": target},
            SimilarityThreshold=0.0,
            QualityFilter="AUTO",
        )
        matches = response.get("FaceMatches", [])
        require_one_face(len(matches) + len(response.get("UnmatchedFaces", [])), "reference")
        # With one reference face and threshold 0 it is in FaceMatches; if Rekognition left it
        # unmatched anyway, the similarity is unknown: 0, never a match.
        percent = max((m.get("Similarity", 0.0) for m in matches), default=0.0)
        score = round(min(max(percent / 100.0, 0.0), 1.0), 4)
        return Comparison(similarity=score, decision=decide(score, self.cfg),
                          faces_in_selfie=len(details))

    # --- templates (the collection) --------------------------------------------------------

    def enrol(self, image: bytes, account_id: str) -> dict[str, str]:
        """Index the one face of the (validated) image: ``{"face_id"}``. Several faces, or
        none good enough: nothing is kept and the refusal says why."""
        cfg = self.cfg
        answer = _call(self.client.index_faces, CollectionId=cfg.face_collection_id,
                       Image={"Bytes": image}, ExternalImageId=external_id(account_id),
                       DetectionAttributes=[], MaxFaces=1, QualityFilter="AUTO")
        records = answer.get("FaceRecords") or []
        unindexed = answer.get("UnindexedFaces") or []
        if len(records) != 1 or unindexed:
            for record in records:
                face_id = record.get("Face", {}).get("FaceId")
                if face_id:
                    self.forget({"face_id": face_id})
            found = len(records) + len(unindexed)
            require_one_face(found, "selfie", cut_off=1 if found == 1 else 0)
        return {"face_id": str(records[0]["Face"]["FaceId"])}

    def match(self, image: bytes, stored: dict[str, str], account_id: str) -> float:
        """Similarity (0..1) of the (validated) selfie's one face to our face in the
        collection (``SearchFacesByImage``; 0 when the search did not return our face)."""
        details = self._details(image)
        require_one_face(len(details), "selfie", self._cut_off(details))
        cfg = self.cfg
        floor = max(0.0, cfg.face_match_threshold - cfg.face_borderline_margin)
        answer = _call(self.client.search_faces_by_image, CollectionId=cfg.face_collection_id,
                       Image={"Bytes": image}, MaxFaces=10,
                       FaceMatchThreshold=round(floor * 100, 2), QualityFilter="AUTO")
        percent = max((m.get("Similarity", 0.0) for m in answer.get("FaceMatches", [])
                       if m.get("Face", {}).get("FaceId") == stored["face_id"]), default=0.0)
        return round(min(max(percent / 100.0, 0.0), 1.0), 4)

    def forget(self, stored: dict[str, str]) -> None:
        """Delete the face from the collection (a face already gone succeeds)."""
        _call(self.client.delete_faces, CollectionId=self.cfg.face_collection_id,
              FaceIds=[stored["face_id"]])

    def prepare_storage(self) -> dict[str, int]:
        """Nothing to seed: the collection is infrastructure (the CDK's)."""
        return {"keys": 0}
