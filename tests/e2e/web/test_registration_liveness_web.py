"""The registration page's optional live check, handed to the iAM Smart app (issue 10 item 10).

In both languages, in elderly mode and at 360 px (each state checked in each of LIVE_MODES),
with axe: the applicant starts the check, the page shows the QR code, the number and the
same-device link (the step-up page's hand-off code), follows the app, and sends the application with
``liveness_session`` and ``liveness_nonce`` once the app (the device simulator, never enrolled:
an applicant's phone) has captured it; the session is then used. Skipped (or not captured when
the applicant sends), the application is sent without them and the page says plainly that it
completes at the basic level; a session that ends before the app captured it (expired, or used
elsewhere) is said the same way, and "Try again" hands a new one to the app.
A captured session refused at intake (used elsewhere meanwhile) does not stop the applicant:
the page sends the application again without it.

The sandbox person is HO Wing Kit (AB987654(3)): the card's Chinese name differs from the
record, so every application ends "not completed" and can be sent again in any test run
(the people who complete are other modules' own, once per platform run).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from axe_helpers import Axe
from display_modes import PHONE, each_mode, lang_of
from playwright.sync_api import Page, Request, expect
from registration_helpers import FACES, fill_common, submit_and_wait
from test_login_accessibility import set_mode
from test_registration_accessibility import check

from infra.names import ROOT

pytestmark = pytest.mark.e2e

CARD = "ho-wing-kit"
BASIC = {"tc": "基本級別", "en": "basic level"}
CAPTURED = {"tc": "會隨你的申請一併提交", "en": "sent with your application"}
SKIPPED = {"tc": "你已略過這一步", "en": "You skipped this step"}
TITLE = {"tc": "用「智方便」應用程式確認你是真人",
         "en": "Check that you are a real person with the iAM Smart app"}
LIVE_MODES = [("tc", False), ("elderly-en", True)]


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def open_page(page: Page, platform_url: str, mode: str, phone: bool) -> None:
    if phone:
        page.set_viewport_size(PHONE)
    page.goto(platform_url + "/register.html")
    expect(page.locator("#evidence-sandbox")).to_be_checked()
    set_mode(page, mode)
    page.select_option("#sandbox-card", CARD)
    fill_common(page, FACES / "biden.jpg", "e2e-live@example.org")


def sent_applications(page: Page) -> list[dict[str, Any]]:
    """Every POST /v1/registrations body the page sends from now on."""
    bodies: list[dict[str, Any]] = []

    def seen(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/v1/registrations"):
            bodies.append(json.loads(request.post_data or "{}"))

    page.on("request", seen)
    return bodies


def app_capture(platform_url: str, state: Path, page: Page) -> subprocess.CompletedProcess:
    """The applicant's phone (never enrolled) follows the page's link and picks its number."""
    link = page.locator("#live-app-link")
    expect(link).to_have_attribute("href", re.compile(r"^iamsmart://liveness\?session="))
    number = page.locator("#live-number").inner_text().strip()
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "tools.device", "--base-url", platform_url,
         "--state", str(state), "liveness", "--qr", str(link.get_attribute("href")),
         "--number", number],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def session_state(platform_url: str, body: dict[str, Any]) -> str:
    answer = requests.post(
        f"{platform_url}/v1/registrations/liveness/{body['liveness_session']}/state",
        json={"liveness_nonce": body["liveness_nonce"]}, timeout=10)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["state"])


def follow_polls(page: Page) -> list[dict[str, str]]:
    """The session and nonce of every state poll the page makes (what the page holds)."""
    seen: list[dict[str, str]] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/state"):
            seen.append({"session": request.url.rsplit("/", 2)[-2],
                         "nonce": json.loads(request.post_data or "{}")["liveness_nonce"]})

    page.on("request", on_request)
    return seen


def use_elsewhere(page: Page, platform_url: str, followed: list[dict[str, str]]) -> None:
    """Another application uses the page's session with its nonce (as if it leaked)."""
    start = time.monotonic()
    while not followed and time.monotonic() - start < 15:
        page.wait_for_timeout(250)  # Playwright delivers the page's events meanwhile
    assert followed, "the page does not follow the session"
    chip = requests.get(f"{platform_url}/v1/sandbox/cards/{CARD}", timeout=10).json()
    selfie = base64.b64encode((FACES / "biden.jpg").read_bytes()).decode()
    other = requests.post(f"{platform_url}/v1/registrations", timeout=30, json={
        "channel": "web", "evidence": chip, "selfie": selfie,
        "consent": {"face_processing": True}, "contact": {"email": "e2e-other@example.org"},
        "language": "en", "liveness_session": followed[0]["session"],
        "liveness_nonce": followed[0]["nonce"]})
    assert other.status_code == 202, other.text


