"""Amazon Rekognition adapter (AWS): DetectFaces on the selfie, then CompareFaces.

Two calls per compare: CompareFaces matches only the largest face of the source image and
does not say how many it saw, so the selfie's faces are counted with DetectFaces first.
``SimilarityThreshold=0`` makes CompareFaces return the similarity of every reference face,
so ``decide`` (not Rekognition's default 80 %) applies the configured thresholds.
Failures fail closed: throttling, outages and network errors are ``Unavailable`` (never a
match); a photo Rekognition refuses is ``InvalidImage``.
"""

from __future__ import annotations

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


class RekognitionFaceEngine:
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

    def count_faces(self, image: bytes) -> int:
        return len(self._details(images.validate(image, self.cfg).data))

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
