"""Every documented quirk of the upstream formats (tests/fixtures/feeds/README.md), checked
against the fixtures, plus crafted malformed inputs that must raise MalformedFeed."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as StdET
from pathlib import Path

import pytest

from iamsmart import errors
from iamsmart.feeds import models, parsers, sources
from iamsmart.feeds.parsers import hko, rss, td
from infra.local.upstream import FEED_FILES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
HKT = models.HKT


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HKT)


def jbytes(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def fixture_json(name: str) -> dict:
    return json.loads(fixture_bytes(name))


# --- every registered feed parses its fixture --------------------------------------------------

@pytest.mark.parametrize("feed", sorted(sources.FEEDS))
def test_every_feed_parses_its_fixture(feed):
    source = sources.FEEDS[feed]
    doc = parsers.parse(source.parser, fixture_bytes(FEED_FILES[source.id]), source.lang)
    assert doc.item_count > 0
    # What is stored must read back identically.
    assert models.document_adapter().validate_json(doc.model_dump_json()) == doc


# --- HKO rhrread ----------------------------------------------------------------------------------

def test_rhrread_en_shapes():
    doc = hko.parse_rhrread(fixture_bytes("weather_rhrread_en.json"), "en")
    assert doc.update_time == at(2030, 7, 16, 14, 2)
    assert len(doc.temperatures) == 18
    assert doc.temperatures[1] == models.Reading(place="Hong Kong Observatory", value=33)
    assert doc.humidity == [models.Reading(place="Hong Kong Observatory", value=58)]
    assert doc.uv_index == models.UVIndex(place="King's Park", value=9, desc="very high")
    assert doc.icons == [54]
    assert len(doc.warning_messages) == 2 and doc.warning_messages[0].startswith("The Very Hot")
    assert doc.tc_messages == []  # "" upstream
    assert doc.rainstorm_reminders == []  # absent upstream
    assert len(doc.special_tips) == 1
    assert doc.notes == []  # the free-text fields are all "" here
    assert doc.rainfall_start == at(2030, 7, 16, 12, 45)


def test_rhrread_html_escaped_district_is_unescaped():
    doc = hko.parse_rhrread(fixture_bytes("weather_rhrread_en.json"), "en")
    assert doc.rainfall[0].place == "Central & Western District"
    assert not any("&amp;" in r.place for r in doc.rainfall)


def test_rhrread_rainfall_min_only_when_rain_and_main_is_a_string_boolean():
    doc = hko.parse_rhrread(fixture_bytes("weather_rhrread_en.json"), "en")
    by_place = {r.place: r for r in doc.rainfall}
    assert by_place["Eastern District"].min is None
    assert by_place["Yuen Long"] == models.RainfallReading(place="Yuen Long", max=19, min=4,
                                                           main=False)
    raw = fixture_json("weather_rhrread_en.json")
    raw["rainfall"]["data"][0]["main"] = "TRUE"
    raw["rainfall"]["data"][1]["main"] = ""
    doc = hko.parse_rhrread(jbytes(raw), "en")
    assert doc.rainfall[0].main is True
    assert doc.rainfall[1].main is None


def test_rhrread_night_shapes():
    doc = hko.parse_rhrread(fixture_bytes("weather_rhrread_en_night_nowarning.json"), "en")
    assert doc.uv_index is None  # "uvindex": ""
    assert doc.warning_messages == []  # "warningMessage": ""
    assert doc.special_tips == []  # absent
    assert doc.icons == [77]
    assert any(n.startswith("Rainfall recorded at the Hong Kong Observatory in July")
               for n in doc.notes)
    assert len(doc.notes) == 2


def test_rhrread_tc_raw_cjk_and_string_lightning():
    doc = hko.parse_rhrread(fixture_bytes("weather_rhrread_tc.json"), "tc")
    assert doc.temperatures[1].place == "香港天文台"
    assert doc.uv_index is not None and doc.uv_index.desc == "甚高"
    assert doc.lightning == [models.Lightning(place="新界西", occur=True),
                             models.Lightning(place="港島及九龍", occur=False)]


def test_rhrread_fractional_uv_and_key_order_do_not_matter():
    raw = fixture_json("weather_rhrread_en.json")
    raw["uvindex"]["data"][0]["value"] = 0.4
    reordered = dict(reversed(list(raw.items())))
    doc = hko.parse_rhrread(jbytes(reordered), "en")
    assert doc.uv_index is not None and doc.uv_index.value == pytest.approx(0.4)
    assert doc.update_time == at(2030, 7, 16, 14, 2)


def test_rhrread_missing_blocks_are_tolerated():
    raw = fixture_json("weather_rhrread_en.json")
    for key in ("humidity", "uvindex", "warningMessage", "icon", "specialWxTips", "tcmessage"):
        del raw[key]
    doc = hko.parse_rhrread(jbytes(raw), "en")
    assert doc.humidity == [] and doc.uv_index is None and doc.icons == []
    assert doc.warning_messages == [] and len(doc.temperatures) == 18


def test_rhrread_accepts_a_utf8_bom():
    doc = hko.parse_rhrread(b"\xef\xbb\xbf" + fixture_bytes("weather_rhrread_tc.json"), "tc")
    assert doc.temperatures[0].place == "京士柏"


@pytest.mark.parametrize("mutate", [
    lambda d: d.pop("updateTime"),
    lambda d: d.update(updateTime="yesterday"),
    lambda d: d["temperature"]["data"][0].update(value="hot"),
    lambda d: d["temperature"]["data"][0].pop("place"),
    lambda d: d.update(icon="sunny"),
    lambda d: d.update(warningMessage={"a": 1}),
    lambda d: [d.pop(k) for k in ("temperature", "humidity", "rainfall")],
], ids=["no-updateTime", "bad-time", "bad-value", "no-place", "icon-string", "messages-object",
        "no-data-blocks"])
def test_rhrread_wrong_shapes_are_malformed(mutate):
    raw = fixture_json("weather_rhrread_en.json")
    mutate(raw)
    with pytest.raises(errors.MalformedFeed):
        hko.parse_rhrread(jbytes(raw), "en")


@pytest.mark.parametrize("raw", [
    b"",
    b"   ",
    b"[]",
    b'"text"',
    b"null",
    fixture_bytes("weather_rhrread_en.json")[:500],  # truncated
    '{"updateTime": "2030-07-16T14:02:00+08:00", "x": "天文台"}'.encode("big5"),
    b'{"updateTime": NaN}',
    b"<html><body>502 Bad Gateway</body></html>",
], ids=["empty", "blank", "list", "string", "null", "truncated", "big5", "nan", "html"])
def test_rhrread_bad_documents_are_malformed(raw):
    with pytest.raises(errors.MalformedFeed) as caught:
        hko.parse_rhrread(raw, "en")
    assert caught.value.en and caught.value.tc  # bilingual


def test_malformed_message_never_quotes_the_document():
    raw = fixture_json("weather_rhrread_en.json")
    raw["temperature"]["data"][0]["value"] = "SECRET-VALUE"
    with pytest.raises(errors.MalformedFeed) as caught:
        hko.parse_rhrread(jbytes(raw), "en")
    assert "SECRET-VALUE" not in caught.value.en
    assert "temperature.data.0.value" in caught.value.en


# --- HKO flw / fnd / warnsum ------------------------------------------------------------------

def test_flw_fields():
    doc = hko.parse_flw(fixture_bytes("weather_flw_tc.json"), "tc")
    assert doc.period == "本港地區下午及今晚天氣預測"
    assert doc.tc_info == "" and doc.fire_danger == ""
    assert doc.description.startswith("大致天晴")
    assert doc.update_time == at(2030, 7, 16, 11, 45)


@pytest.mark.parametrize("field", ["generalSituation", "forecastDesc", "updateTime",
                                   "forecastPeriod"])
def test_flw_missing_required_field_is_malformed(field):
    raw = fixture_json("weather_flw_en.json")
    del raw[field]
    with pytest.raises(errors.MalformedFeed):
        hko.parse_flw(jbytes(raw), "en")


def test_fnd_days_dates_capital_f_icon_and_psr():
    en = hko.parse_fnd(fixture_bytes("weather_fnd_en.json"), "en")
    tc = hko.parse_fnd(fixture_bytes("weather_fnd_tc.json"), "tc")
    assert len(en.days) == 9
    assert en.days[0].date == dt.date(2030, 7, 17)
    assert en.days[0].icon == 90  # "ForecastIcon"
    assert (en.days[1].psr, tc.days[1].psr) == ("Medium Low", "中低")
    assert en.days[3].max_temp == 31 and en.days[3].min_rh == 75
    assert tc.days[0].week == "星期三"
    assert en.sea_temp == models.SeaTemperature(place="North Point", value=29,
                                                record_time=at(2030, 7, 16, 7))
    assert [s.depth_m for s in en.soil_temps] == [0.5, 1]


def test_fnd_optional_sea_and_soil():
    raw = fixture_json("weather_fnd_en.json")
    del raw["seaTemp"], raw["soilTemp"]
    doc = hko.parse_fnd(jbytes(raw), "en")
    assert doc.sea_temp is None and doc.soil_temps == []


@pytest.mark.parametrize("mutate", [
    lambda d: d["weatherForecast"][0].update(forecastDate="2030-07-17"),
    lambda d: d.update(weatherForecast=[]),
    lambda d: d.pop("weatherForecast"),
    lambda d: d["weatherForecast"][2].pop("week"),
])
def test_fnd_wrong_shapes_are_malformed(mutate):
    raw = fixture_json("weather_fnd_en.json")
    mutate(raw)
    with pytest.raises(errors.MalformedFeed):
        hko.parse_fnd(jbytes(raw), "en")


def test_warnsum_empty_object_means_no_warning():
    assert hko.parse_warnsum(fixture_bytes("weather_warnsum_empty.json"), "en").warnings == []


def test_warnsum_families_codes_and_optional_times():
    doc = hko.parse_warnsum(fixture_bytes("weather_warnsum_en.json"), "en")
    assert [(w.family, w.code, w.action) for w in doc.warnings] == [
        ("WHOT", "WHOT", "ISSUE"), ("WTS", "WTS", "EXTEND")]
    assert doc.warnings[0].expire_time is None
    assert doc.warnings[1].expire_time == at(2030, 7, 16, 17)
    raw = fixture_json("weather_warnsum_en.json")
    del raw["WHOT"]["updateTime"], raw["WHOT"]["issueTime"]
    assert hko.parse_warnsum(jbytes(raw), "en").warnings[0].update_time is None


def test_warnsum_typhoon_family_differs_from_code_and_cancel_is_not_in_force():
    doc = hko.parse_warnsum(fixture_bytes("weather_warnsum_typhoon_tc.json"), "tc")
    by_family = {w.family: w for w in doc.warnings}
    assert by_family["WTCSGNL"].code == "TC8NE"
    assert by_family["WTCSGNL"].type == "八號東北烈風或暴風信號"
    assert by_family["WRAIN"].code == "WRAINA" and by_family["WRAIN"].type == "黃色"
    assert by_family["WTS"].action == "CANCEL" and not by_family["WTS"].in_force
    assert by_family["WRAIN"].in_force


@pytest.mark.parametrize("raw", [
    b"[]",
    b'{"WHOT": "in force"}',
    b'{"WHOT": {"name": "Very Hot Weather Warning", "actionCode": "ISSUE"}}',
    b'{"WHOT": {"code": "WHOT", "name": "x"',
])
def test_warnsum_wrong_shapes_are_malformed(raw):
    with pytest.raises(errors.MalformedFeed):
        hko.parse_warnsum(raw, "en")


# --- TD v1 ------------------------------------------------------------------------------------

def test_td_v1_default_namespace_defeats_unaware_lookup_but_not_ours():
    raw = fixture_bytes("traffic_news_en.xml")
    assert StdET.fromstring(raw).findall("message") == []  # the documented trap
    assert len(td.parse_news(raw, "en").items) == 3


def test_td_v1_reference_date_with_chinese_am_pm_even_in_english():
    doc = td.parse_news(fixture_bytes("traffic_news_en.xml"), "en")
    assert [i.announced_at for i in doc.items] == [
        at(2030, 7, 16, 14, 5, 10), at(2030, 7, 16, 11, 30), at(2030, 7, 16, 9, 48, 27)]


@pytest.mark.parametrize(("text", "expected"), [
    (" 2030/7/16 下午 02:05:10", at(2030, 7, 16, 14, 5, 10)),
    (" 2030/7/6 上午 12:15:00", at(2030, 7, 6, 0, 15)),
    (" 2030/12/31 下午 12:00:00", at(2030, 12, 31, 12, 0)),
    ("2030/1/2 上午 9:05:01", at(2030, 1, 2, 9, 5, 1)),
    (" 2030/7/16 PM 02:05:10", at(2030, 7, 16, 14, 5, 10)),
])
def test_td_v1_date_format(text, expected):
    assert td.parse_v1_date(text) == expected


@pytest.mark.parametrize("text", ["2030-07-16T14:05:10", " 2030/7/16 下午 13:05:10",
                                  " 2030/13/16 上午 01:00:00", ""])
def test_td_v1_bad_dates(text):
    with pytest.raises(ValueError):
        td.parse_v1_date(text)


def test_td_v1_language_chosen_from_a_bilingual_file_and_lines_tidied():
    en = td.parse_news(fixture_bytes("traffic_news_en.xml"), "en")
    tc = td.parse_news(fixture_bytes("traffic_news_tc.xml"), "tc")
    assert fixture_bytes("traffic_news_en.xml") == fixture_bytes("traffic_news_tc.xml")
    assert en.items[0].text.splitlines() == [
        "Due to traffic accident, the fast lane of Tuen Mun Road (Kowloon bound) near Sham "
        "Tseng is closed to all traffic.",
        "Only remaining lanes are available to motorists.",
        "Traffic is busy now."]
    assert tc.items[0].text.startswith("因交通意外")
    assert [i.status for i in en.items] == ["1", "2", "3"]
    assert en.items[0].id == "910245"


def test_td_v1_entities_are_decoded():
    doc = td.parse_news(fixture_bytes("traffic_news_en.xml"), "en")
    assert '"City Charity Walk"' in doc.items[1].text
    assert "TD's website" in doc.items[1].text
    crafted = _v1_message("Say &#034;hi&#034; &amp; bye")
    assert td.parse_news(crafted, "en").items[0].text == 'Say "hi" & bye'


def _v1_message(eng: str, chin: str = "中文", encoding: str = "utf-8",
                msg_id: str = "<msgID>1</msgID>",
                date: str = " 2030/7/16 上午 11:30:00") -> bytes:
    doc = (f"<?xml version='1.0' encoding='{encoding}'?>"
           "<body xmlns='http://data.one.gov.hk/td'><message>"
           f"{msg_id}<CurrentStatus>2</CurrentStatus>"
           f"<ChinText>{chin}</ChinText><EngText>{eng}</EngText>"
           f"<ReferenceDate>{date}</ReferenceDate></message></body>")
    return doc.encode("big5hkscs" if encoding.lower().startswith("big5") else encoding)


def test_xml_declared_big5_including_hkscs_is_decoded():
    raw = _v1_message("x", chin="嘅士站 冇 嚟", encoding="big5")
    assert b"big5" in raw and "嘅".encode() not in raw
    assert td.parse_news(raw, "tc").items[0].text == "嘅士站 冇 嚟"


def test_xml_utf16_with_bom_is_decoded():
    text = _v1_message("x", chin="天文台").decode("utf-8").replace("utf-8", "utf-16")
    raw = text.encode("utf-16")  # with BOM
    assert td.parse_news(raw, "tc").items[0].text == "天文台"


@pytest.mark.parametrize("raw", [
    fixture_bytes("traffic_news_en.xml")[:700],  # truncated
    fixture_bytes("traffic_news_en.xml").replace(b"</body>", b""),
    # Declared UTF-8 but Big5 bytes: the wrong encoding.
    _v1_message("x", chin="天文台", encoding="big5").replace(b"big5", b"utf-8"),
    # Declared Big5 but UTF-8 bytes.
    _v1_message("x", chin="較早前因水管爆裂").replace(b"utf-8", b"big5"),
    _v1_message("x").replace(b"utf-8", b"x-klingon"),
    _v1_message("x", msg_id=""),  # required msgID missing
    _v1_message("x", date="2030-07-16 11:30"),  # unreadable date
    fixture_bytes("food_alerts_en.xml"),  # wrong document (root <rss>)
    b"",
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
    b'"&lol;&lol;&lol;">]><body><message>&lol2;</message></body>',
], ids=["truncated", "unclosed", "utf8-declared-big5-bytes", "big5-declared-utf8-bytes",
        "unknown-encoding", "no-msgID", "bad-date", "wrong-root", "empty", "entity-bomb"])
def test_td_v1_bad_documents_are_malformed(raw):
    with pytest.raises(errors.MalformedFeed):
        td.parse_news(raw, "en")


# --- TD v2 ------------------------------------------------------------------------------------

def test_td_v2_fields_by_language_local_time_and_empty_elements():
    en = td.parse_incidents(fixture_bytes("traffic_incidents_v2.xml"), "en")
    tc = td.parse_incidents(fixture_bytes("traffic_incidents_v2.xml"), "tc")
    first = en.items[0]
    assert (first.id, first.incident_number, first.heading, first.status) == (
        "151203", "IN-30-04117", "Road Incident", "NEW")
    assert first.announced_at == at(2030, 7, 16, 14, 5)  # no offset upstream: +08:00 added
    assert first.between_landmark is None  # <BETWEEN_LANDMARK_EN/>
    assert first.latitude == pytest.approx(22.36912)
    assert en.items[2].latitude is None and en.items[2].longitude is None  # <LATITUDE/>
    assert en.items[1].district == "Central & Western"
    assert tc.items[0].status == "最新情況" and tc.items[0].heading == "道路事故"
    assert tc.items[2].location == "大埔公路\u3000–\u3000沙田段"  # full-width spaces kept


def test_td_v2_file_with_only_english_elements_still_serves_chinese_readers():
    root = StdET.fromstring(fixture_bytes("traffic_incidents_v2.xml"))
    for message in root.iter("message"):
        for element in list(message):
            if element.tag.endswith("_CN"):
                message.remove(element)
    raw = StdET.tostring(root, encoding="utf-8")
    doc = td.parse_incidents(raw, "tc")
    assert doc.items[0].text.startswith("Due to traffic accident")
    assert doc.items[0].district == "Tsuen Wan"


@pytest.mark.parametrize("raw", [
    fixture_bytes("traffic_incidents_v2.xml")[:900],
    b"<list><message><ANNOUNCEMENT_DATE>2030-07-16T14:05:00</ANNOUNCEMENT_DATE>"
    b"<CONTENT_EN>x</CONTENT_EN></message></list>",  # no ID
    b"<list><message><ID>1</ID><ANNOUNCEMENT_DATE>16/7/2030</ANNOUNCEMENT_DATE>"
    b"<CONTENT_EN>x</CONTENT_EN></message></list>",  # bad date
    b"<list><message><ID>1</ID><ANNOUNCEMENT_DATE>2030-07-16T14:05:00</ANNOUNCEMENT_DATE>"
    b"</message></list>",  # no content at all
    fixture_bytes("traffic_news_en.xml"),  # the other TD feed
])
def test_td_v2_bad_documents_are_malformed(raw):
    with pytest.raises(errors.MalformedFeed):
        td.parse_incidents(raw, "en")


# --- CFS food alerts --------------------------------------------------------------------------

def test_cfs_pubdate_in_gmt_becomes_next_day_in_hong_kong():
    doc = rss.parse_food_alerts(fixture_bytes("food_alerts_en.xml"), "en")
    assert doc.items[0].published_at == at(2030, 7, 16, 0, 0)
    assert doc.items[0].published_at.date() == dt.date(2030, 7, 16)
    assert doc.items[0].published_at.utcoffset() == dt.timedelta(hours=8)


def test_cfs_description_pairs_en_and_tc():
    en = rss.parse_food_alerts(fixture_bytes("food_alerts_en.xml"), "en")
    assert [(d.label, d.value) for d in en.items[0].details] == [
        ("Product name", "Sample Harvest Frozen Mackerel Fillet"),
        ("Brand", "Sample Harvest"),
        ("Place of origin", "Norway"),
        ("Net Weight", "300 grams per pack"),
        ("Best-before date", "December 31, 2031"),
        ("Retailer", "Example Mart (online shop)"),
    ]
    assert en.items[2].details[4] == models.Detail(label="Batch Number", value="TEST-0702")
    tc = rss.parse_food_alerts(fixture_bytes("food_alerts_tc.xml"), "tc")
    assert tc.items[0].details[0] == models.Detail(label="產品名稱",
                                                   value="Sample Harvest急凍鯖魚柳")
    assert tc.items[0].details[5] == models.Detail(label="零售商", value="Example Mart（網店）")
    assert tc.items[0].title == "切勿食用一款檢出組胺的預先包裝急凍鯖魚柳"


@pytest.mark.parametrize("description", [
    "Product name: Demo Cookies<br>Brand: Demo<br/>Place of origin: Malaysia",
    "Product name: Demo Cookies\nBrand: Demo\r\nPlace of origin: Malaysia",
    "Product name: Demo Cookies Brand: Demo Place of origin: Malaysia",
    "<p>Product name: Demo Cookies</p><p>Brand: Demo</p>Place of origin: Malaysia",
], ids=["br", "newlines", "spaces", "paragraphs"])
def test_cfs_description_separators(description):
    assert [(d.label, d.value) for d in rss.description_details(description)] == [
        ("Product name", "Demo Cookies"), ("Brand", "Demo"), ("Place of origin", "Malaysia")]


def test_cfs_description_entities_and_continuations():
    details = rss.description_details("Importer: A &amp; B Ltd<br />(Kowloon)<br />Note")
    assert details == [models.Detail(label="Importer", value="A & B Ltd (Kowloon) Note")]
    assert rss.description_details(None) == []


def _rss(item: str, root: str = "rss") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><{root} version="2.0"><channel>'
            f"<title>t</title>{item}</channel></{root}>").encode()


def test_rss_item_without_description_is_fine():
    raw = _rss("<item><title>T</title><link>https://www.cfs.gov.hk/a.html</link>"
               "<pubDate>Mon, 15 Jul 2030 16:00:00 GMT</pubDate></item>")
    assert rss.parse_food_alerts(raw, "en").items[0].details == []
    assert rss.parse_press_releases(raw, "en").items[0].summary is None


@pytest.mark.parametrize("raw", [
    fixture_bytes("food_alerts_en.xml")[:-40],  # truncated
    _rss("<item><title>T</title><link>https://x.example/a</link></item>"),  # no pubDate
    _rss("<item><title>T</title><link>https://x.example/a</link>"
         "<pubDate>15/07/2030</pubDate></item>"),
    _rss("<item><title>T</title><link>javascript:alert(1)</link>"
         "<pubDate>Mon, 15 Jul 2030 16:00:00 GMT</pubDate></item>"),
    _rss("<item><link>https://x.example/a</link>"
         "<pubDate>Mon, 15 Jul 2030 16:00:00 GMT</pubDate></item>"),  # no title
    _rss("", root="feed"),
    fixture_bytes("weather_flw_en.json"),
], ids=["truncated", "no-pubDate", "bad-pubDate", "script-link", "no-title", "not-rss", "json"])
def test_rss_bad_documents_are_malformed(raw):
    with pytest.raises(errors.MalformedFeed):
        rss.parse_food_alerts(raw, "en")
    with pytest.raises(errors.MalformedFeed):
        rss.parse_press_releases(raw, "en")


# --- GIA press releases -----------------------------------------------------------------------

def test_gia_items_times_and_summary_without_trailer():
    en = rss.parse_press_releases(fixture_bytes("press_releases_en.xml"), "en")
    first = en.items[0]
    assert first.title == "Very Hot Weather Warning: cooling centres open"
    assert first.link == "https://www.info.gov.hk/gia/general/203007/16/P2030071600412.htm"
    assert first.published_at == at(2030, 7, 16, 15, 45)
    assert first.summary is not None and first.summary.startswith("As the Very Hot Weather")
    assert all("Ends/" not in (i.summary or "") for i in en.items)
    tc = rss.parse_press_releases(fixture_bytes("press_releases_tc.xml"), "tc")
    assert tc.items[0].summary == ("由於酷熱天氣警告現正生效，民政事務總署已在全港十八區"
                                   "開放防暑中心，供市民使用。")


def test_gia_summary_is_bounded():
    long_text = "<p>" + " ".join(["word"] * 200) + "</p><p>Ends/Tuesday</p>"
    summary = rss.summarise(long_text)
    assert summary is not None and len(summary) <= rss.SUMMARY_CHARS + 1
    assert summary.endswith("…")
    assert rss.summarise("<p>Ends/Tuesday, July 16, 2030<br />Issued at HKT 15:45</p>") is None


def test_rss_pubdate_variants():
    assert rss.parse_pub_date("Tue, 16 Jul 2030 15:45:00 +0800") == at(2030, 7, 16, 15, 45)
    assert rss.parse_pub_date("Mon, 15 Jul 2030 16:00:00 GMT") == at(2030, 7, 16, 0, 0)
    assert rss.parse_pub_date("Mon, 15 Jul 2030 16:00:00 -0000") == at(2030, 7, 16, 0, 0)
