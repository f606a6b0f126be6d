"""Registration from the web page on the local platform (issue 4, "Done when", first bullet).

A person registers a sandbox citizen with the sandbox ID card's chip data and a selfie from
tests/fixtures/faces (the page's upload fallback), watches the progress bar reach the end,
gets the one-time enrolment code, enrols the device simulator with it, and logs in to the
sandbox department service. A card-photo application goes to manual review and a staff
member approves it in the staff console; a different face is refused with the plain answer;
bad photos and a missing consent are stopped in the browser before anything is sent.

Each sandbox person can register once per platform run: A123456(3) (chip), XB000000(0) (card
photo), WX123456(9) (wrong face) are this module's; the accessibility module uses B111111(1).
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from login_helpers import TIMEOUT, DeviceSimulator, department_url, txn_of, wait_for_status
from playwright.sync_api import Browser, Page, Playwright, expect
from registration_helpers import (
    CAMERA_ARGS,
    CHROMIUM,
    FACES,
    fill_common,
    staff_key,
    submit_and_wait,
)
from test_login_scripted import hop, start_login

pytestmark = pytest.mark.e2e

CODE_RE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")
RECORD_PROGRESS = """() => {
  window.__progress = [];
  const bar = document.getElementById('progress-bar');
  new MutationObserver(() => window.__progress.push(
      [Number(bar.getAttribute('aria-valuenow')), Number(bar.getAttribute('aria-valuemax'))]))
    .observe(bar, { attributes: true, attributeFilter: ['aria-valuenow', 'aria-valuemax'] });
}"""


def unique_email(tag: str) -> str:
    return f"e2e-{tag}-{secrets.token_hex(4)}@example.org"


def log_in_at_the_department(platform_url: str, department: str,
                             device: DeviceSimulator) -> str:
    """The department's login link, approval on the device, consent; the page it shows."""
    http = requests.Session()
    txn = txn_of(start_login(http, department, platform_url))
    view = http.get(f"{platform_url}/v1/login/{txn}", timeout=TIMEOUT).json()
    assert "Approved" in device.approve(view["qr"]["payload"], view["number"])
    done = wait_for_status(http, platform_url, txn, "authenticated")
    location = hop(http, platform_url + done["next"])
    if urlsplit(location).path == "/consent.html":
        consent_txn = txn_of(location)
        allowed = http.post(f"{platform_url}/v1/oidc/consent/{consent_txn}",
                            json={"decision": "allow"}, timeout=TIMEOUT)
        assert allowed.status_code == 200, allowed.text
        location = allowed.json()["next"]
    assert location.startswith(f"{department}/callback?"), location
    assert set(parse_qs(urlsplit(location).query)) == {"code", "state", "iss"}
    page = http.get(location, timeout=TIMEOUT)
    assert page.status_code == 200 and page.url == f"{department}/me"
    return page.text


