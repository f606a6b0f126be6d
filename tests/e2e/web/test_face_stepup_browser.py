"""The face step-up on the local platform, in Chromium: the sandbox bank asks for the face level
for an account-opening transaction.

A verified ("plus") sandbox citizen (LEE Siu Mei) keeps a face template through the portal's
Face data page (consent + an upload of obama.jpg), opens an account at the sandbox bank
(device approval on our login page, then the step-up page showing the transaction): another
person's selfie (biden.jpg) is refused and, cancelled, the bank opens nothing; the same
person's selfie (obama2.jpg) passes and the bank shows face ``acr``/``amr``,
``face_assurance`` and the transaction it asked for. After withdrawal on the Face data page
(signed receipt, signature checked in the browser), the template is gone from the accounts
table and the step-up cannot be done. A basic-level citizen cannot reach the face level: the
bank refuses to open the account.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from login_helpers import DeviceSimulator
from playwright.sync_api import Page, Route, expect
from test_login_browser import approve_on_login_page

from infra.names import REGION, ROOT
from infra.sandbox.bank import NAME_TC as BANK_NAME_TC

pytestmark = pytest.mark.e2e

CITIZEN_CODE = "SANDBOX-LEE-SIU-MEI"  # level "plus"
BASIC_CODE = "SANDBOX-CHAN-TAI-MAN"  # level "basic"
FACES = ROOT / "tests" / "fixtures" / "faces"
FACE = "urn:iamsmart:acr:face"
BANK_NAME = re.compile("沙盒銀行|Sandbox Bank")  # in the page's language
LIVENESS_START = re.compile(r"/face/liveness$")  # the step-up page opening a liveness session


def bank_url(local_platform: dict[str, Any]) -> str:
    """The sandbox bank's URL, as the local platform printed it."""
    for line in local_platform["startup"]:
        match = re.match(r"Sandbox bank service: (http://\S+)", line)
        if match:
            return match.group(1)
    raise AssertionError("the local platform did not print the sandbox bank service")


def aws_endpoint(local_platform: dict[str, Any]) -> str:
    for line in local_platform["startup"]:
        match = re.search(r"AWS_ENDPOINT_URL=(http://\S+)", line)
        if match:
            return match.group(1)
    raise AssertionError("the local platform did not print its AWS endpoint")


def stored_template(local_platform: dict[str, Any], account_id: str) -> dict[str, Any] | None:
    """The face template item in the platform's accounts table (moto), read directly."""
    import boto3

    from iamsmart.settings import Settings

    client = boto3.client("dynamodb", endpoint_url=aws_endpoint(local_platform),
                          region_name=REGION, aws_access_key_id="local",
                          aws_secret_access_key="local")  # noqa: S106 - moto's placeholder
    item = client.get_item(TableName=Settings().accounts_table,
                           Key={"id": {"S": f"face#{account_id}"}}, ConsistentRead=True)
    return item.get("Item")


@pytest.fixture(scope="module")
def device(platform_url: str, tmp_path_factory: pytest.TempPathFactory) -> DeviceSimulator:
    simulator = DeviceSimulator(platform_url, tmp_path_factory.mktemp("face") / "device.json")
    simulator.enrol(CITIZEN_CODE)
    return simulator


def portal_login(page: Page, platform_url: str, device: DeviceSimulator) -> None:
    page.goto(platform_url + "/v1/me/login")
    approve_on_login_page(page, device)
    expect(page).to_have_url(re.compile(re.escape(platform_url) + r"/account\.html"),
                             timeout=15_000)


def face_data(page: Page) -> dict[str, Any]:
    """GET /v1/me/face with the browser's session (what the Face data page reads)."""
    return dict(page.evaluate("""async () => {
        const r = await fetch('/v1/me/face', {headers: {Accept: 'application/json'}});
        return {status: r.status, body: await r.json()};
    }"""))


def withdraw_if_enrolled(page: Page) -> None:
    """Start from no template (another test of this session may have left one)."""
    answer = face_data(page)
    if answer["status"] == 200 and answer["body"]["template"]["enrolled"]:
        page.evaluate("""() => fetch('/v1/me/face', {method: 'DELETE', body: '{}',
            headers: {'Content-Type': 'application/json', Accept: 'application/json'}})""")


def enrol_on_face_page(page: Page, platform_url: str, name: str = "obama.jpg") -> None:
    page.goto(platform_url + "/face.html")
    expect(page.locator("#face-kept")).to_have_attribute("data-state", "none")
    page.locator("#face-consent").check()
    page.locator("#face-photo").set_input_files(str(FACES / name))
    expect(page.locator("#face-preview")).to_be_visible()
    page.locator("#face-enrol-btn").click()
    expect(page.locator("#face-kept")).to_have_attribute("data-state", "enrolled",
                                                        timeout=15_000)


