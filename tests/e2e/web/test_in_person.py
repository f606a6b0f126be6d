""""Register in person / 親身登記" (issue 11, item 11) in Chromium: sites by district with
address, opening hours, elderly assistance and a map link, mobile teams' upcoming visits,
filters kept in the URL, reached from the home and registration pages; both languages,
elderly mode, 360 px, axe. And the staff console names the site that took an application."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import boto3
import pytest
import requests
from axe_helpers import Axe
from display_modes import each_mode
from playwright.sync_api import Page, expect
from registration_helpers import FACES, aws_endpoint, staff_key
from test_login_accessibility import set_mode
from test_registration_accessibility import check

from infra.names import REGION

pytestmark = pytest.mark.e2e

MODES = [("tc", False), ("en", False), ("elderly", True), ("elderly-en", True), ("tc", True)]


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#site-groups li.site").first).to_be_visible()


def test_the_page_passes_axe_in_every_mode(web_page: Page, platform_url: str,
                                           axe: Axe) -> None:
    page = web_page
    open_page(page, platform_url + "/in-person.html")
    for _, phone in each_mode(page, MODES):
        # A language switch loads the sites again in that language: wait until they are shown.
        expect(page.locator("#site-status")).to_be_hidden()
        expect(page.locator("#site-groups li.site").first).to_be_visible()
        check(page, axe, phone)
    assert page.problems.unexpected() == []  # type: ignore[attr-defined]


def test_sites_by_district_with_hours_assistance_map_and_visits(
        web_page: Page, platform_url: str) -> None:
    page = web_page
    open_page(page, platform_url + "/in-person.html")
    expect(page.locator("h1")).to_have_text("親身登記「智方便」")
    # Districts in the usual order: Central and Western's kiosk first.
    first = page.locator(".site-district").first
    expect(first.locator("h2")).to_have_text("中西區")
    kiosk = page.locator('li[data-site="kiosk-sandbox-01"]')
    expect(kiosk.locator(".site-name")).to_contain_text("沙盒自助登記站 01")
    expect(kiosk.locator(".site-address dd")).to_contain_text("沙盒道")
    expect(kiosk.locator(".site-hours")).to_contain_text("星期一至星期日及公眾假期：08:00至22:00")
    expect(kiosk.locator(".site-assistance dd")).to_contain_text("職員在場協助")
    link = kiosk.locator("a.site-map")
    assert (link.get_attribute("href") or "").startswith("https://www.openstreetmap.org/")
    expect(link).to_have_accessible_name(re.compile("在地圖上查看.*沙盒自助登記站 01"))
    counter = page.locator('li[data-site="counter-sandbox-01"]')
    expect(counter.locator(".site-hours")).to_contain_text("星期一至星期五：09:30至17:00")
    expect(counter.locator(".site-hours")).to_contain_text("星期六：09:30至13:00")
    # A kiosk without assistance says so.
    expect(page.locator('li[data-site="kiosk-sandbox-03"] .site-assistance-none dd')).to_have_text(
        "沒有特別安排")
    # A mobile team lists its upcoming visits, soonest first, with weekday.
    team = page.locator('li[data-site="mobile-sandbox-01"]')
    visits = team.locator(".site-visit")
    expect(visits).to_have_count(4)
    dates = [visits.nth(i).get_attribute("data-date") for i in range(4)]
    assert dates == sorted(dates)
    expect(visits.first).to_contain_text("星期")
    expect(visits.first).to_contain_text("沙盒第1小學")
    expect(visits.first).to_contain_text("10:00至16:00")

    # English: the same sites, names and days in English.
    set_mode(page, "en")
    expect(kiosk.locator(".site-name")).to_contain_text("Sandbox self-registration kiosk 01")
    expect(first.locator("h2")).to_have_text("Central and Western")
    expect(counter.locator(".site-hours")).to_contain_text("Monday to Friday: 09:30 to 17:00")
    expect(team.locator(".site-visit").first).to_contain_text("Sandbox Primary School No. 1")
    assert page.problems.unexpected() == []  # type: ignore[attr-defined]


def test_filters_are_kept_in_the_url_and_say_when_nothing_matches(
        web_page: Page, platform_url: str) -> None:
    page = web_page
    open_page(page, platform_url + "/in-person.html")
    page.locator("#site-district").select_option("southern")
    expect(page).to_have_url(re.compile(r"\?district=southern$"))
    # Only the mobile team that visits Southern, with only that visit.
    expect(page.locator("li.site")).to_have_count(1)
    expect(page.locator('li[data-site="mobile-sandbox-01"] .site-visit')).to_have_count(1)
    expect(page.locator(".site-district h2")).to_have_text("南區")
    page.locator("#site-type").select_option("kiosk")
    expect(page.locator("#site-count")).to_have_text(
        "沒有符合篩選條件的登記地點。請選擇其他地區或類型。")
    expect(page.locator("li.site")).to_have_count(0)

    # A shared link opens with its filters; elderly assistance filters on the page.
    page.goto(platform_url + "/in-person.html?type=kiosk&elderly=1")
    expect(page.locator("#site-type")).to_have_value("kiosk")
    expect(page.locator("#site-elderly")).to_be_checked()
    expect(page.locator("li.site").first).to_be_visible()
    assert page.locator('li[data-site="kiosk-sandbox-03"]').count() == 0
    assert page.locator("li.site").count() == 4  # 6 sandbox kiosks, 4 with assistance
    page.locator("#site-clear").click()
    expect(page.locator("li.site")).to_have_count(13)
    expect(page).to_have_url(re.compile(r"/in-person\.html$"))

    # An unknown district in an old link: every district is shown instead of an error.
    page.goto(platform_url + "/in-person.html?district=atlantis")
    expect(page.locator("li.site")).to_have_count(13)
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]


def test_home_and_registration_pages_link_here(web_page: Page, platform_url: str) -> None:
    page = web_page
    page.goto(platform_url + "/")
    page.locator("#in-person-link").click()
    expect(page).to_have_url(re.compile(r"/in-person\.html$"))
    expect(page.locator("li.site").first).to_be_visible()
    page.goto(platform_url + "/register.html")
    page.locator("#in-person-link").click()
    expect(page).to_have_url(re.compile(r"/in-person\.html$"))
    page.locator("a[href='/register.html']").click()
    expect(page).to_have_url(re.compile(r"/register\.html$"))


def _site_key(local_platform: dict[str, Any], site: str) -> str:
    apigw = boto3.client("apigateway", endpoint_url=aws_endpoint(local_platform),
                         region_name=REGION, aws_access_key_id="local",
                         aws_secret_access_key="local")  # noqa: S106 - moto's dummy credentials
    for item in apigw.get_api_keys(includeValues=True)["items"]:
        if item["name"] == f"site-{site}":
            return str(item["value"])
    raise AssertionError(f"no key for {site}")


def test_the_staff_console_names_the_site_that_took_an_application(
        web_page: Page, platform_url: str, local_platform: dict[str, Any]) -> None:
    b64 = lambda name: base64.b64encode((FACES / name).read_bytes()).decode()  # noqa: E731
    body = {"channel": "counter",
            "evidence": {"kind": "card_photo", "photo": b64("obama2.jpg"), "particulars": {
                "hkid": "XB000000(0)", "name_en": "SMITH, John Paul", "name_zh": None,
                "date_of_birth": "1948-02-29", "sex": "M", "date_of_issue": "2022-01-10"}},
            "selfie": b64("obama3.jpg"), "consent": {"face_processing": True},
            "contact": {"email": "wong@example.org"}, "language": "tc"}
    answer = requests.post(f"{platform_url}/v1/registrations/assisted", json=body, timeout=30,
                           headers={"x-api-key": _site_key(local_platform, "counter-sandbox-02"),
                                    "Idempotency-Key": f"e2e-site-{time.time_ns()}",
                                    "X-Officer-Id": "officer-9"})
    assert answer.status_code == 202, answer.text
    app_id = answer.json()["application_id"]
    deadline = time.monotonic() + 60
    while requests.get(f"{platform_url}/v1/registrations/{app_id}",
                       timeout=10).json()["status"] != "in_review":
        assert time.monotonic() < deadline
        time.sleep(0.5)

    page = web_page
    page.goto(platform_url + "/staff.html")
    page.locator("#staff-key").fill(staff_key(local_platform))
    page.locator("#key-use").click()
    page.locator(f"button[data-application='{app_id}']").click()
    site = page.locator(".staff-site")
    expect(site).to_contain_text("沙盒郵政局櫃位 02")
    expect(site).to_contain_text("counter-sandbox-02")
    set_mode(page, "en")
    expect(site).to_contain_text("Sandbox Post Office counter 02")


def test_every_string_of_the_page_exists_in_both_languages(web_page: Page,
                                                           platform_url: str) -> None:
    web_page.goto(platform_url + "/in-person.html")
    source = requests.get(platform_url + "/assets/js/inperson.js", timeout=10).text
    keys = set(re.findall(r"'(inperson\.[a-z0-9_.]+)'", source))
    keys |= {f"inperson.type.{t}" for t in ("kiosk", "counter", "mobile")}
    keys |= {f"inperson.day.{d}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    missing = web_page.evaluate(
        """async (keys) => {
            const { STRINGS } = await import('/assets/js/i18n.js');
            const used = [...keys];
            for (const node of document.querySelectorAll('[data-i18n], [data-i18n-aria-label]')) {
              used.push(node.dataset.i18n || node.dataset.i18nAriaLabel);
            }
            return used.filter((k) => !STRINGS.tc[k] || !STRINGS.en[k]);
        }""", sorted(keys))
    assert len(keys) > 20 and missing == []
