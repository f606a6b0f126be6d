"""The data exchange end to end, in Chromium against the local platform (issue 5, first "Done
when"): a citizen logs in to the sandbox department service's application form, is asked for
consent to fetch their address from Immigration and their licence from Transport, sees the form
fill itself; finds the consent, its verified receipt and the read in their portal; revokes it
in one click; the next fetch is refused, shown as refused at the department and in "Who read my
data". "My data" shows what each sandbox department holds, with provenance.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from login_helpers import DeviceSimulator, department_url
from playwright.sync_api import Page, expect
from test_login_browser import approve_on_login_page

from infra.sandbox.providers import load_records

pytestmark = pytest.mark.e2e

CITIZEN_CODE = "SANDBOX-LEE-SIU-MEI"
CITIZEN = "sandbox-lee-siu-mei"
CONSUMER = "運輸署沙盒服務"


@pytest.fixture(scope="module")
def device(platform_url: str, tmp_path_factory: pytest.TempPathFactory) -> DeviceSimulator:
    simulator = DeviceSimulator(platform_url, tmp_path_factory.mktemp("exchange") / "device.json")
    simulator.enrol(CITIZEN_CODE)
    return simulator


def held(provider: str, dataset: str) -> dict[str, Any]:
    return dict(load_records()[CITIZEN][provider][dataset]["fields"])


def test_consent_fill_receipt_read_revoke_refused(
        web_page: Page, local_platform: dict[str, Any], platform_url: str,
        device: DeviceSimulator) -> None:
    page = web_page
    department = department_url(local_platform)
    particulars, licence = held("IMMD", "particulars"), held("TD", "driving_licence")

    # 1. The department's form offers e-ME form filling; the login asks for the exchange.
    page.goto(department + "/apply")
    page.locator("#fill").click()
    expect(page).to_have_url(re.compile(re.escape(platform_url) + r"/login\.html\?txn="))
    approve_on_login_page(page, device)

    # 2. The consent page says who, what, from which department, why and for how long.
    expect(page).to_have_url(re.compile(r"/consent\.html\?txn="), timeout=15_000)
    expect(page.locator("#consent")).to_have_attribute("data-state", "ready")
    ask = page.locator("#consent-exchange")
    expect(ask).to_be_visible()
    expect(ask.locator('[data-provider="IMMD"] h3')).to_contain_text("入境事務處")
    expect(ask.locator('[data-provider="TD"] h3')).to_contain_text("運輸署")
    expect(ask.locator('[data-path="IMMD.particulars.address"]')).to_be_visible()
    expect(ask.locator('[data-path="TD.driving_licence.licence_number"]')).to_be_visible()
    expect(ask.locator("#consent-exchange-facts")).to_contain_text("30")
    page.locator("#consent-allow").click()

    # 3. Back at the department: the form has filled itself from the delivered (JWE) data.
    expect(page).to_have_url(f"{department}/apply", timeout=15_000)
    expect(page.locator("#f-address")).to_have_value(particulars["address"])
    expect(page.locator("#f-address_tc")).to_have_value(particulars["address_tc"])
    expect(page.locator("#f-licence_number")).to_have_value(licence["licence_number"])
    expect(page.locator("#f-licence_expiry")).to_have_value(licence["expiry_date"])
    expect(page.locator('[data-field="address"] .hint')).to_contain_text("Immigration Department")
    expect(page.locator('[data-field="licence_number"] .hint')).to_contain_text(
        "Transport Department")
    expect(page.locator("#f-registration_mark")).to_have_value("")  # not asked: typed by hand
    receipt_note = page.locator("#consent-ref").inner_text()
    expect(page.locator("#refused")).to_have_count(0)

    # The citizen completes the rest, reviews and submits.
    page.locator("#submit").click()
    expect(page.locator("#problem")).to_contain_text("Please fill in every field")
    page.locator("#f-registration_mark").fill("LS 88")
    page.locator("#submit").click()
    expect(page.locator("#submitted")).to_contain_text("SBX-")
    expect(page.locator('#application tr[data-field="address"] td')).to_have_text(
        particulars["address"])
    expect(page.locator('#application tr[data-field="registration_mark"] td')).to_have_text(
        "LS 88")

    # A standing consent: the next application fetches again, until it is revoked.
    page.locator("#new").click()
    expect(page.locator("#f-licence_number")).to_have_value("")
    page.locator("#refetch").click()
    expect(page.locator("#f-licence_number")).to_have_value(licence["licence_number"])
    expect(page.locator("#refused")).to_have_count(0)

    # 4. In the portal: the consent with its receipt, verified against the published JWKS.
    page.goto(platform_url + "/account.html")
    page.locator("#link-my-consents").click()
    expect(page).to_have_url(platform_url + "/my-consents.html")
    consent = page.locator(".x-consent", has_text=CONSUMER).first
    expect(consent).to_have_attribute("data-status", "active")
    consent_id = consent.get_attribute("data-consent-id") or ""
    receipt = consent.locator(".x-receipt")
    expect(receipt).to_have_attribute("data-verified", "ok", timeout=10_000)
    receipt_id = consent.locator(".x-receipt-id").inner_text()
    assert receipt_id and receipt_id in receipt_note
    consent.locator("summary").click()
    claims = consent.locator(".x-receipt-claims")
    expect(claims).to_contain_text(consent_id)
    expect(claims).to_contain_text("IMMD.particulars.address")
    expect(claims).to_contain_text('"retention_days": 30')

    # 5. Who read my data: the two deliveries to the department, with the receipt id.
    page.goto(platform_url + "/access-log.html")
    reads = page.locator(f'.x-event[data-consent-id="{consent_id}"][data-outcome="delivered"]')
    expect(reads).to_have_count(2)
    expect(reads.first).to_contain_text(CONSUMER)
    expect(reads.first).to_contain_text(receipt_id)
    # in the consent page's words, by department (never an internal path)
    expect(reads.first.locator(".x-delivered")).to_contain_text("運輸署：")
    expect(reads.first.locator(".x-delivered")).to_contain_text("執照號碼")
    expect(reads.first.locator(".x-delivered")).not_to_contain_text("TD.driving_licence")

    # 6. Revoke in one click.
    page.goto(platform_url + "/my-consents.html")
    consent = page.locator(f'.x-consent[data-consent-id="{consent_id}"]')
    consent.locator(".x-revoke").click()
    expect(consent).to_have_attribute("data-status", "revoked")
    expect(page.locator("#x-status")).to_contain_text("已撤回")
    page.reload()
    expect(page.locator(f'.x-consent[data-consent-id="{consent_id}"]')).to_have_attribute(
        "data-status", "revoked")

    # 7. The department was told (back-channel), and its next fetch is refused, shown as such:
    # the revocation also ended the login that carried the consent (401).
    page.goto(department + "/apply")
    expect(page.locator("#notice")).to_contain_text("withdrew your consent")
    expect(page.locator("#f-address")).to_have_value("")  # what was fetched is deleted
    page.locator("#refetch").click()
    expect(page.locator("#refused")).to_have_attribute("data-code", "invalid_token")
    expect(page.locator("#refused")).to_contain_text("not filled in")

    # A later login (single sign-on, no data asked) naming the revoked consent: refused too,
    # and this attempt reaches the consent check.
    page.locator("#login-again").click()
    expect(page).to_have_url(f"{department}/apply", timeout=15_000)
    page.locator("#refetch").click()
    expect(page.locator("#refused")).to_have_attribute("data-code", "consent_revoked")
    expect(page.locator("#refused")).to_contain_text("not filled in")
    expect(page.locator("#f-licence_number")).to_have_value("")

    # 8. ... and the refused attempt is in the citizen's access log (THREATS 19).
    page.goto(platform_url + "/access-log.html")
    refused = page.locator(f'.x-event[data-consent-id="{consent_id}"][data-outcome="refused"]')
    expect(refused.first).to_be_visible()
    expect(refused.first).to_have_attribute("data-reason", "consent_revoked")
    expect(refused.first.locator(".x-reason")).to_be_visible()
    for kind in ("consent", "revoke"):  # giving and withdrawing the consent are logged too
        event = page.locator(f'.x-event[data-consent-id="{consent_id}"][data-kind="{kind}"]')
        expect(event).to_have_attribute("data-outcome", "recorded")
        expect(event.locator(".x-badge")).to_have_text("已記錄")
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]


def test_my_data_shows_every_department_with_provenance(
        web_page: Page, local_platform: dict[str, Any], platform_url: str,
        device: DeviceSimulator) -> None:
    page = web_page
    # A portal login (the account page's own login, approved on the device).
    page.goto(platform_url + "/v1/me/login")
    approve_on_login_page(page, device)
    expect(page).to_have_url(re.compile(re.escape(platform_url) + r"/account\.html"),
                             timeout=15_000)
    page.locator("#link-my-data").click()
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=15_000)
    for provider, name in (("IMMD", "入境事務處"), ("TD", "運輸署"), ("RVD", "差餉物業估價署"),
                           ("EDB", "教育局")):
        section = page.locator(f'.x-provider[data-provider="{provider}"]')
        expect(section).to_have_attribute("data-status", "ok")
        expect(section.locator("h2")).to_have_text(name)
        expect(section.locator(".x-provenance")).to_contain_text(name)
    particulars = held("IMMD", "particulars")
    expect(page.locator('[data-path="IMMD.particulars.address"] dd')).to_have_text(
        particulars["address"])
    vehicles = page.locator('[data-path="TD.vehicles.vehicles"] .x-records > li')
    expect(vehicles).to_have_count(len(held("TD", "vehicles")["vehicles"]))
    expect(vehicles.first).to_contain_text("LS 88")

    # The citizen's own e-ME profile: kept here, then read through the gateway like the rest.
    eme = page.locator('.x-provider[data-provider="EME"]')
    page.locator("#eme-phone").fill("+852 9000 0002")
    page.locator("#eme-email").fill("siu.mei@example.com")
    page.locator("#eme-save").click()
    expect(page.locator("#x-status")).to_contain_text("已儲存")
    expect(eme).to_have_attribute("data-status", "ok")
    expect(eme.locator('[data-path="EME.profile.phone"] dd')).to_have_text("+852 9000 0002")
    expect(eme.locator('[data-path="EME.profile.address"]')).to_have_count(0)  # not kept
    page.locator("#eme-email").fill("not an e-mail")
    page.locator("#eme-save").click()
    expect(page.locator("#x-status")).not_to_contain_text("已儲存")
    page.reload()
    expect(page.locator("#eme-email")).to_have_value("siu.mei@example.com")
    page.locator("#eme-delete").click()
    expect(page.locator("#x-status")).to_contain_text("已刪除")
    expect(eme).to_have_attribute("data-status", "not_held")
    expect(page.locator("#eme-phone")).to_have_value("")

    # The reads are the citizen's own, in the access log.
    page.locator("#main nav a[href='/access-log.html']").click()
    mine = page.locator('.x-event[data-kind="self"]')
    expect(mine.first).to_be_visible()
    expect(mine.first).to_contain_text("你自己")
    # (the refused save answered 400: an expected console line)
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]


def providers_url(local_platform: dict[str, Any]) -> str:
    for line in local_platform["startup"]:
        match = re.match(r"Sandbox data providers: (http://\S+)", line)
        if match:
            return match.group(1)
    raise AssertionError("the local platform did not print the sandbox data providers")


def test_a_slow_department_is_labelled_not_silently_missing(
        web_page: Page, local_platform: dict[str, Any], platform_url: str,
        device: DeviceSimulator) -> None:
    """Transport told to answer after its timeout: "My data" says Transport did not answer in
    time (the other departments still show), and the read is logged as partial."""
    control = providers_url(local_platform) + "/_sandbox/delay"
    page = web_page
    page.goto(platform_url + "/v1/me/login")
    approve_on_login_page(page, device)
    expect(page).to_have_url(re.compile(re.escape(platform_url) + r"/account\.html"),
                             timeout=15_000)
    answer = requests.put(control, json={"provider": "TD", "seconds": 4}, timeout=5)
    assert answer.status_code == 200, answer.text
    try:
        page.goto(platform_url + "/my-data.html")
        expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=20_000)
    finally:
        requests.put(control, json={"provider": "TD", "seconds": 0}, timeout=5)
    transport = page.locator('.x-provider[data-provider="TD"]')
    expect(transport).to_have_attribute("data-status", "timeout")
    expect(transport.locator(".x-missing")).to_contain_text("未有及時回覆")
    expect(page.locator('.x-provider[data-provider="IMMD"]')).to_have_attribute("data-status",
                                                                             "ok")
    page.goto(platform_url + "/access-log.html")
    latest = page.locator('.x-event[data-kind="self"]').first
    expect(latest).to_have_attribute("data-outcome", "partial")
    expect(latest).to_contain_text("運輸署：逾時")  # the department in words
