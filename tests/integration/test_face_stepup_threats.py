"""THREATS 24, 26, 27 through the step-up API and the real workflow on moto: bad uploads
refused with clear errors (before any face engine), a foreign liveness session refused,
attempts limited per transaction (the login is then declined) and per citizen. None of
these needs a face comparison except the multi-face photo (one detection)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from face_helpers import CITIZEN, b64, bank, device_for, enrol, face_login, photo
from oidc_helpers import Browser, Http

from iamsmart.identity import limits


@pytest.fixture
def http(platform: Any, api_app: Any) -> Http:
    from oidc_helpers import reset_caches

    reset_caches()
    return Http(api_app)


@pytest.fixture
def stepup(http: Http, tmp_path: Path) -> tuple[Browser, str]:
    enrol(name="obama.jpg")
    browser = Browser(http)
    return browser, face_login(browser, bank(http), device_for(http, tmp_path))


def _check(browser: Browser, txn: str, data: bytes, session: str | None = None) -> Any:
    if session is None:
        status, live = browser.json("POST", f"/v1/login/{txn}/face/liveness", {})
        assert status == 201, live
        session = live["liveness_session"]
    return browser.json("POST", f"/v1/login/{txn}/face/check",
                        {"selfie": b64(data), "liveness_session": session})


def _bomb() -> bytes:
    """A valid PNG header claiming 100000 x 100000 pixels (10^10), a few bytes long."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def _two_faces() -> bytes:
    from PIL import Image

    parts = [Image.open(io.BytesIO(photo(n))).convert("RGB") for n in ("obama.jpg", "biden.jpg")]
    for p in parts:
        p.thumbnail((500, 500))
    canvas = Image.new("RGB", (sum(p.width for p in parts), max(p.height for p in parts)))
    canvas.paste(parts[0], (0, 0))
    canvas.paste(parts[1], (parts[0].width, 0))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_bad_uploads_are_refused_clearly_and_counted(stepup: tuple[Browser, str]) -> None:
    browser, txn = stepup
    status, answer = _check(browser, txn, b"%PDF-1.7 not a photo")
    assert status == 400 and answer["error"] == "invalid_image", answer
    assert answer["message"]["tc"]
    status, answer = _check(browser, txn, _bomb())
    assert status == 400 and answer["error"] == "invalid_image", answer
    status, answer = _check(browser, txn, photo("obama2.jpg") + b"PK\x03\x04polyglot")
    assert status == 400 and answer["error"] == "invalid_image", answer
    # The third failure used up the transaction's attempts: the login is declined.
    assert answer["details"]["declined"] is True
    status, answer = browser.json("GET", f"/v1/login/{txn}")
    assert answer["status"] == "denied"
    status, answer = _check(browser, txn, photo("obama2.jpg"), session="x" * 24)
    assert status in (409, 429), answer


def test_oversized_and_malformed_bodies(stepup: tuple[Browser, str]) -> None:
    browser, txn = stepup
    big = b"\xff\xd8\xff" + b"\x00" * (6 * 1024 * 1024)
    status, answer = _check(browser, txn, big)
    assert status == 413 and answer["error"] == "payload_too_large", answer
    status, _, raw = browser.go("POST", f"/v1/login/{txn}/face/check",
                                raw=b'{"selfie": "a", "selfie": "b"}',
                                headers={"Content-Type": "application/json"})
    assert status == 400
    status, answer = browser.json("POST", f"/v1/login/{txn}/face/check",
                                  {"selfie": "%%%not base64%%%"})
    assert status == 400 and answer["error"] == "invalid_selfie"


def test_photo_with_two_faces_is_refused(stepup: tuple[Browser, str]) -> None:
    browser, txn = stepup
    status, answer = _check(browser, txn, _two_faces())
    assert status == 400 and answer["error"] == "face_not_usable", answer
    assert "More than one face" in answer["message"]["en"]


def test_another_citizens_liveness_session_is_refused(http: Http, stepup: tuple[Browser, str],
                                                      tmp_path: Path) -> None:
    from iamsmart.faces import liveness

    browser, txn = stepup
    foreign = liveness.create("sandbox-chan-tai-man", txn)["liveness_session"]
    status, answer = _check(browser, txn, photo("obama2.jpg"), session=foreign)
    assert status == 403 and answer["error"] == "liveness_session_refused", answer
    # And a session of another transaction of the same citizen.
    other = liveness.create(CITIZEN, "z" * 24)["liveness_session"]
    status, answer = _check(browser, txn, photo("obama2.jpg"), session=other)
    assert status == 403 and answer["error"] == "liveness_session_refused", answer


def test_per_citizen_limit_stops_new_step_ups(stepup: tuple[Browser, str]) -> None:
    browser, txn = stepup
    for _ in range(limits.POLICIES["face-account"].limit):
        limits.fail(("face-account", CITIZEN))
    status, answer = browser.json("POST", f"/v1/login/{txn}/face/liveness", {})
    assert status == 429 and int(answer and 1) and answer["error"] == "too_many_attempts"


def test_tries_left_are_the_transactions_not_the_citizens_hour(
        stepup: tuple[Browser, str]) -> None:
    """Failures earlier in the hour (other transactions) count toward the citizen's limit,
    never against a new transaction's three tries: its first failure leaves two."""
    browser, txn = stepup
    for _ in range(limits.POLICIES["face-txn"].limit):
        limits.fail(("face-account", CITIZEN))
    status, answer = _check(browser, txn, b"%PDF-1.7 not a photo")
    assert status == 400, answer
    assert answer["details"]["remaining"] == 2 and answer["details"]["declined"] is False
    status, answer = browser.json("GET", f"/v1/login/{txn}")
    assert answer["status"] == "authenticated"


def test_step_up_page_belongs_to_the_browser_that_logged_in(http: Http,
                                                            stepup: tuple[Browser, str]) -> None:
    _, txn = stepup
    stranger = Browser(http)
    status, _ = stranger.json("GET", f"/v1/login/{txn}/face")
    assert status == 404
    status, _ = stranger.json("POST", f"/v1/login/{txn}/face/check",
                              {"selfie": base64.b64encode(photo("obama2.jpg")).decode()})
    assert status == 404
    assert json  # noqa: B018 - imported for raw bodies above
