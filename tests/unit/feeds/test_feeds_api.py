"""GET /v1/info/* through chalice.test.Client, reading the feeds table on moto."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from iamsmart.feeds import dal, models, parsers, sources
from infra.local.upstream import FEED_FILES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
HKT = models.HKT
T0 = dt.datetime(2030, 7, 16, 14, 10, tzinfo=HKT)
ENDPOINTS = ["weather", "traffic", "food-alerts", "announcements"]


def store(feed: str, fixture: str | None = None, at: dt.datetime = T0) -> None:
    source = sources.FEEDS[feed]
    raw = (FIXTURES / (fixture or FEED_FILES[source.id])).read_bytes()
    dal.store_document(feed, parsers.parse(source.parser, raw, source.lang),
                       source_url=source.url, fetched_at=at)


def store_all(lang: str, at: dt.datetime = T0) -> None:
    for source in sources.FEEDS.values():
        if source.lang == lang:
            store(source.id, at=at)


def get(client, path: str) -> tuple[int, dict, dict]:
    response = client.http.get(path)
    return response.status_code, json.loads(response.body), response.headers


@pytest.fixture
def client(feeds_table, api_client):
    return api_client


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_nothing_fetched_yet_is_not_ready(client, endpoint):
    status, body, headers = get(client, f"/v1/info/{endpoint}")
    assert status == 503
    assert body["error"] == "not_ready"
    assert body["message"]["en"] and body["message"]["tc"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_bad_lang_is_a_bilingual_400(client, endpoint):
    store_all("en")  # data exist: the 400 is about the request, not the data
    for lang in ("sc", "EN", "", "en,tc", "x" * 500, "%E4%B8%AD"):
        status, body, _ = get(client, f"/v1/info/{endpoint}?lang={lang}")
        assert status == 400, lang
        assert body["error"] == "invalid_request"
        assert "lang" in body["message"]["en"] and "lang" in body["message"]["tc"]
        assert body["message"]["en"] != body["message"]["tc"]


def test_weather_en(client):
    store_all("en")
    status, body, headers = get(client, "/v1/info/weather")
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=60"
    assert body["lang"] == "en"
    assert body["updated_at"] == "2030-07-16T14:10:00+08:00"
    assert [s["feed"] for s in body["sources"]] == [
        "hko-rhrread-en", "hko-flw-en", "hko-fnd-en", "hko-warnsum-en"]
    assert all(s["ok"] and s["fetched_at"] == "2030-07-16T14:10:00+08:00"
               for s in body["sources"])
    current = body["current"]
    assert current["update_time"] == "2030-07-16T14:02:00+08:00"
    assert current["temperature"] == {"place": "Hong Kong Observatory", "value": 33.0}
    assert current["humidity"] == {"place": "Hong Kong Observatory", "value": 58.0}
    assert current["uv_index"] == {"value": 9.0, "desc": "very high"}
    assert current["icons"] == [54]
    assert current["rainfall"][0] == {"place": "Central & Western District", "max": 0.0}
    assert len(current["rainfall"]) == 18
    assert len(current["messages"]) == 3
    assert current["messages"][0].startswith("The Very Hot Weather Warning")
    assert current["messages"][2].startswith("Very hot weather is expected")  # specialWxTips
    assert [w["code"] for w in body["warnings"]] == ["WHOT", "WTS"]
    assert body["warnings"][1] == {"code": "WTS", "family": "WTS",
                                   "name": "Thunderstorm Warning", "type": None,
                                   "action": "EXTEND", "issue_time": "2030-07-16T13:10:00+08:00"}
    forecast = body["local_forecast"]
    assert forecast["period"] == "Weather forecast for this afternoon and tonight"
    assert set(forecast) == {"general_situation", "period", "description", "outlook", "tc_info",
                             "fire_danger", "update_time"}
    assert len(body["nine_day"]) == 9
    assert body["nine_day"][0] == {
        "date": "2030-07-17", "week": "Wednesday", "wind": "South to southwest force 3 to 4.",
        "weather": "Mainly fine and very hot. Isolated showers later.", "max_temp": 34.0,
        "min_temp": 28.0, "max_rh": 90.0, "min_rh": 60.0, "icon": 90, "psr": "Low"}


def test_weather_tc_and_typhoon_warnings_without_cancelled(client):
    store_all("tc")
    store("hko-warnsum-tc", "weather_warnsum_typhoon_tc.json")
    status, body, _ = get(client, "/v1/info/weather?lang=tc")
    assert status == 200 and body["lang"] == "tc"
    assert body["current"]["temperature"] == {"place": "香港天文台", "value": 33.0}
    assert body["current"]["uv_index"]["desc"] == "甚高"
    assert [(w["family"], w["code"], w["type"]) for w in body["warnings"]] == [
        ("WTCSGNL", "TC8NE", "八號東北烈風或暴風信號"), ("WRAIN", "WRAINA", "黃色")]
    assert "CANCEL" not in {w["action"] for w in body["warnings"]}
    assert body["nine_day"][1]["psr"] == "中低"


def test_weather_night_and_partial(client):
    store("hko-rhrread-en", "weather_rhrread_en_night_nowarning.json")
    status, body, _ = get(client, "/v1/info/weather?lang=en")
    assert status == 200
    assert body["current"]["uv_index"] is None
    assert body["current"]["messages"] == []
    assert body["current"]["icons"] == [77]
    assert body["local_forecast"] is None and body["nine_day"] == [] and body["warnings"] == []
    by_feed = {s["feed"]: s for s in body["sources"]}
    assert by_feed["hko-rhrread-en"]["ok"]
    assert by_feed["hko-fnd-en"] == {"feed": "hko-fnd-en", "fetched_at": None, "ok": False}


def test_a_failed_refresh_keeps_serving_data_but_says_so(client):
    store_all("en")
    dal.record_failure("hko-flw-en", error="MalformedFeed", message="x",
                       at=T0 + dt.timedelta(minutes=10))
    later = T0 + dt.timedelta(minutes=20)
    store("hko-fnd-en", at=later)
    status, body, _ = get(client, "/v1/info/weather")
    by_feed = {s["feed"]: s for s in body["sources"]}
    assert by_feed["hko-flw-en"]["ok"] is False
    assert body["local_forecast"] is not None  # last good data still served
    assert body["updated_at"] == "2030-07-16T14:30:00+08:00"


def test_traffic_merges_both_feeds_newest_first(client):
    store_all("en")
    status, body, _ = get(client, "/v1/info/traffic?lang=en")
    assert status == 200
    items = body["items"]
    assert [(i["source"], i["id"]) for i in items] == [
        ("v1", "910245"), ("v2", "151203"), ("v2", "151188"), ("v1", "910241"),
        ("v1", "910238"), ("v2", "151170")]
    assert items[0]["heading"] is None and items[0]["status"] == "1"
    assert items[0]["announced_at"] == "2030-07-16T14:05:10+08:00"
    assert items[1] == {"id": "151203", "source": "v2", "status": "NEW",
                        "heading": "Road Incident", "location": "Tuen Mun Road",
                        "district": "Tsuen Wan", "direction": "Kowloon",
                        "text": items[1]["text"], "announced_at": "2030-07-16T14:05:00+08:00"}
    tc = get(client, "/v1/info/traffic?lang=tc")
    assert tc[0] == 503  # nothing stored in Chinese yet
    store("td-incidents-tc")
    status, body, _ = get(client, "/v1/info/traffic?lang=tc")
    assert [i["status"] for i in body["items"]] == ["最新情況", "更新情況", "完結"]
    assert {s["feed"]: s["ok"] for s in body["sources"]} == {"td-news-tc": False,
                                                             "td-incidents-tc": True}


def test_food_alerts(client):
    store("cfs-alerts-tc")
    status, body, _ = get(client, "/v1/info/food-alerts?lang=tc")
    assert status == 200
    first = body["items"][0]
    assert first["published_at"] == "2030-07-16T00:00:00+08:00"
    assert first["link"] == "https://www.cfs.gov.hk/tc_chi/whatsnew/whatsnew_fa/2030_512.html"
    assert first["details"][0] == {"label": "產品名稱", "value": "Sample Harvest急凍鯖魚柳"}
    assert [i["published_at"][:10] for i in body["items"]] == [
        "2030-07-16", "2030-07-15", "2030-07-12"]


def test_announcements(client):
    store("gia-press-en")
    status, body, _ = get(client, "/v1/info/announcements")
    assert status == 200
    assert [i["published_at"] for i in body["items"]] == [
        "2030-07-16T15:45:00+08:00", "2030-07-16T12:30:00+08:00", "2030-07-16T10:00:00+08:00"]
    assert body["items"][0]["summary"].startswith("As the Very Hot Weather Warning")
    assert body["sources"] == [{"feed": "gia-press-en",
                                "fetched_at": "2030-07-16T14:10:00+08:00", "ok": True}]


def test_throttled_table_is_a_503_not_a_500(client):
    from botocore.stub import Stubber

    model = dal._model()
    model.Meta.max_retry_attempts, saved = 0, model.Meta.max_retry_attempts
    model._connection = None
    try:
        with Stubber(model._get_connection().connection.client) as stub:
            stub.add_client_error("batch_get_item",
                                  service_error_code="ProvisionedThroughputExceededException")
            status, body, headers = get(client, "/v1/info/weather")
    finally:
        model.Meta.max_retry_attempts = saved
        model._connection = None
    assert status == 503 and body["error"] == "temporarily_unavailable"
    assert "Retry-After" in headers


def test_openapi_documents_the_info_routes(client):
    status, body, _ = get(client, "/v1/openapi.json")
    assert status == 200
    for endpoint in ENDPOINTS:
        operation = body["paths"][f"/v1/info/{endpoint}"]["get"]
        assert operation["parameters"][0]["name"] == "lang"
        assert operation["parameters"][0]["schema"]["enum"] == ["en", "tc"]
        assert {"200", "400", "503"} <= set(operation["responses"])