def test_registration_hands_the_live_check_to_the_app_and_sends_it(
        web_page: Page, platform_url: str, axe: Axe, tmp_path: Path) -> None:
    page = web_page
    open_page(page, platform_url, "tc", False)
    step = page.locator("#step-live")
    for mode, _ in each_mode(page, LIVE_MODES):
        lang = lang_of(mode)
        expect(step.locator("legend")).to_contain_text(TITLE[lang])
        # Explained before anything starts: optional, and what skipping means.
        expect(step).to_contain_text(BASIC[lang])
        expect(page.locator("#live-handoff")).to_be_hidden()
    # Keyboard: the start button is reached and pressed without a mouse.
    page.locator("#live-start").focus()
    page.keyboard.press("Enter")
    expect(step).to_have_attribute("data-state", "waiting")
    expect(page.locator("#live-skip")).to_be_focused()
    for _, phone in each_mode(page, LIVE_MODES):
        expect(step).to_have_attribute("data-state", "waiting")
        expect(page.locator("#live-qr")).to_be_visible()
        assert str(page.locator("#live-qr").get_attribute("src")).startswith(
            "data:image/svg+xml")
        expect(page.locator("#live-number")).to_have_text(re.compile(r"^\d{2}$"))
        check(page, axe, phone)

    captured = app_capture(platform_url, tmp_path / "applicant.json", page)
    assert captured.returncode == 0, captured.stdout + captured.stderr
    expect(step).to_have_attribute("data-state", "captured", timeout=15_000)
    for mode, phone in each_mode(page, LIVE_MODES):
        lang = lang_of(mode)
        expect(page.locator("#live-status")).to_contain_text(CAPTURED[lang])
        # No liveness engine here: the page says the result is "not evaluated" (basic level).
        expect(page.locator("#live-status")).to_contain_text(BASIC[lang])
        expect(page.locator("#live-handoff")).to_be_hidden()
        check(page, axe, phone)

    bodies = sent_applications(page)
    submit_and_wait(page)
    assert len(bodies) == 1
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,128}", bodies[0]["liveness_session"])
    assert len(bodies[0]["liveness_nonce"]) >= 16
    assert session_state(platform_url, bodies[0]) == "used"  # consumed at intake
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]


def test_registration_skipping_the_live_check_goes_on_at_the_basic_level(
        web_page: Page, platform_url: str, axe: Axe) -> None:
    page = web_page
    open_page(page, platform_url, "en", True)
    page.locator("#live-start").click()
    expect(page.locator("#live-qr")).to_be_visible()
    page.locator("#live-skip").focus()
    page.keyboard.press("Enter")
    step = page.locator("#step-live")
    expect(step).to_have_attribute("data-state", "skipped")
    expect(page.locator("#live-status")).to_contain_text(SKIPPED["en"])
    expect(page.locator("#live-status")).to_contain_text(BASIC["en"])
    expect(page.locator("#live-handoff")).to_be_hidden()
    expect(page.locator("#live-again")).to_be_focused()
    check(page, axe, True)
    # The language switch re-renders the explanation.
    page.locator("#lang-toggle").click()
    expect(page.locator("#live-status")).to_contain_text(SKIPPED["tc"])
    expect(page.locator("#live-status")).to_contain_text(BASIC["tc"])

    bodies = sent_applications(page)
    submit_and_wait(page)
    assert len(bodies) == 1
    assert "liveness_session" not in bodies[0] and "liveness_nonce" not in bodies[0]
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]


def test_registration_sent_before_the_app_captured_goes_on_without_it(
        web_page: Page, platform_url: str) -> None:
    """The applicant starts the check but sends the application before the app captured it:
    the session is not attached (it could only be refused) and the application goes on."""
    page = web_page
    open_page(page, platform_url, "tc", False)
    page.locator("#live-start").click()
    expect(page.locator("#live-qr")).to_be_visible()
    bodies = sent_applications(page)
    submit_and_wait(page)
    assert len(bodies) == 1 and "liveness_session" not in bodies[0]
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]


def test_registration_live_check_that_ends_unused_is_said_and_can_be_tried_again(
        web_page: Page, platform_url: str, axe: Axe) -> None:
    """The session the page follows ends before the app captured it (here another application
    used it with its nonce, as an expiry would end it): the page says the application goes on
    at the basic level, and "Try again" shows a new QR code and number."""
    page = web_page
    open_page(page, platform_url, "elderly", True)
    followed = follow_polls(page)
    page.locator("#live-start").click()
    expect(page.locator("#live-qr")).to_be_visible()
    first_link = str(page.locator("#live-app-link").get_attribute("href"))
    use_elsewhere(page, platform_url, followed)
    step = page.locator("#step-live")
    expect(step).to_have_attribute("data-state", "failed", timeout=15_000)
    expect(page.locator("#live-status")).to_contain_text(BASIC["tc"])
    expect(page.locator("#live-handoff")).to_be_hidden()
    check(page, axe, True)
    page.locator("#live-again").click()
    expect(step).to_have_attribute("data-state", "waiting")
    expect(page.locator("#live-app-link")).not_to_have_attribute("href", first_link)
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]


def test_registration_live_check_refused_at_intake_is_sent_again_without_it(
        web_page: Page, platform_url: str, tmp_path: Path) -> None:
    """Captured, but used elsewhere before the applicant pressed "Submit": the intake refuses
    the session (400 liveness_session_refused) and the page sends the application again
    without it, saying so, instead of stopping the applicant."""
    page = web_page
    open_page(page, platform_url, "en", False)
    followed = follow_polls(page)
    page.locator("#live-start").click()
    captured = app_capture(platform_url, tmp_path / "applicant.json", page)
    assert captured.returncode == 0, captured.stdout + captured.stderr
    expect(page.locator("#step-live")).to_have_attribute("data-state", "captured", timeout=15_000)
    use_elsewhere(page, platform_url, followed)
    bodies = sent_applications(page)
    submit_and_wait(page)
    assert len(bodies) == 2, bodies
    assert bodies[0]["liveness_session"] == followed[0]["session"]
    assert "liveness_session" not in bodies[1] and "liveness_nonce" not in bodies[1]
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]
