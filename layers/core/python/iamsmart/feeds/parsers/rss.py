"""RSS 2.0 feeds: CFS Food Alerts / Allergy Alerts and ISD/GIA press releases.

Only ``item/title``, ``item/link`` and ``item/pubDate`` are relied upon; ``description`` is
optional HTML. ``pubDate`` is RFC 822 (CFS in GMT, GIA in +0800) and is converted to Hong Kong
time, so a CFS alert published "16:00 GMT" is dated the next day locally.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from iamsmart.feeds import models as m
from iamsmart.feeds.parsers._common import (
    child_text,
    children,
    html_lines,
    load_xml,
    local_name,
    malformed,
)

SUMMARY_CHARS = 280

# Labels seen (or expected) in CFS descriptions; used only to split descriptions whose pairs
# arrive on one line, separated by nothing but spaces.
_KNOWN_LABELS = (
    "Product name", "Brand", "Place of origin", "Origin", "Net Weight", "Net weight", "Volume",
    "Best-before date", "Best before date", "Use-by date", "Use by date", "Expiry date",
    "Harvest date", "Production date", "Packing date", "Batch Number", "Batch number",
    "Lot Number", "Lot number", "Retailer", "Importer", "Distributor", "Manufacturer",
    "Importer/Distributor", "Retailer/Importer",
    "產品名稱", "牌子", "原產地", "淨重", "容量", "此日期前最佳", "此日期或之前食用", "屆滿日期",
    "收成日期", "生產日期", "包裝日期", "批次編號", "批號", "零售商", "進口商", "分銷商", "製造商",
    "進口商/分銷商",
)
_LABEL_SPLIT = re.compile(
    r"(?<=\S)\s+(?=(?:" + "|".join(re.escape(x) for x in sorted(_KNOWN_LABELS, key=len,
                                                                  reverse=True)) + r")\s*[:：])"
)
_PAIR = re.compile(r"^\s*([^:：]{1,60}?)\s*[:：]\s*(.*)$")
# The trailer of a GIA release: "Ends/Tuesday, July 16, 2030", "Issued at HKT 15:45", "完" ...
_TRAILER = re.compile(r"^(Ends/|Issued at HKT|完$|香港時間\d)")


def _channel_items(raw: bytes, what: str) -> list[Element]:
    root = load_xml(raw, what)
    if local_name(root.tag) != "rss":
        raise malformed(what, "root element is not <rss>")
    channels = children(root, "channel")
    if len(channels) != 1:
        raise malformed(what, "expected exactly one <channel>")
    return children(channels[0], "item")


def parse_pub_date(text: str) -> dt.datetime:
    """RFC 822/2822 date ("Mon, 15 Jul 2030 16:00:00 GMT") -> Hong Kong time."""
    try:
        value = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        raise ValueError("not an RFC 822 date") from None
    if value.tzinfo is None:  # "-0000": UTC with no information about local time
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(m.HKT)


def _link(text: str | None) -> str | None:
    """Only absolute http(s) links are kept (they end up as hrefs in the portal)."""
    if not text:
        return None
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return text.strip()


def _common(item: Element, index: int, what: str) -> tuple[str, str, dt.datetime]:
    title = child_text(item, "title")
    link = _link(child_text(item, "link"))
    when = child_text(item, "pubDate")
    if not title or not link or not when:
        raise malformed(what, f"item {index + 1} lacks a title, an http(s) link or a pubDate")
    try:
        published = parse_pub_date(when)
    except ValueError:
        raise malformed(what, f"item {index + 1} has an unreadable pubDate") from None
    return " ".join(title.split()), link, published


def description_details(description: str | None) -> list[m.Detail]:
    """CFS "Label: value" pairs, separated by <br>, newlines or (failing both) just spaces."""
    if not description:
        return []
    lines: list[str] = []
    for line in html_lines(description):
        lines.extend(part for part in _LABEL_SPLIT.split(line) if part.strip())
    details: list[m.Detail] = []
    for line in lines:
        pair = _PAIR.match(line)
        if pair and pair.group(2).strip():
            details.append(m.Detail(label=pair.group(1).strip(), value=pair.group(2).strip()))
        elif details:  # a continuation of the previous value
            last = details[-1]
            details[-1] = m.Detail(label=last.label, value=f"{last.value} {line.strip()}")
        else:
            details.append(m.Detail(label="", value=line.strip()))
    return details


def parse_food_alerts(raw: bytes, lang: str) -> m.FoodAlerts:
    what = "CFS food alerts"
    items = []
    for index, item in enumerate(_channel_items(raw, what)):
        title, link, published = _common(item, index, what)
        items.append(m.FoodAlert(title=title, link=link, published_at=published,
                                 details=description_details(child_text(item, "description"))))
    return m.FoodAlerts(items=items)


def summarise(description: str | None) -> str | None:
    """The first paragraph of a release, without the "Ends/..." trailer, at most ~280 chars."""
    if not description:
        return None
    body = [line for line in html_lines(description) if not _TRAILER.match(line)]
    if not body:
        return None
    first = body[0]
    if len(first) > SUMMARY_CHARS:
        first = first[:SUMMARY_CHARS].rsplit(" ", 1)[0].rstrip(",;: ") + "…"
    return first


def parse_press_releases(raw: bytes, lang: str) -> m.PressReleases:
    what = "GIA press releases"
    items = []
    for index, item in enumerate(_channel_items(raw, what)):
        title, link, published = _common(item, index, what)
        items.append(m.PressRelease(title=title, link=link, published_at=published,
                                    summary=summarise(child_text(item, "description"))))
    return m.PressReleases(items=items)
