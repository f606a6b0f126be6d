"""Transport Department Special Traffic News: the old namespaced feed ("v1") and the
second-generation incident feed ("v2")."""

from __future__ import annotations

import datetime as dt
import re
from xml.etree.ElementTree import Element

from iamsmart.feeds import models as m
from iamsmart.feeds.parsers._common import (
    child_text,
    children,
    load_xml,
    local_name,
    malformed,
    tidy_lines,
)

V1_NAMESPACE = "http://data.one.gov.hk/td"

# " 2030/7/16 下午 02:05:10": leading space, no zero padding, 12-hour clock with the Chinese
# AM/PM marker (even in the English file).
_V1_DATE = re.compile(
    r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})\s+(上午|下午|AM|PM)\s*(\d{1,2}):(\d{2}):(\d{2})\s*$",
    re.IGNORECASE,
)


def parse_v1_date(text: str) -> dt.datetime:
    match = _V1_DATE.match(text)
    if not match:
        raise ValueError("not a TD v1 ReferenceDate")
    year, month, day, marker, hour, minute, second = match.groups()
    h = int(hour)
    if not 1 <= h <= 12:
        raise ValueError("hour out of range for a 12-hour clock")
    afternoon = marker.upper() in ("下午", "PM")
    h = h % 12 + (12 if afternoon else 0)
    return dt.datetime(int(year), int(month), int(day), h, int(minute), int(second),
                       tzinfo=m.HKT)


def parse_news(raw: bytes, lang: str) -> m.TrafficNews:
    """Old feed: ``<body xmlns="http://data.one.gov.hk/td"><message>...``, both languages."""
    what = "TD special traffic news (v1)"
    root = load_xml(raw, what)
    if local_name(root.tag) != "body":
        raise malformed(what, "root element is not <body>")
    text_field, short_field = ("EngText", "EngShort") if lang == "en" else ("ChinText",
                                                                            "ChinShort")
    items = []
    for index, message in enumerate(children(root, "message")):
        msg_id = child_text(message, "msgID")
        when = child_text(message, "ReferenceDate")
        text = child_text(message, text_field) or child_text(message, short_field)
        if not msg_id or not when or not text:
            raise malformed(what, f"message {index + 1} lacks msgID, ReferenceDate or text")
        try:
            announced = parse_v1_date(when)
        except ValueError:
            raise malformed(what, f"message {index + 1} has an unreadable ReferenceDate") \
                from None
        items.append(m.TrafficNewsItem(id=msg_id, status=child_text(message, "CurrentStatus")
                                       or "", text=tidy_lines(text), announced_at=announced))
    return m.TrafficNews(items=items)


def _pick(message: Element, field: str, lang: str) -> str | None:
    """``FIELD_EN``/``FIELD_CN`` in the wanted language, else the other one (some captures of
    each language file carry only its own language)."""
    first, second = ("EN", "CN") if lang == "en" else ("CN", "EN")
    return child_text(message, f"{field}_{first}") or child_text(message, f"{field}_{second}")


def _coordinate(text: str | None, low: float, high: float) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if low <= value <= high else None


def parse_incidents(raw: bytes, lang: str) -> m.TrafficIncidents:
    """Second-generation feed: ``<list><message>`` with ``_EN``/``_CN`` elements, no namespace.
    Every element is optional upstream except what makes a message usable: an id, a time and
    some text."""
    what = "TD traffic incidents (v2)"
    root = load_xml(raw, what)
    if local_name(root.tag) != "list":
        raise malformed(what, "root element is not <list>")
    items = []
    for index, message in enumerate(children(root, "message")):
        msg_id = child_text(message, "ID") or child_text(message, "INCIDENT_NUMBER")
        when = child_text(message, "ANNOUNCEMENT_DATE")
        text = _pick(message, "CONTENT", lang)
        if not msg_id or not when or not text:
            raise malformed(what, f"message {index + 1} lacks ID, ANNOUNCEMENT_DATE or content")
        try:
            announced = dt.datetime.fromisoformat(when)
        except ValueError:
            raise malformed(what, f"message {index + 1} has an unreadable ANNOUNCEMENT_DATE") \
                from None
        items.append(m.TrafficIncident(
            id=msg_id,
            incident_number=child_text(message, "INCIDENT_NUMBER"),
            heading=_pick(message, "INCIDENT_HEADING", lang),
            detail=_pick(message, "INCIDENT_DETAIL", lang),
            location=_pick(message, "LOCATION", lang),
            district=_pick(message, "DISTRICT", lang),
            direction=_pick(message, "DIRECTION", lang),
            status=_pick(message, "INCIDENT_STATUS", lang),
            near_landmark=_pick(message, "NEAR_LANDMARK", lang),
            between_landmark=_pick(message, "BETWEEN_LANDMARK", lang),
            text=tidy_lines(text),
            announced_at=announced,  # local time without offset: HKTime adds +08:00
            latitude=_coordinate(child_text(message, "LATITUDE"), -90, 90),
            longitude=_coordinate(child_text(message, "LONGITUDE"), -180, 180),
        ))
    return m.TrafficIncidents(items=items)
