"""The citizen portal's home page against the local platform (real API, seeded data)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from portal_helpers import open_home, settle

pytestmark = pytest.mark.e2e

IMMD_TC = "入境事務處"


def api(page: Page, base_url: str, path: str, **params: str) -> dict[str, Any]:
    response = page.request.get(base_url + path, params=params)
    assert response.status == 200, f"{path} answered {response.status}: {response.text()[:300]}"
    return response.json()


def shown_service_ids(page: Page) -> list[str]:
    return page.locator("#service-list > li.service").evaluate_all(
        "(nodes) => nodes.map((n) => n.dataset.id)")


def num(value: float | int) -> str:
    """A number as the page (JavaScript) prints it: 33.0 -> "33", 0.4 -> "0.4"."""
    return str(int(value)) if float(value).is_integer() else str(value)


def in_force(warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [w for w in warnings if w.get("action") != "CANCEL"]


# ------------------------------------------------------------------ content


def test_home_shows_weather_feeds_and_all_services(home: Page, platform_url: str) -> None:
    weather = api(home, platform_url, "/v1/info/weather", lang="tc")
    assert weather["current"] is not None, "the local platform should seed the weather feeds"

    section = home.locator("#weather")
    expect(section).to_have_attribute("data-state", "ready")
    temp = weather["current"]["temperature"]["value"]
    expect(section.locator(".weather-now .stat-value").first).to_have_text(f"{num(temp)}°C")
    humidity = weather["current"]["humidity"]
    humidity = humidity["value"] if isinstance(humidity, dict) else humidity
    expect(section.locator(".weather-now .stat-value").nth(1)).to_have_text(f"{num(humidity)}%")
    expect(section.locator(".warning")).to_have_count(len(in_force(weather["warnings"])))
    for warning in in_force(weather["warnings"]):
        expect(section.locator(f'.warning[data-code="{warning["code"]}"]')).to_contain_text(
            warning["name"])
    expect(section.locator(".nine-day > li")).to_have_count(len(weather["nine_day"]))
    if weather["local_forecast"]:
        expect(section.locator(".weather-local")).to_contain_text(
            weather["local_forecast"]["description"])
    # HKO icon codes are shown as words, never as HKO's hot-linked images.
    expect(section.locator("img")).to_have_count(0)
    expect(section.locator(".weather-now .icon-text").first).not_to_be_empty()

    for section_id, path in [("traffic", "/v1/info/traffic"), ("food", "/v1/info/food-alerts"),
                             ("news", "/v1/info/announcements")]:
        data = api(home, platform_url, path, lang="tc")
        assert data["items"], f"the local platform should seed {path}"
        panel = home.locator(f"#{section_id}")
        expect(panel).to_have_attribute("data-state", "ready")
        expect(panel.locator(".item-list > li")).to_have_count(len(data["items"]))
        first = data["items"][0]
        expected = first.get("title") or first.get("text")
        expect(panel.locator(".item-list > li").first).to_contain_text(expected)

    # Every section says when its data was updated.
    for section_id in ("weather", "traffic", "food", "news"):
        expect(home.locator(f"#{section_id} [data-updated] time")).to_have_count(1)

    services = home.locator("#service-list > li.service")
    expect(services).to_have_count(51)
    expect(home.locator("#service-count")).to_have_text("共 51 項服務")
    assert shown_service_ids(home) == [
        s["id"] for s in api(home, platform_url, "/v1/services", lang="tc")["items"]]
    assert home.problems.unexpected() == []  # type: ignore[attr-defined]


def test_services_link_out_and_offer_one_click_login(home: Page, platform_url: str) -> None:
    data = api(home, platform_url, "/v1/services", lang="tc")
    with_login = [s for s in data["items"] if s.get("login_url")]
    for item in data["items"][:10] + with_login[:3]:
        card = home.locator(f'li.service[data-id="{item["id"]}"]')
        expect(card.locator("h3")).to_have_text(item["name"])
        expect(card.locator("a.btn-link")).to_have_attribute("href", item["url"])
        login = card.locator("a.btn-iam")
        if item.get("login_url"):
            expect(login).to_have_attribute("href", item["login_url"])
            expect(login).to_contain_text("以「智方便」登入")
        else:
            expect(login).to_have_count(0)


def test_api_text_is_rendered_as_text_never_as_markup(web_page: Page, platform_url: str) -> None:
    """A hostile title from an upstream feed must show literally, not become markup."""
    hostile = '<img src=x onerror="window.__pwned=1">Alert & <b>bold</b>'

    def poison(route: Any) -> None:
        response = route.fetch()
        data = response.json()
        data["items"] = [{"title": hostile, "link": "javascript:alert(1)",
                          "published_at": data.get("updated_at"), "details": []}]
        route.fulfill(response=response, json=data)

    web_page.route("**/v1/info/food-alerts?*", poison)
    open_home(web_page, platform_url)
    item = web_page.locator("#food .item-list > li").first
    expect(item.locator("h3")).to_have_text(hostile)
    expect(item.locator("img, b")).to_have_count(0)
    expect(item.locator("a")).to_have_count(0)  # javascript: links are not rendered as links
    assert web_page.evaluate("window.__pwned") is None


# ------------------------------------------------------------------ language


def test_language_switch_changes_texts_lang_and_api_calls_and_persists(
        web_page: Page, platform_url: str) -> None:
    page = open_home(web_page, platform_url)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-Hant-HK")
    expect(page.locator("#services-title")).to_have_text("政府網上服務")
    expect(page.locator("#weather-title")).to_have_text("天氣")
    expect(page.locator(".skip-link")).to_have_text("跳至主要內容")
    expect(page.locator("nav.page-nav")).to_have_attribute("aria-label", "本頁內容")
    expect(page.locator("#lang-toggle")).to_have_text("English")

    api_langs: list[str] = []
    page.on("request", lambda r: api_langs.append(r.url) if "/v1/" in r.url else None)
    page.locator("#lang-toggle").click()
    settle(page)

    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("#services-title")).to_have_text("Government online services")
    expect(page.locator("#weather-title")).to_have_text("Weather")
    expect(page.locator(".skip-link")).to_have_text("Skip to main content")
    expect(page.locator("nav.page-nav")).to_have_attribute("aria-label", "On this page")
    expect(page.locator("#lang-toggle")).to_have_text("繁體中文")
    expect(page.locator("#lang-toggle")).to_have_attribute("lang", "zh-Hant-HK")
    expect(page.locator("#service-count")).to_have_text("51 services")
    assert page.title().startswith("One-stop Citizen Portal")
    assert len(api_langs) >= 5 and all("lang=en" in url for url in api_langs), api_langs

    # The content comes from the API in English too.
    services_en = api(page, platform_url, "/v1/services", lang="en")["items"]
    expect(page.locator("#service-list h3").first).to_have_text(services_en[0]["name"])
    weather_en = api(page, platform_url, "/v1/info/weather", lang="en")
    if weather_en["warnings"]:
        expect(page.locator("#weather .warning").first).to_contain_text(
            in_force(weather_en["warnings"])[0]["name"])

    page.reload()
    settle(page)
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("#services-title")).to_have_text("Government online services")

    page.locator("#lang-toggle").click()
    settle(page)
    expect(html).to_have_attribute("lang", "zh-Hant-HK")
    expect(page.locator("#services-title")).to_have_text("政府網上服務")
    expect(page.locator("#service-count")).to_have_text("共 51 項服務")
    page.reload()
    settle(page)
    expect(html).to_have_attribute("lang", "zh-Hant-HK")
    assert page.problems.unexpected() == []  # type: ignore[attr-defined]


def test_every_string_exists_in_both_languages(home: Page) -> None:
    missing = home.evaluate(
        """async () => {
            const { STRINGS } = await import('/assets/js/i18n.js');
            const tc = Object.keys(STRINGS.tc), en = Object.keys(STRINGS.en);
            const used = [...document.querySelectorAll('[data-i18n]')].map((n) => n.dataset.i18n)
              .concat([...document.querySelectorAll('[data-i18n-aria-label]')]
                .map((n) => n.dataset.i18nAriaLabel));
            return {
              onlyTc: tc.filter((k) => !en.includes(k)),
              onlyEn: en.filter((k) => !tc.includes(k)),
              undefinedInPage: used.filter((k) => !(k in STRINGS.tc) || !(k in STRINGS.en)),
              empty: tc.concat(en).filter((k) => !STRINGS.tc[k] || !STRINGS.en[k]),
            };
        }"""
    )
    assert missing == {"onlyTc": [], "onlyEn": [], "undefinedInPage": [], "empty": []}


# ------------------------------------------------------------------ elderly mode


def test_elderly_mode_enlarges_text_simplifies_layout_and_persists(home: Page) -> None:
    def font_px() -> float:
        return float(home.evaluate("getComputedStyle(document.documentElement).fontSize")[:-2])

    def columns(selector: str) -> int:
        return len(home.evaluate(
            f"getComputedStyle(document.querySelector('{selector}')).gridTemplateColumns"
        ).split())

    toggle = home.locator("#elderly-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    base = font_px()
    assert columns("#service-list") > 1
    target = home.locator("#service-list a").first.bounding_box()

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert font_px() >= base * 1.25
    assert columns("#service-list") == 1
    assert columns(".feeds") == 1
    bigger = home.locator("#service-list a").first.bounding_box()
    assert target and bigger and bigger["height"] > target["height"] >= 44

    home.reload()
    settle(home)
    expect(home.locator("html")).to_have_class("elderly")
    expect(home.locator("#elderly-toggle")).to_have_attribute("aria-pressed", "true")
    assert font_px() >= base * 1.25

    home.locator("#elderly-toggle").click()
    assert font_px() == base
    home.reload()
    settle(home)
    assert font_px() == base


# ------------------------------------------------------------------ services


def search(page: Page, text: str) -> None:
    box = page.locator("#service-q")
    with page.expect_response(lambda r: "/v1/services" in r.url and "q=" in r.url
                              and r.request.method == "GET"):
        box.fill("")
        box.press_sequentially(text, delay=40)
    page.wait_for_timeout(400)  # a last debounced request may still be on its way
    settle(page)


def test_search_in_chinese_finds_immigration_department_services(
        home: Page, platform_url: str) -> None:
    requests: list[str] = []
    home.on("request", lambda r: requests.append(r.url) if "/v1/services" in r.url else None)
    search(home, "入境")

    expected = api(home, platform_url, "/v1/services", q="入境", lang="tc")
    immd = [s for s in expected["items"] if s["department"]["name"] == IMMD_TC]
    assert immd, "the seeded catalogue has Immigration Department services"
    assert shown_service_ids(home) == [s["id"] for s in expected["items"]]  # the API's ranking
    expect(home.locator("#service-list > li.service").first).to_contain_text(IMMD_TC)
    expect(home.locator("#service-count")).to_have_text(f"共 {expected['count']} 項服務")
    # Debounced: typing two characters one by one sends at most two searches, not one per key
    # plus the final state, and the last request is for the full text.
    searches = [u for u in requests if "q=" in u]
    assert 1 <= len(searches) <= 2, searches
    assert "q=%E5%85%A5%E5%A2%83" in searches[-1]


def test_search_in_english_finds_the_international_driving_permit(
        web_page: Page, platform_url: str) -> None:
    page = open_home(web_page, platform_url)
    page.locator("#lang-toggle").click()
    settle(page)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "q=" in r.url else None)
    search(page, "driving")
    expect(page.locator("#service-list > li.service").first).to_contain_text(
        "International Driving Permit")
    assert len(requests) < len("driving"), requests  # debounced, not one request per key

    page.locator("#service-q").fill("qxjzv")
    page.locator("#service-q").press("Enter")
    settle(page)
    expect(page.locator("#service-list > li")).to_have_count(0)
    expect(page.locator("#service-status .empty-title")).to_have_text(
        "No online service here matches “qxjzv”.")


def test_filter_by_theme_and_by_audience(home: Page, platform_url: str) -> None:
    vocab = api(home, platform_url, "/v1/services", lang="tc")
    theme = next(t for t in vocab["themes"] if t["id"] == "immigration")
    audience = next(a for a in vocab["audiences"] if a["id"] == "elderly")

    home.locator("#service-theme").select_option(theme["id"])
    settle(home)
    by_theme = api(home, platform_url, "/v1/services", theme=theme["id"], lang="tc")
    assert 0 < by_theme["count"] < 51
    assert shown_service_ids(home) == [s["id"] for s in by_theme["items"]]
    expect(home.locator("#service-theme option:checked")).to_have_text(theme["name"])
    for card in home.locator("#service-list > li.service .tags").all():
        expect(card).to_contain_text(theme["name"])

    home.locator("#service-clear").click()
    settle(home)
    expect(home.locator("#service-list > li.service")).to_have_count(51)

    home.locator("#service-audience").select_option(audience["id"])
    settle(home)
    by_audience = api(home, platform_url, "/v1/services", audience=audience["id"], lang="tc")
    assert 0 < by_audience["count"] < 51
    assert shown_service_ids(home) == [s["id"] for s in by_audience["items"]]
    for card in home.locator("#service-list > li.service .service-for").all():
        expect(card).to_contain_text(audience["name"])

    # Both together; the choice survives a language switch (ids are language-free).
    home.locator("#service-theme").select_option(theme["id"])
    settle(home)
    both = api(home, platform_url, "/v1/services", theme=theme["id"],
               audience=audience["id"], lang="tc")
    assert shown_service_ids(home) == [s["id"] for s in both["items"]]
    home.locator("#lang-toggle").click()
    settle(home)
    expect(home.locator("#service-theme")).to_have_value(theme["id"])
    expect(home.locator("#service-audience")).to_have_value(audience["id"])
    assert shown_service_ids(home) == [s["id"] for s in both["items"]]


# ------------------------------------------------------------------ degrading gracefully


NOT_READY = {
    "error": "not_ready",
    "message": {"en": "This information is not available yet. Please try again shortly.",
                "tc": "資料尚未提供，請稍後再試。"},
}


def test_sections_degrade_when_data_is_not_ready(web_page: Page, platform_url: str) -> None:
    """503 not_ready for one feed and null parts of another: the rest of the page still works."""

    def not_ready(route: Any) -> None:
        route.fulfill(status=503, content_type="application/json",
                      body=json.dumps(NOT_READY, ensure_ascii=False))

    def without_current(route: Any) -> None:
        response = route.fetch()
        data = response.json()
        data["current"] = None
        data["local_forecast"] = None
        route.fulfill(response=response, json=data)

    web_page.route("**/v1/info/traffic?*", not_ready)
    web_page.route("**/v1/info/weather?*", without_current)
    page = open_home(web_page, platform_url)

    traffic = page.locator("#traffic")
    expect(traffic).to_have_attribute("data-state", "not-ready")
    expect(traffic.locator(".notice")).to_contain_text("資料尚未提供，請稍後再試。")
    weather = page.locator("#weather")
    expect(weather.locator(".weather-now .notice")).to_contain_text("資料尚未提供")
    expect(weather.locator(".weather-local .notice")).to_contain_text("資料尚未提供")
    expect(weather.locator(".nine-day > li").first).to_be_visible()
    expect(page.locator("#service-list > li.service")).to_have_count(51)

    page.locator("#lang-toggle").click()
    settle(page)
    expect(traffic.locator(".notice")).to_contain_text("not available yet")
    expect(weather.locator(".weather-now .notice")).to_contain_text("not available yet")

    # Once the data exists, "Try again" shows it without reloading the page.
    page.unroute("**/v1/info/traffic?*")
    traffic.get_by_role("button", name="Try again").click()
    expect(traffic).to_have_attribute("data-state", "ready")
    expect(traffic.locator(".item-list > li").first).to_be_visible()
    assert page.problems.unexpected(allow_http_errors=True) == []  # type: ignore[attr-defined]


def test_api_errors_show_the_api_message_in_the_current_language(
        web_page: Page, platform_url: str) -> None:
    too_long = "a" * 101  # the field stops typing at 100; a script or an old browser may not
    refused = web_page.request.get(platform_url + "/v1/services",
                                   params={"q": too_long, "lang": "tc"})
    assert refused.status == 400
    message = refused.json()["message"]
    page = open_home(web_page, platform_url)
    page.locator("#service-q").evaluate("(input, text) => { input.value = text; }", too_long)
    page.locator("#service-q").press("Enter")
    settle(page)
    expect(page.locator("#service-status")).to_contain_text(message["tc"])
    expect(page.locator("#service-list > li")).to_have_count(0)
    page.locator("#lang-toggle").click()
    settle(page)
    expect(page.locator("#service-status")).to_contain_text(message["en"])
