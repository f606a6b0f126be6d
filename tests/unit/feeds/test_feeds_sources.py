"""The feed registry: fixed ids, real upstream URLs as defaults; the local platform's feed URLs
(infra/local/upstream.py) cover every feed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamsmart import errors
from iamsmart.feeds import parsers, sources
from iamsmart.settings import settings
from infra.local.upstream import FEED_FILES, feed_urls

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"

FEED_IDS = [
    "hko-rhrread-en", "hko-rhrread-tc", "hko-flw-en", "hko-flw-tc", "hko-fnd-en", "hko-fnd-tc",
    "hko-warnsum-en", "hko-warnsum-tc", "td-news-en", "td-news-tc", "td-incidents-en",
    "td-incidents-tc", "cfs-alerts-en", "cfs-alerts-tc", "gia-press-en", "gia-press-tc",
]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch):
    def set_urls(value: dict[str, str] | None) -> None:
        if value is None:
            monkeypatch.delenv("FEED_URLS", raising=False)
        else:
            monkeypatch.setenv("FEED_URLS", json.dumps(value))
        settings.cache_clear()

    yield set_urls
    settings.cache_clear()


def test_feed_ids_are_the_contract():
    assert sorted(sources.FEEDS) == sorted(FEED_IDS)


@pytest.mark.parametrize("feed", FEED_IDS)
def test_each_feed_is_complete(feed):
    source = sources.FEEDS[feed]
    assert source.lang == feed.rsplit("-", 1)[1]
    assert source.url.startswith("https://")
    assert source.parser in parsers.PARSERS
    assert (FIXTURES / FEED_FILES[source.id]).is_file()


def test_real_upstream_urls():
    urls = {f.id: f.url for f in sources.FEEDS.values()}
    assert urls["hko-rhrread-tc"] == ("https://data.weather.gov.hk/weatherAPI/opendata/"
                                      "weather.php?dataType=rhrread&lang=tc")
    assert urls["hko-warnsum-en"].endswith("dataType=warnsum&lang=en")
    assert urls["td-news-tc"] == "https://resource.data.one.gov.hk/td/tc/specialtrafficnews.xml"
    assert urls["td-incidents-en"] == "https://www.td.gov.hk/en/special_news/trafficnews.xml"
    assert urls["cfs-alerts-en"] == ("https://www.cfs.gov.hk/filemanager/foodalert/english/"
                                     "foodalert_datagovhk.xml")
    assert urls["gia-press-tc"] == "https://www.info.gov.hk/gia/rss/general_zh.xml"  # _zh


def test_the_local_platform_points_every_feed_at_its_recorded_document():
    urls = feed_urls("http://127.0.0.1:9999/")
    assert sorted(urls) == sorted(FEED_IDS)
    assert urls["hko-fnd-tc"] == "http://127.0.0.1:9999/weather_fnd_tc.json"
    assert urls["td-incidents-tc"] == "http://127.0.0.1:9999/traffic_incidents_v2.xml"


def test_configured_urls_default_to_the_real_upstreams(env):
    env(None)
    assert sources.configured_urls() == {f.id: f.url for f in sources.FEEDS.values()}
    assert sources.url_for("gia-press-en") == "https://www.info.gov.hk/gia/rss/general_en.xml"


def test_configured_urls_come_from_settings_and_ignore_unknown_ids(env):
    env({"hko-flw-en": "http://127.0.0.1:1/flw.json", "no-such-feed": "http://x/"})
    assert sources.configured_urls() == {"hko-flw-en": "http://127.0.0.1:1/flw.json"}
    assert sources.url_for("hko-flw-en") == "http://127.0.0.1:1/flw.json"
    assert sources.url_for("hko-flw-tc") == sources.FEEDS["hko-flw-tc"].url


def test_unknown_feed_is_not_found():
    with pytest.raises(errors.NotFound):
        sources.get("hko-everything")


@pytest.mark.parametrize(("group", "lang", "expected"), [
    ("weather", "en", {"hko-rhrread-en", "hko-flw-en", "hko-fnd-en", "hko-warnsum-en"}),
    ("traffic", "tc", {"td-news-tc", "td-incidents-tc"}),
    ("food-alerts", "en", {"cfs-alerts-en"}),
    ("announcements", "tc", {"gia-press-tc"}),
])
def test_groups(group, lang, expected):
    assert {f.id for f in sources.feeds_for(group, lang)} == expected
