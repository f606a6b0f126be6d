"""Feeds logic: refresh one feed, record a failed refresh, and the read side of /v1/info/*."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from iamsmart import errors
from iamsmart.feeds import dal, models, sources, wire
from iamsmart.settings import settings

OBSERVATORY = {"Hong Kong Observatory", "香港天文台"}
MAX_ERROR_MESSAGE = 300


def now() -> dt.datetime:
    return dt.datetime.now(models.HKT)


# --- write side (Step Functions tasks) --------------------------------------------------------

def planned_feeds() -> list[str]:
    return sorted(sources.configured_urls())


@dataclass(frozen=True)
class Refreshed:
    feed: str
    items: int
    fetched_at: dt.datetime


def refresh(feed: str) -> Refreshed:
    """Fetch, parse and store one feed. Raises ``UpstreamError``/``FeedTooLarge`` (fetching),
    ``MalformedFeed`` (parsing) or ``Unavailable`` (storing); nothing is stored then."""
    from iamsmart.feeds import fetch, parsers

    source = sources.get(feed)
    url = sources.url_for(feed)
    cfg = settings()
    raw = fetch.get(url, timeout=cfg.feed_timeout_seconds, max_bytes=cfg.feed_max_bytes)
    document = parsers.parse(source.parser, raw, source.lang)
    fetched_at = now()
    dal.store_document(feed, document, source_url=url, fetched_at=fetched_at)
    return Refreshed(feed=feed, items=document.item_count, fetched_at=fetched_at)


def error_message(cause: object) -> str:
    """The short message of a Step Functions error ``Cause`` (Lambda's error JSON, or text);
    the stack trace is never kept."""
    text = cause if isinstance(cause, str) else ""
    try:
        parsed = json.loads(text) if text else None
    except json.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict):
        text = str(parsed.get("errorMessage", ""))
    return " ".join(text.split())[:MAX_ERROR_MESSAGE]


def record_failure(feed: str, error: str, cause: object) -> int:
    sources.get(feed)  # only known feeds get an item
    name = "".join(ch for ch in error if ch.isalnum() or ch in "._-")[:64] or "Unknown"
    return dal.record_failure(feed, error=name, message=error_message(cause), at=now())


# --- read side ----------------------------------------------------------------------------------

def _states(group: str, lang: str) -> tuple[list[sources.FeedSource],
                                              dict[str, models.FeedState]]:
    feeds = sources.feeds_for(group, lang)
    states = dal.get_states(f.id for f in feeds)
    if not any(s.document is not None for s in states.values()):
        raise errors.DataNotReady()
    return feeds, states


def _envelope(lang: str, feeds: list[sources.FeedSource],
              states: dict[str, models.FeedState]) -> dict[str, object]:
    statuses = []
    for feed in feeds:
        state = states.get(feed.id)
        statuses.append(wire.SourceStatus(
            feed=feed.id, fetched_at=state.fetched_at if state else None,
            ok=bool(state and state.ok)))
    fetched = [s.fetched_at for s in statuses if s.fetched_at is not None]
    return {"lang": lang, "updated_at": max(fetched) if fetched else None, "sources": statuses}


def _document(feeds: list[sources.FeedSource], states: dict[str, models.FeedState],
              parser: str) -> models.FeedDocument | None:
    for feed in feeds:
        state = states.get(feed.id)
        if feed.parser == parser and state is not None:
            return state.document
    return None


def _current(doc: models.CurrentWeather) -> wire.CurrentWeatherOut:
    def at_observatory(readings: list[models.Reading]) -> wire.PlaceValue | None:
        if not readings:
            return None
        chosen = next((r for r in readings if r.place in OBSERVATORY), readings[0])
        return wire.PlaceValue(place=chosen.place, value=chosen.value)

    return wire.CurrentWeatherOut(
        update_time=doc.update_time,
        temperature=at_observatory(doc.temperatures),
        humidity=at_observatory(doc.humidity),
        uv_index=wire.UVIndexOut(value=doc.uv_index.value, desc=doc.uv_index.desc)
        if doc.uv_index else None,
        icons=doc.icons,
        rainfall=[wire.RainfallOut(place=r.place, max=r.max) for r in doc.rainfall],
        messages=[*doc.warning_messages, *doc.tc_messages, *doc.special_tips],
    )


def weather(lang: str) -> wire.WeatherResponse:
    feeds, states = _states("weather", lang)
    current = _document(feeds, states, "hko_rhrread")
    summary = _document(feeds, states, "hko_warnsum")
    local = _document(feeds, states, "hko_flw")
    nine = _document(feeds, states, "hko_fnd")
    return wire.WeatherResponse(
        **_envelope(lang, feeds, states),  # type: ignore[arg-type]
        current=_current(current) if isinstance(current, models.CurrentWeather) else None,
        warnings=[
            wire.WarningOut(code=w.code, family=w.family, name=w.name, type=w.type,
                            action=w.action, issue_time=w.issue_time)
            for w in (summary.warnings if isinstance(summary, models.WarningSummary) else [])
            if w.in_force
        ],
        local_forecast=wire.LocalForecastOut(
            general_situation=local.general_situation, period=local.period,
            description=local.description, outlook=local.outlook, tc_info=local.tc_info,
            fire_danger=local.fire_danger, update_time=local.update_time,
        ) if isinstance(local, models.LocalForecast) else None,
        nine_day=[
            wire.DayForecastOut(date=d.date, week=d.week, wind=d.wind, weather=d.weather,
                                max_temp=d.max_temp, min_temp=d.min_temp, max_rh=d.max_rh,
                                min_rh=d.min_rh, icon=d.icon, psr=d.psr)
            for d in (nine.days if isinstance(nine, models.NineDayForecast) else [])
        ],
    )


def traffic(lang: str) -> wire.TrafficResponse:
    feeds, states = _states("traffic", lang)
    items: list[wire.TrafficItemOut] = []
    news = _document(feeds, states, "td_news")
    if isinstance(news, models.TrafficNews):
        items.extend(wire.TrafficItemOut(
            id=n.id, source="v1", status=n.status or None, heading=None, location=None,
            district=None, direction=None, text=n.text, announced_at=n.announced_at)
            for n in news.items)
    incidents = _document(feeds, states, "td_incidents")
    if isinstance(incidents, models.TrafficIncidents):
        items.extend(wire.TrafficItemOut(
            id=i.id, source="v2", status=i.status, heading=i.heading, location=i.location,
            district=i.district, direction=i.direction, text=i.text,
            announced_at=i.announced_at)
            for i in incidents.items)
    items.sort(key=lambda i: (i.announced_at, i.source, i.id), reverse=True)
    return wire.TrafficResponse(**_envelope(lang, feeds, states), items=items)  # type: ignore[arg-type]


def food_alerts(lang: str) -> wire.FoodAlertsResponse:
    feeds, states = _states("food-alerts", lang)
    doc = _document(feeds, states, "cfs_alerts")
    alerts = doc.items if isinstance(doc, models.FoodAlerts) else []
    return wire.FoodAlertsResponse(
        **_envelope(lang, feeds, states),  # type: ignore[arg-type]
        items=[wire.FoodAlertOut(title=a.title, link=a.link, published_at=a.published_at,
                                 details=[wire.DetailOut(label=d.label, value=d.value)
                                          for d in a.details])
               for a in sorted(alerts, key=lambda a: a.published_at, reverse=True)],
    )


def announcements(lang: str) -> wire.AnnouncementsResponse:
    feeds, states = _states("announcements", lang)
    doc = _document(feeds, states, "gia_press")
    releases = doc.items if isinstance(doc, models.PressReleases) else []
    return wire.AnnouncementsResponse(
        **_envelope(lang, feeds, states),  # type: ignore[arg-type]
        items=[wire.AnnouncementOut(title=r.title, link=r.link, published_at=r.published_at,
                                    summary=r.summary)
               for r in sorted(releases, key=lambda r: r.published_at, reverse=True)],
    )
