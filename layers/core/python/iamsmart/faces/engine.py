"""The face-engine port: one small protocol, adapters behind it, the decision made here.

Engines only measure (a similarity in 0..1); ``decide`` turns the measure into
"match" / "borderline" / "no_match" with the configured thresholds, so the rule is the same
whatever engine runs. Every image must show exactly one whole face. Each adapter also keeps
templates its own way (``enrol``, ``match``, ``forget``, ``prepare_storage``) and says what it
can do (``evaluates_liveness``): callers never ask which adapter runs.
``settings.face_engine`` alone chooses it (``engine_for``).
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
    """What each adapter answers; callers never ask which adapter runs."""

    name: str  # recorded on a template: the adapter that made it matches and deletes it
    evaluates_liveness: bool  # False: a photo taken outside Face Liveness is accepted
    kept_as: str  # how a template is kept, in the citizen's words
    stores: tuple[str, ...]  # where a template lives (named in the deletion receipt)

    def enrol(self, image: bytes, account_id: str) -> dict[str, str]:
        """Make the template of the (validated) image's one face; what to store."""
        ...

    def match(self, image: bytes, stored: dict[str, str], account_id: str) -> float:
        """Similarity (0..1) of the (validated) image's one face to the stored template."""
        ...

    def forget(self, stored: dict[str, str]) -> None:
        """Delete what the engine keeps of a template outside its item."""
        ...

    def prepare_storage(self) -> dict[str, int]:
        """Create what templates need before the first enrolment (idempotent)."""
        ...

    def compare(self, selfie: bytes, reference: bytes) -> Comparison:
        """Compare the one face of ``selfie`` with the one face of ``reference``."""
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


# ``settings.face_engine`` -> the adapter's module and class (imported on first use: the
# local adapter's dlib is a development extra, never in Lambda).
ADAPTERS: dict[str, tuple[str, str]] = {
    "rekognition": ("iamsmart.faces.rekognition", "RekognitionFaceEngine"),
    "local": ("iamsmart.faces.local", "LocalFaceEngine"),
}


def engine_for(cfg: Settings) -> FaceEngine:
    """The adapter the settings name."""
    import importlib

    module, cls = ADAPTERS[cfg.face_engine]
    engine: FaceEngine = getattr(importlib.import_module(module), cls)(cfg)
    return engine
