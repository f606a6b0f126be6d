"""The login page's end states in a real browser (issue 11, items 2 and 3): each says what
happened and offers "Back to the service" (the resume path, or the service's registered
address: never a URL from the page's query), in both languages, elderly mode, 360 px, axe.

- a wrong number picked in the app: the page says it did not match and how many tries are
  left; after three, that the login was cancelled for that reason (never "declined");
- a login left open past its five minutes, whose cookie has gone (the status API then answers
  404 ``login_not_found``): "expired", with the way back to the service;
- Back after a finished login: "this login has already ended", with the way back.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from display_modes import PHONE
from login_helpers import DeviceSimulator, department_url
from playwright.sync_api import Page, expect
from test_login_accessibility import check, set_mode

pytestmark = pytest.mark.e2e

CITIZEN_CODE = "SANDBOX-CHEUNG-CHI-KEUNG"


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.fixture(scope="module")
def device(platform_url: str, tmp_path_factory: pytest.TempPathFactory) -> DeviceSimulator:
    simulator = DeviceSimulator(platform_url, tmp_path_factory.mktemp("ends") / "device.json")
    simulator.enrol(CITIZEN_CODE)
    return simulator


@pytest.fixture
def department(local_platform: dict[str, Any]) -> str:
    return department_url(local_platform)


def open_login(page: Page, department: str) -> tuple[str, int]:
    page.goto(department + "/login")
    expect(page.locator("#login")).to_have_attribute("data-state", "pending")
    number = int(page.locator("#login-number").inner_text())
    return page.locator("#login-app-link").get_attribute("href") or "", number


def wrong_number(device: DeviceSimulator, qr: str, number: int) -> None:
    try:
        device.approve(qr, 10 + (number - 10 + 1) % 90)
    except AssertionError as refused:
        assert "wrong_number" in str(refused) or "Refused" in str(refused)
    else:
        pytest.fail("the device simulator approved with the wrong number")


def test_wrong_numbers_say_so_with_tries_left_then_cancel_without_blaming_the_citizen(
        web_page: Page, department: str, device: DeviceSimulator, axe: Axe) -> None:
    page = web_page
    qr, number = open_login(page, department)
    wrong_number(device, qr, number)
    status = page.locator("#login-status")
    expect(status).to_contain_text("不符")
    expect(status).to_contain_text("還可再試 2 次")
    expect(page.locator("#login")).to_have_attribute("data-state", "pending")
    set_mode(page, "en")
    expect(status).to_contain_text("does not match")
    expect(status).to_contain_text("Tries left: 2")

    wrong_number(device, qr, number)
    expect(status).to_contain_text("Tries left: 1")
    wrong_number(device, qr, number)
    end = page.locator("#login-end-text")
    expect(end).to_contain_text("did not match this page three times")
    expect(end).not_to_contain_text("denied")
    page.locator("#lang-toggle").click()  # back to Chinese
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-HK")
    expect(end).to_contain_text("三次")
    expect(end).not_to_contain_text("拒絕")
    check(page, axe, phone=False)

    # Back to the service: the resume path, so the service hears access_denied.
    back = page.locator("#login-return")
    expect(back).to_be_visible()
    expect(back).to_have_text("返回服務")
    assert urlsplit(back.get_attribute("href") or "").path == "/v1/oidc/authorize/resume"
    back.click()
    expect(page).to_have_url(re.compile(re.escape(department) + r"/callback\?"))
    assert parse_qs(urlsplit(page.url).query)["error"] == ["access_denied"]


def test_a_login_left_open_past_five_minutes_says_expired_and_leads_back(
        web_page: Page, department: str, axe: Axe) -> None:
    page = web_page
    page.clock.install()
    page.set_viewport_size(PHONE)
    open_login(page, department)
    set_mode(page, "elderly")
    # Six minutes later the login cookie has gone too: the status API answers 404.
    page.context.clear_cookies(name="iamsmart_login")
    page.clock.fast_forward("06:00")
    expect(page.locator("#login")).to_have_attribute("data-state", "expired")
    end = page.locator("#login-end-text")
    expect(end).to_contain_text("已失效")
    back = page.locator("#login-return")
    expect(back).to_be_visible()
    # The service's registered landing page (it came from the API, not from the page's URL).
    expect(back).to_have_attribute("href", department + "/")
    check(page, axe, phone=True)
    set_mode(page, "en")
    expect(end).to_contain_text("has expired")
    expect(back).to_have_text("Back to the service")
    back.click()
    expect(page).to_have_url(department + "/")


def test_back_after_a_finished_login_says_it_ended_and_leads_back(
        web_page: Page, department: str, device: DeviceSimulator, platform_url: str,
        axe: Axe) -> None:
    page = web_page
    qr, number = open_login(page, department)
    device.approve(qr, number)
    page.wait_for_url(re.compile(r"/(consent\.html\?txn=|me$)"))
    page.go_back()
    expect(page).to_have_url(re.compile(re.escape(platform_url) + r"/login\.html\?txn="))
    expect(page.locator("#login")).to_have_attribute("data-state", "ended")
    end = page.locator("#login-end-text")
    expect(end).to_contain_text("已經結束")
    expect(page.locator("#login-service")).to_contain_text("運輸署沙盒服務")
    back = page.locator("#login-return")
    expect(back).to_have_attribute("href", department + "/")
    set_mode(page, "elderly-en")
    expect(end).to_contain_text("already ended")
    check(page, axe, phone=False)