def test_a_citizen_registers_with_a_sandbox_card_and_then_logs_in(
        web_page: Page, platform_url: str, local_platform: dict[str, Any],
        tmp_path: Path) -> None:
    page = web_page
    page.goto(platform_url + "/register.html")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-HK")
    sandbox = page.locator("#evidence-sandbox")
    expect(sandbox).to_be_checked()  # offered (and chosen) on the local platform only
    expect(page.locator("label[for=evidence-sandbox]")).to_contain_text("只限測試環境")
    page.locator("#lang-toggle").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("label[for=evidence-sandbox]")).to_have_text(
        "Use a sandbox ID card (sandbox only)")
    page.select_option("#sandbox-card", "chan-tai-man")
    email = unique_email("chip")
    fill_common(page, FACES / "obama3.jpg", email)
    page.evaluate(RECORD_PROGRESS)

    app_id = submit_and_wait(page)
    expect(page.locator("#reg-progress")).to_have_attribute("data-state", "completed")

    # The bar went forward step by step and reached its end; the live region says so.
    seen = page.evaluate("window.__progress")
    values = [now for now, _ in seen]
    total = seen[-1][1]
    assert total >= 8 and values[-1] == total, seen
    assert values == sorted(values) and len(set(values)) >= 2, seen
    bar = page.locator("#progress-bar")
    expect(bar).to_have_attribute("role", "progressbar")
    expect(bar).to_have_attribute("aria-valuetext", f"{total} of {total} steps done")
    expect(page.locator("#progress-status")).to_have_attribute("aria-live", "polite")
    # The outcome is said once, in the outcome box (focused, so it is read out), not again in
    # the live status line.
    expect(page.locator("#outcome-text")).to_contain_text("registration is complete")
    expect(page.locator("#outcome-text")).to_be_focused()
    # Completed at basic (no live check here): the page says why, in the status answer's words.
    expect(page.locator("#outcome-liveness")).to_contain_text("Your account is at the basic level")
    expect(page.locator("#progress-status")).to_have_text("")

    code = page.locator("#enrol-code").inner_text()
    assert CODE_RE.fullmatch(code), code
    expect(page.locator("#enrol-command")).to_have_text(
        f"python -m tools.device --base-url {platform_url} enrol --code {code}")
    assert urlsplit(page.url).query == f"application={app_id}"

    # Shown once: the same status page opened again no longer shows the code.
    page.reload()
    expect(page.locator("#reg-progress")).to_have_attribute("data-state", "completed")
    expect(page.locator("#enrol-gone")).to_be_visible()
    expect(page.locator("#enrol-box")).to_be_hidden()
    assert code not in page.content()
    assert page.problems.unexpected() == []  # type: ignore[attr-defined]

    # The code enrols the app (the device simulator), and the new account logs in.
    device = DeviceSimulator(platform_url, tmp_path / "device.json")
    assert "nrol" in device.enrol(code)
    me = log_in_at_the_department(platform_url, department_url(local_platform), device)
    assert email in me
    assert "CHAN, Tai Man" in me or "陳大文" in me
    assert re.search(r'data-claim="acr".*?urn:iamsmart:acr:basic', me, re.S)


