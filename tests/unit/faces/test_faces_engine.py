import pytest

from iamsmart import errors
from iamsmart.faces.engine import decide, fully_visible, require_one_face
from iamsmart.settings import Settings, SettingsError


@pytest.mark.parametrize("score,expected", [
    (1.0, "match"), (0.90, "match"), (0.8999, "borderline"), (0.85, "borderline"),
    (0.8499, "no_match"), (0.0, "no_match"),
])
def test_decide_uses_configured_thresholds(score, expected):
    assert decide(score, Settings()) == expected


def test_decide_without_margin_has_no_borderline():
    cfg = Settings(face_match_threshold=0.95, face_borderline_margin=0.0)
    assert decide(0.9499, cfg) == "no_match" and decide(0.95, cfg) == "match"


def test_settings_from_environment():
    cfg = Settings.from_environ({"FACE_ENGINE": "local", "FACE_MATCH_THRESHOLD": "0.93",
                                 "FACE_BORDERLINE_MARGIN": "0.02"})
    assert (cfg.face_engine, cfg.face_match_threshold, cfg.face_borderline_margin) == (
        "local", 0.93, 0.02)
    with pytest.raises(SettingsError):
        Settings.from_environ({"FACE_ENGINE": "mock"})
    with pytest.raises(SettingsError):
        Settings.from_environ({"FACE_IMAGE_MAX_BYTES": str(6 * 1024 * 1024)})


@pytest.mark.parametrize("count,cut_off,reason", [
    (0, 0, "no_face"), (2, 0, "several_faces"), (3, 1, "several_faces"), (1, 1, "face_cut_off"),
])
def test_exactly_one_whole_face(count, cut_off, reason):
    with pytest.raises(errors.FaceNotUsable) as exc:
        require_one_face(count, "selfie", cut_off)
    assert exc.value.details["reason"] == reason
    assert exc.value.en != errors.FaceNotUsable.en or reason == "several_faces"
    assert exc.value.tc


def test_one_face_passes():
    assert require_one_face(1, "selfie") is None


@pytest.mark.parametrize("box,inside", [
    ((0.3, 0.2, 0.4, 0.5), True),
    ((-0.03, 0.2, 0.4, 0.5), True),   # overhang within 10 % of the face width
    ((-0.2, 0.2, 0.4, 0.5), False),
    ((0.7, 0.2, 0.4, 0.5), False),
    ((0.3, 0.6, 0.4, 0.5), False),
    ((0.3, 0.2, 0.0, 0.5), False),
])
def test_fully_visible(box, inside):
    assert fully_visible(*box) is inside