def open_account(page: Page, bank: str, device: DeviceSimulator, deposit: str = "500") -> str:
    """At the bank: apply, log in on our login page (device), land on the step-up page.
    Returns the bank's reference for the transaction it asked for."""
    page.goto(bank + "/")
    page.locator("#deposit").fill(deposit)
    page.locator("#open").click()
    expect(page.locator("#login-service")).to_contain_text(BANK_NAME)
    approve_on_login_page(page, device)
    expect(page).to_have_url(re.compile(r"/stepup\.html\?txn="), timeout=15_000)
    expect(page.locator("#stepup-service")).to_contain_text(BANK_NAME)
    reference = page.locator("#txn-details dd").nth(3)
    expect(reference).to_have_text(re.compile(r"^ACC-\d{8}-\d{6}$"))
    return reference.inner_text()


def back_at_the_bank(page: Page, bank: str) -> None:
    """After the step-up: the consent page the first time this citizen meets the bank."""
    expect(page).to_have_url(re.compile(r"/consent\.html\?txn=|/application$"), timeout=20_000)
    if "/consent.html" in page.url:
        expect(page.locator("#consent")).to_have_attribute("data-state", "ready")
        page.locator("#consent-allow").click()
    expect(page).to_have_url(f"{bank}/application", timeout=20_000)


def upload_selfie(page: Page, name: str) -> None:
    expect(page.locator("#upload")).to_be_visible()
    page.locator("#upload").set_input_files(str(Path(FACES / name)))