def test_staff_approve_a_card_photo_application_in_the_console(
        chromium_browser: Browser, web_page: Page, platform_url: str,
        local_platform: dict[str, Any]) -> None:
    page = web_page
    page.goto(platform_url + "/register.html")
    page.locator("#evidence-photo").check()
    expect(page.locator("#evidence-photo-box")).to_be_visible()
    page.set_input_files("#card-photo", str(FACES / "obama2.jpg"))
    expect(page.locator("#card-photo-preview")).to_be_visible()
    page.locator("#p-hkid").fill("XB000000(0)")
    page.locator("#p-name-en").fill("SMITH, John Paul")
    page.locator("#p-dob").fill("1948-02-29")
    page.select_option("#p-sex", "M")
    page.locator("#p-issue").fill("2022-01-10")
    email = unique_email("review")
    fill_common(page, FACES / "obama3.jpg", email)
    app_id = submit_and_wait(page, final=("in_review", "completed", "not_completed"))
    expect(page.locator("#reg-progress")).to_have_attribute("data-state", "in_review")
    expect(page.locator("#progress-status")).to_contain_text("職員正在審核")
    expect(page.locator("[data-step=review]")).to_have_attribute("data-state", "current")

    staff_context = chromium_browser.new_context(locale="en-HK")
    try:
        staff = staff_context.new_page()
        staff.goto(platform_url + "/staff.html")
        expect(staff.locator("html")).to_have_attribute("lang", "en")
        staff.locator("#staff-key").fill("not-a-key")
        staff.locator("#key-use").click()
        expect(staff.locator("#staff-status")).to_have_text(
            "This key is not valid or does not belong to registration staff.")
        expect(staff.locator("#staff-work")).to_be_hidden()

        key = staff_key(local_platform)
        staff.locator("#staff-key").fill(key)
        staff.locator("#key-use").click()
        expect(staff.locator("#staff-work")).to_be_visible()
        assert staff.evaluate("sessionStorage.getItem('staff.apiKey')") == key
        assert staff.evaluate("localStorage.getItem('staff.apiKey')") is None
        expect(staff.locator("#staff-key")).to_have_value("")  # not left in the field

        staff.locator(f"button[data-application='{app_id}']").click()
        expect(staff.locator("#detail-title")).to_have_text(f"Application {app_id}")
        expect(staff.locator("#detail-title")).to_be_focused()
        body = staff.locator("#detail-body")
        expect(body).to_contain_text("XB000000(0)")
        expect(body).to_contain_text("SMITH, John Paul")
        # Plain words, never the workflow's codes (issue 11 item 10).
        expect(body).to_contain_text("HKID card photo (chip not read): check by hand")
        expect(body).to_contain_text("Card photo, to check by hand")
        expect(body).to_contain_text("Online (web)")
        expect(body.locator("div:has(> dt:text-is('Sex')) > dd")).to_have_text("Male")
        expect(body.locator("div:has(> dt:text-is('Channel:')) > dd")).to_have_text(
            "Online (web)")
        shown = staff.locator("#staff-work").inner_text()
        for code in ("card_photo", "needs_manual_review", "chip_verified"):
            assert code not in shown, code
        staff.locator("#lang-toggle").click()
        expect(body).to_contain_text("身份證相片（未能讀取晶片），須人手核對")
        expect(body).to_contain_text("網上（網頁）")
        staff.locator("#lang-toggle").click()
        for name in ("evidence", "selfie", "reference"):
            img = staff.locator(f"figure[data-image={name}] img")
            expect(img).to_be_visible()
            assert (img.get_attribute("src") or "").startswith("data:image/jpeg;base64,")
            assert staff.evaluate(f"document.querySelector('figure[data-image={name}] img')"
                                  ".naturalWidth") > 0

        staff.locator("#decide-approve").click()  # no reason yet
        expect(staff.locator("#decide-error")).to_have_text("Please give a reason.")
        staff.locator("#decide-reason").fill("Card photo and particulars checked by hand.")
        staff.locator("#decide-approve").click()
        expect(staff.locator("#staff-status")).to_have_text(f"Application {app_id} approved.")
        expect(staff.locator(f"button[data-application='{app_id}']")).to_have_count(0)

        # The applicant's page (still polling) shows the outcome and the code.
        expect(page.locator("#reg-progress")).to_have_attribute("data-state", "completed",
                                                                timeout=30_000)
        assert CODE_RE.fullmatch(page.locator("#enrol-code").inner_text())
        expect(page.locator("[data-step=review]")).to_have_attribute("data-state", "done")

        # The notification is in the outbox, without the code.
        entry = staff.locator(f"#outbox-list li[data-application='{app_id}']")
        for _ in range(20):
            staff.locator("#outbox-refresh").click()
            if entry.count():
                break
            staff.wait_for_timeout(500)
        expect(entry).to_contain_text(email)
        expect(entry).to_contain_text("is complete")
        # A link and the short reference, not "open the status page" (issue 11 item 7).
        expect(entry).to_contain_text(f"{platform_url}/register.html?application={app_id}")
        expect(entry).to_contain_text(page.locator("#app-ref").inner_text())
        assert page.locator("#enrol-code").inner_text() not in entry.inner_text()

        staff.locator("#key-forget").click()
        assert staff.evaluate("sessionStorage.getItem('staff.apiKey')") is None
        expect(staff.locator("#staff-work")).to_be_hidden()
    finally:
        staff_context.close()


