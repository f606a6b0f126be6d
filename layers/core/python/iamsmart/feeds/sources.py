"""The feed registry: every public feed the platform ingests.

Feed ids are a contract (the refresh workflow, the table's keys and the API use them).
Upstream URLs are configuration: ``Settings.feed_urls`` (env ``FEED_URLS``, a JSON object) wins,
and the real upstream URLs below are the default (the local platform configures its own
stand-in upstream there: infra/local/upstream.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from iamsmart import errors
from iamsmart.settings import settings

Parser = Literal["hko_rhrread", "hko_flw", "hko_fnd", "hko_warnsum", "td_news", "td_incidents",
                 "cfs_alerts", "gia_press"]

_HKO = "https://data.weather.gov.hk/weatherAPI/opendata/weather.php?dataType={kind}&lang={lang}"


@dataclass(frozen=True)
class FeedSource:
    id: str
    url: str  # the real upstream URL
    lang: Literal["en", "tc"]
    parser: Parser


def _hko(kind: str, lang: Literal["en", "tc"]) -> FeedSource:
    return FeedSource(f"hko-{kind}-{lang}", _HKO.format(kind=kind, lang=lang), lang,
                      f"hko_{kind}")  # type: ignore[arg-type]


FEEDS: dict[str, FeedSource] = {
    f.id: f
    for f in (
        _hko("rhrread", "en"),
        _hko("rhrread", "tc"),
        _hko("flw", "en"),
        _hko("flw", "tc"),
        _hko("fnd", "en"),
        _hko("fnd", "tc"),
        _hko("warnsum", "en"),
        _hko("warnsum", "tc"),
        # TD Special Traffic News, old feed: each language file carries both languages.
        FeedSource("td-news-en", "https://resource.data.one.gov.hk/td/en/specialtrafficnews.xml",
                   "en", "td_news"),
        FeedSource("td-news-tc", "https://resource.data.one.gov.hk/td/tc/specialtrafficnews.xml",
                   "tc", "td_news"),
        # TD second-generation incident feed (one bilingual document for both languages).
        FeedSource("td-incidents-en", "https://www.td.gov.hk/en/special_news/trafficnews.xml",
                   "en", "td_incidents"),
        FeedSource("td-incidents-tc", "https://www.td.gov.hk/tc/special_news/trafficnews.xml",
                   "tc", "td_incidents"),
        # CFS Food Alerts / Allergy Alerts (the tc path is unverified upstream).
        FeedSource("cfs-alerts-en",
                   "https://www.cfs.gov.hk/filemanager/foodalert/english/foodalert_datagovhk.xml",
                   "en", "cfs_alerts"),
        FeedSource("cfs-alerts-tc",
                   "https://www.cfs.gov.hk/filemanager/foodalert/tc_chi/foodalert_datagovhk.xml",
                   "tc", "cfs_alerts"),
        # ISD/GIA press releases (Chinese is "_zh", not "_tc").
        FeedSource("gia-press-en", "https://www.info.gov.hk/gia/rss/general_en.xml",
                   "en", "gia_press"),
        FeedSource("gia-press-tc", "https://www.info.gov.hk/gia/rss/general_zh.xml",
                   "tc", "gia_press"),
    )
}


def get(feed_id: str) -> FeedSource:
    try:
        return FEEDS[feed_id]
    except KeyError:
        raise errors.NotFound(en=f"Unknown feed: {feed_id[:64]}.",
                              tc=f"沒有此資料來源：{feed_id[:64]}。") from None


def configured_urls() -> dict[str, str]:
    """Feed id -> URL to fetch: ``Settings.feed_urls`` if set, else the real upstream URLs.

    Ids in ``FEED_URLS`` that the registry does not know are ignored (no parser exists for them).
    """
    configured = settings().feed_urls
    if not configured:
        return {f.id: f.url for f in FEEDS.values()}
    return {fid: url for fid, url in configured.items() if fid in FEEDS}


def url_for(feed_id: str) -> str:
    source = get(feed_id)
    return settings().feed_urls.get(feed_id, source.url)


def feeds_for(group: str, lang: str) -> list[FeedSource]:
    """The feeds behind one ``/v1/info/<group>`` endpoint, in one language."""
    prefixes = GROUPS[group]
    return [f for f in FEEDS.values() if f.lang == lang and f.parser in prefixes]


# The API's endpoints and the parsers whose documents they combine.
GROUPS: dict[str, tuple[Parser, ...]] = {
    "weather": ("hko_rhrread", "hko_warnsum", "hko_flw", "hko_fnd"),
    "traffic": ("td_news", "td_incidents"),
    "food-alerts": ("cfs_alerts",),
    "announcements": ("gia_press",),
}