def test_enrol_step_up_at_the_bank_refuse_another_face_and_withdraw(
        web_page: Page, local_platform: dict[str, Any], platform_url: str,
        device: DeviceSimulator) -> None:
    page = web_page
    bank = bank_url(local_platform)

    # 1. The Face data page (from the account page): consent first, then the photo.
    portal_login(page, platform_url, device)
    withdraw_if_enrolled(page)
    page.locator("#link-face").click()
    expect(page).to_have_url(platform_url + "/face.html")
    expect(page.locator("#face-consent-text")).to_contain_text("面孔模板")
    expect(page.locator("#face-terms")).to_contain_text("撤回")
    page.locator("#face-photo").set_input_files(str(FACES / "obama.jpg"))
    page.locator("#face-enrol-btn").click()
    expect(page.locator("#face-consent-error")).to_be_visible()  # no consent, nothing sent
    assert face_data(page)["body"]["template"]["enrolled"] is False
    enrol_on_face_page(page, platform_url)
    expect(page.locator("#face-status")).to_contain_text("已保存你的面孔模板")
    expect(page.locator('#face-events-list li[data-event="face_enrolled"]').first).to_be_visible()
    assert stored_template(local_platform, "sandbox-lee-siu-mei") is not None

    # 2. The bank asks for the face level; another person's selfie is refused on the step-up
    #    page; the citizen cancels and the bank opens nothing.
    page.goto(bank + "/")
    expect(page.locator("h1")).to_contain_text("Open an account online")
    expect(page.locator("h1")).to_contain_text("網上開戶")
    open_account(page, bank, device)
    expect(page.locator("#txn-details")).to_contain_text("HKD 500.00")
    expect(page.locator("#txn-details")).to_contain_text("開立儲蓄戶口")
    expect(page.locator("#liveness-note")).to_contain_text("未有評估")
    upload_selfie(page, "biden.jpg")
    expect(page.locator("#stepup-alert")).to_contain_text("不符", timeout=20_000)
    expect(page.locator("#stepup-tries")).to_contain_text("再試 2 次")
    expect(page).to_have_url(re.compile(r"/stepup\.html\?txn="))
    page.locator("#stepup-cancel").click()
    expect(page).to_have_url(f"{bank}/application", timeout=15_000)
    expect(page.locator("#decision")).to_have_attribute("data-outcome", "refused")
    expect(page.locator("#no-claims")).to_be_visible()

    # 3. Again, with a selfie of the same person: the account is opened, and the bank shows
    #    the face acr/amr, face_assurance and the transaction confirmed. The photo is chosen
    #    while the page is still opening its liveness session (held here): it waits for the
    #    session instead of being dropped.
    held: list[Route] = []
    page.route(LIVENESS_START, lambda route: held.append(route)
               if route.request.method == "POST" else route.continue_())
    reference = open_account(page, bank, device, deposit="1234.5")
    expect(page.locator("#txn-details")).to_contain_text("HKD 1,234.50")  # grouped
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the step-up page did not open a liveness session"
    upload_selfie(page, "obama2.jpg")
    expect(page.locator("#stepup-status")).to_contain_text("正在核對相片")
    held[0].continue_()
    page.unroute(LIVENESS_START)
    back_at_the_bank(page, bank)
    expect(page.locator("#decision")).to_have_attribute("data-outcome", "opened")
    expect(page.locator("#decision")).to_contain_text("LEE Siu Mei")
    expect(page.locator('tr[data-claim="acr"] td')).to_have_text(FACE)
    expect(page.locator('tr[data-claim="amr"] td')).to_contain_text("face")
    expect(page.locator('tr[data-assurance="match"] td')).to_contain_text("passed")
    expect(page.locator('tr[data-assurance="liveness"] td')).to_contain_text("not evaluated")
    expect(page.locator("#liveness-note")).to_be_visible()
    expect(page.locator('#confirmed tr[data-confirmed="reference"] td')).to_have_text(reference)
    expect(page.locator('#confirmed tr[data-confirmed="amount"] td')).to_have_text("HKD 1234.50")
    expect(page.locator('#asked tr[data-txn="reference"] td')).to_have_text(reference)

    # 4. Withdraw on the Face data page: a signed receipt, checked here; the template is gone
    #    from the accounts table.
    page.goto(platform_url + "/face.html")
    for event in ("face_stepup_passed", "face_stepup_refused"):
        expect(page.locator(f'#face-events-list li[data-event="{event}"]').first).to_be_visible()
    page.locator("#face-withdraw-btn").click()
    expect(page.locator("#face-withdraw-yes")).to_be_focused()
    page.locator("#face-withdraw-yes").click()
    expect(page.locator("#face-receipt")).to_be_visible(timeout=15_000)
    expect(page.locator("#face-receipt-check")).to_have_attribute("data-verified", "ok")
    expect(page.locator("#face-receipt-facts")).to_contain_text("帳戶資料庫")
    expect(page.locator("#face-kept")).to_have_attribute("data-state", "none")
    assert face_data(page)["body"]["template"] == {"enrolled": False}
    assert stored_template(local_platform, "sandbox-lee-siu-mei") is None
    # The same events in the citizen's one access log, in plain words (Chinese first).
    page.goto(platform_url + "/access-log.html")
    face = page.locator('.x-event[data-kind="face"]')
    expect(face.first).to_be_visible(timeout=15_000)
    expect(face.first).to_have_attribute("data-outcome", "face_withdrawn")
    expect(face.first).to_contain_text("已刪除面孔模板")
    passed = page.locator('.x-event[data-kind="face"][data-outcome="face_stepup_passed"]')
    expect(passed.first).to_contain_text(f"為「{BANK_NAME_TC}」進行的面孔核對已通過")
    expect(page.locator('.x-event[data-outcome="face_stepup_refused"]').first
           ).to_contain_text(f"為「{BANK_NAME_TC}」進行的面孔核對未能通過")
    expect(page.locator('.x-event[data-outcome="face_enrolled"]').first
           ).to_contain_text("已登記面孔模板")

    # 5. Step-up is now impossible: the step-up page says so; cancelled, nothing opened.
    open_account(page, bank, device)
    expect(page.locator("#stepup-status")).to_contain_text("未有登記面孔模板")
    expect(page.locator("#stepup-capture")).to_be_hidden()
    page.locator("#stepup-cancel").click()
    expect(page).to_have_url(f"{bank}/application", timeout=15_000)
    expect(page.locator("#decision")).to_have_attribute("data-outcome", "refused")
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]


def test_a_basic_account_cannot_reach_the_face_level_and_the_bank_refuses(
        web_page: Page, local_platform: dict[str, Any], platform_url: str,
        tmp_path: Path) -> None:
    page = web_page
    bank = bank_url(local_platform)
    basic = DeviceSimulator(platform_url, tmp_path / "basic.json")
    basic.enrol(BASIC_CODE)
    page.goto(bank + "/")
    page.locator("#open").click()
    approve_on_login_page(page, basic)
    back_at_the_bank(page, bank)  # no step-up page for an account below "plus"
    expect(page.locator("#decision")).to_have_attribute("data-outcome", "refused")
    expect(page.locator('tr[data-claim="acr"] td')).to_have_text("urn:iamsmart:acr:basic")
    expect(page.locator("#reasons")).to_contain_text("did not confirm your face")
    expect(page.locator("#reasons")).to_contain_text("not the one we asked for")
    expect(page.locator("#confirmed")).to_have_count(0)
