"""A real local face engine: dlib's ResNet face descriptor (local platform and tests).

Not shipped to Lambda: ``dlib-bin`` and ``face-recognition-models`` are development extras,
imported on first use. Descriptors of one person lie ≈0.33–0.43 apart, of different people
≈0.82–0.87; dlib's usual decision distance is 0.6. ``similarity`` maps a distance onto the
0..1 scale of the port so that the distance 0.6 lands on the default match threshold (0.90).
"""

from __future__ import annotations

import functools
from typing import Any, Literal

from iamsmart.faces import images
from iamsmart.faces.engine import Comparison, decide, fully_visible, require_one_face
from iamsmart.settings import Settings

# Photos are scaled to this longest side before detection: faces stay far above the
# detector's ≈80 px minimum in a selfie, and a compare costs ~0.2 s instead of ~1 s.
MAX_SIDE = 800
DLIB_THRESHOLD = 0.6
CALIBRATED_SIMILARITY = 0.90  # the similarity the dlib threshold maps to


def similarity(distance: float) -> float:
    """Distance between descriptors → similarity 0..1 (monotonic, 0.6 ↦ 0.90, ≥1.2 ↦ 0)."""
    if distance <= DLIB_THRESHOLD:
        return 1.0 - distance * (1.0 - CALIBRATED_SIMILARITY) / DLIB_THRESHOLD
    slope = CALIBRATED_SIMILARITY / DLIB_THRESHOLD
    return max(0.0, CALIBRATED_SIMILARITY - (distance - DLIB_THRESHOLD) * slope)


@functools.cache
def _models() -> tuple[Any, Any, Any]:
    """Detector, 5-point landmarks and ResNet descriptor, loaded once per process (~0.4 s)."""
    import dlib
    import face_recognition_models as files

    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(files.pose_predictor_five_point_model_location()),
        dlib.face_recognition_model_v1(files.face_recognition_model_location()),
    )


class LocalFaceEngine:
    def __init__(self, cfg: Settings):
        self.cfg = cfg

    def _faces(self, image: bytes) -> tuple[Any, list[Any], int]:
        """Pixels, faces found, and how many of them are cut off at the frame's edge."""
        import numpy as np

        valid = images.validate(image, self.cfg)
        pixels = np.asarray(images.decode_rgb(valid, MAX_SIDE))
        detector, _, _ = _models()
        found = list(detector(pixels, 0))
        if not found:  # small faces: one upsampling pass before giving up
            found = list(detector(pixels, 1))
        height, width = pixels.shape[:2]
        cut_off = sum(not fully_visible(f.left(), f.top(), f.width(), f.height(), width, height)
                      for f in found)
        return pixels, found, cut_off

    def descriptor(self, image: bytes,
                   which: Literal["selfie", "reference"] = "selfie") -> list[float]:
        """The 128-number descriptor of the photo's one whole face (a local face template)."""
        pixels, faces, cut_off = self._faces(image)
        require_one_face(len(faces), which, cut_off)
        _, landmarks, resnet = _models()
        return list(resnet.compute_face_descriptor(pixels, landmarks(pixels, faces[0]), 1))

    def count_faces(self, image: bytes) -> int:
        return len(self._faces(image)[1])

    def compare(self, selfie: bytes, reference: bytes) -> Comparison:
        a = self.descriptor(selfie, "selfie")
        b = self.descriptor(reference, "reference")
        distance = sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5
        score = round(similarity(distance), 4)
        return Comparison(similarity=score, decision=decide(score, self.cfg), faces_in_selfie=1)