@pytest.fixture
def camera_page(playwright_session: Playwright, platform_url: str,
                tmp_path: Path) -> Iterator[Page]:
    """A Chromium whose camera films a face from tests/fixtures/faces (Chromium's fake capture
    device playing an MJPEG file), with the camera permission granted for the platform."""
    from PIL import Image

    frame = Image.open(FACES / "obama3.jpg").convert("RGB")
    frame.thumbnail((640, 640))
    width, height = frame.size
    frame = frame.crop((0, 0, width - width % 2, height - height % 2))
    one = io.BytesIO()
    frame.save(one, "JPEG", quality=90)
    video = tmp_path / "face.mjpeg"
    video.write_bytes(one.getvalue() * 3)
    browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM,
        args=[*CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"])
    context = browser.new_context(locale="zh-HK", timezone_id="Asia/Hong_Kong")
    context.grant_permissions(["camera"], origin=platform_url)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()
        browser.close()


def test_a_selfie_from_the_camera_of_a_different_face_is_refused_in_plain_words(
        camera_page: Page, platform_url: str) -> None:
    page = camera_page
    page.goto(platform_url + "/register.html")
    page.select_option("#sandbox-card", "wong-siu-ming")  # record photo: another face
    page.locator("#reg-consent").check()
    expect(page.locator("#camera-start")).to_have_attribute("aria-describedby",
                                                            "camera-permission")
    page.locator("#camera-start").click()
    expect(page.locator("#camera-note")).to_have_text("鏡頭已開啟。準備好後按「拍照」。")
    expect(page.locator("#camera-shoot")).to_be_focused()
    page.wait_for_function("document.getElementById('camera-video').videoWidth > 0")
    page.locator("#camera-shoot").click()
    expect(page.locator("#camera-note")).to_have_text("已拍下相片，鏡頭已關閉。")
    expect(page.locator("#camera-box")).to_be_hidden()
    preview = page.locator("#selfie-preview")
    expect(preview).to_be_visible()
    assert (preview.get_attribute("src") or "").startswith("data:image/jpeg;base64,")
    assert page.evaluate("document.getElementById('selfie-preview').naturalWidth") > 300
    page.locator("#contact-value").fill(unique_email("refused"))
    submit_and_wait(page)

    expect(page.locator("#reg-progress")).to_have_attribute("data-state", "not_completed")
    outcome = page.locator("#outcome-text")
    # The camera's photo was usable (one whole face): not the "retake your selfie" answer,
    # but the one answer for every refusal the applicant cannot fix, said once (issue 11).
    expect(outcome).to_have_text("我們未能在網上完成你的登記。請親臨登記櫃位或與我們聯絡。")
    assert page.locator("#reg-progress").inner_text().count("未能在網上完成") == 1
    expect(page.locator("#progress-status")).to_have_text("")
    expect(page.locator("#enrol-box")).to_be_hidden()
    expect(page.locator("#reg-again")).to_be_visible()
    # The bar counts only the steps done: the ones after the decision were not carried out
    # (never "9 of 9 steps done" for an application that was not completed).
    bar = page.locator("#progress-bar")
    done, total = int(bar.get_attribute("aria-valuenow")), int(bar.get_attribute("aria-valuemax"))
    assert 0 < done < total
    expect(page.locator("#progress-label")).to_have_text(
        f"申請在完成 {done} 個步驟後停止，其餘 {total - done} 個步驟沒有進行")
    expect(page.locator("[data-step=account]")).to_have_attribute("data-state", "skipped")
    # Nothing on the page says why (a duplicate HKID would read exactly the same).
    text = page.locator("#reg-progress").inner_text()
    for word in ("face", "面容不符", "面孔不符", "duplicate", "account already", "已有帳戶"):
        assert word not in text


def test_photos_and_consent_are_checked_before_anything_is_sent(
        web_page: Page, platform_url: str, tmp_path: Path) -> None:
    page = web_page
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(platform_url + "/register.html")
    page.locator("#reg-submit").click()
    summary = page.locator("#reg-errors")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("請表示同意")
    expect(summary).to_contain_text("請選擇一張沙盒身份證")
    expect(summary).to_contain_text("請拍攝或上載一張自拍相片")
    expect(summary).to_contain_text("請輸入電郵地址")
    expect(page.locator("#reg-consent")).to_have_attribute("aria-describedby",
                                                           "reg-consent-error")

    big = tmp_path / "big.jpg"
    big.write_bytes((FACES / "obama3.jpg").read_bytes() + b"\0" * (5 * 1024 * 1024))
    page.set_input_files("#selfie-file", str(big))
    expect(page.locator("#selfie-error")).to_have_text(
        "相片過大：每張相片最大 5 MB。請選擇較小的相片。")
    page.locator("#lang-toggle").click()
    expect(page.locator("#selfie-error")).to_have_text(
        "The photo is too large: each photo may be at most 5 MB. Please choose a smaller one.")
    gif = tmp_path / "face.gif"
    gif.write_bytes(b"GIF89a" + b"\0" * 100)
    page.set_input_files("#selfie-file", str(gif))
    expect(page.locator("#selfie-error")).to_have_text("Only JPEG or PNG photos can be used.")
    expect(page.locator("#selfie-preview")).to_be_hidden()
    assert posts == []


def test_an_unknown_application_says_so(web_page: Page, platform_url: str) -> None:
    web_page.goto(platform_url + "/register.html?application=app_" + "x" * 24)
    expect(web_page.locator("#reg-progress")).to_have_attribute("data-state", "unknown")
    expect(web_page.locator("#progress-status")).to_contain_text("找不到這份申請")
