"""The face-engine port: one small protocol, adapters behind it, the decision made here.

Engines only measure (a similarity in 0..1, faces counted); ``decide`` turns the measure into
"match" / "borderline" / "no_match" with the configured thresholds, so the rule is the same
whatever engine runs. Every image must show exactly one whole face.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from iamsmart import errors
from iamsmart.settings import Settings

Decision = Literal["match", "no_match", "borderline"]

# A detected face may overhang the frame by this share of its own width or height at most;
# beyond it the face is cut off (a partial face is refused, not matched).
MAX_OVERHANG = 0.10


@dataclass(frozen=True)
class Comparison:
    similarity: float  # 0..1
    decision: Decision
    faces_in_selfie: int


class FaceEngine(Protocol):
    def compare(self, selfie: bytes, reference: bytes) -> Comparison:
        """Compare the one face of ``selfie`` with the one face of ``reference``."""
        ...

    def count_faces(self, image: bytes) -> int:
        """How many faces the (validated) image shows."""
        ...


def decide(similarity: float, cfg: Settings) -> Decision:
    if similarity >= cfg.face_match_threshold:
        return "match"
    if similarity >= cfg.face_match_threshold - cfg.face_borderline_margin:
        return "borderline"
    return "no_match"


def require_one_face(count: int, which: Literal["selfie", "reference"],
                     cut_off: int = 0) -> None:
    """Exactly one whole face, or a clear bilingual refusal (``cut_off`` of ``count`` faces
    overhang the frame)."""
    if count == 1 and not cut_off:
        return
    if which == "reference":
        # The reference comes from us (Immigration record, enrolled template), not the citizen.
        raise errors.FaceNotUsable(
            en="The reference photo on record cannot be used for a face match.",
            tc="記錄中的參考相片未能用作面孔比對。",
            reason="reference_cut_off" if count == 1 else f"reference_faces_{min(count, 2)}",
        )
    if count == 0:
        raise errors.FaceNotUsable(
            en="No whole face was found in the photo. Face the camera in good light, with "
               "your whole face in the frame.",
            tc="相片中找不到完整的面孔。請在光線充足的地方面向鏡頭，並讓整張臉在畫面內。",
            reason="no_face",
        )
    if count == 1:
        raise errors.FaceNotUsable(
            en="Your face is not wholly in the photo. Please keep your whole face in the frame.",
            tc="相片未能顯示你的整張臉。請讓整張臉保持在畫面內。",
            reason="face_cut_off",
        )
    raise errors.FaceNotUsable(
        en="More than one face is in the photo. Please make sure only you are in the frame.",
        tc="相片中有多於一張面孔。請確保畫面內只有你一人。",
        reason="several_faces",
    )


def fully_visible(left: float, top: float, width: float, height: float,
                  frame_width: float = 1.0, frame_height: float = 1.0) -> bool:
    """Whether a face box lies inside the frame (up to MAX_OVERHANG of the face's size)."""
    if width <= 0 or height <= 0:
        return False
    dx, dy = MAX_OVERHANG * width, MAX_OVERHANG * height
    return (left >= -dx and top >= -dy and left + width <= frame_width + dx
            and top + height <= frame_height + dy)


def engine_for(cfg: Settings) -> FaceEngine:
    """The adapter the settings name (adapters import their SDKs lazily)."""
    if cfg.face_engine == "local":
        from iamsmart.faces.local import LocalFaceEngine

        return LocalFaceEngine(cfg)
    from iamsmart.faces.rekognition import RekognitionFaceEngine

    return RekognitionFaceEngine(cfg)
