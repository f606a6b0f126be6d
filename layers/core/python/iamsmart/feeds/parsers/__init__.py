"""One parser per upstream format: ``parse(parser, raw_bytes, lang)`` -> a domain document.

Malformed input (truncated XML, wrong encoding, wrong shape, missing required fields) raises
``iamsmart.errors.MalformedFeed``.
"""

from __future__ import annotations

from collections.abc import Callable

from iamsmart.feeds import models
from iamsmart.feeds.parsers import hko, rss, td

PARSERS: dict[str, Callable[[bytes, str], models.FeedDocument]] = {
    "hko_rhrread": hko.parse_rhrread,
    "hko_flw": hko.parse_flw,
    "hko_fnd": hko.parse_fnd,
    "hko_warnsum": hko.parse_warnsum,
    "td_news": td.parse_news,
    "td_incidents": td.parse_incidents,
    "cfs_alerts": rss.parse_food_alerts,
    "gia_press": rss.parse_press_releases,
}


def parse(parser: str, raw: bytes, lang: str) -> models.FeedDocument:
    return PARSERS[parser](raw, lang)
