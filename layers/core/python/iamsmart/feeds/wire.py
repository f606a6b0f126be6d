"""Response models of ``GET /v1/info/*`` (the wire format; OpenAPI is generated from them).

Times are ISO 8601 in Hong Kong time (``+08:00``); dates are ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import ConfigDict, Field

from iamsmart.common.model import Model


class _Wire(Model):
    model_config = ConfigDict(frozen=True, defer_build=True)


class InfoQuery(Model):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    lang: Literal["en", "tc"] = Field(
        default="en", description="Language: en (English) or tc (Traditional Chinese).")


class SourceStatus(_Wire):
    feed: str = Field(description="Feed id (see the feeds registry).")
    fetched_at: dt.datetime | None = Field(description="When the data shown were fetched.")
    ok: bool = Field(description="The latest refresh of this feed succeeded.")


class _InfoResponse(_Wire):
    lang: Literal["en", "tc"]
    updated_at: dt.datetime | None = Field(description="Latest fetch among the sources.")
    sources: list[SourceStatus]


# --- weather ----------------------------------------------------------------------------------

class PlaceValue(_Wire):
    place: str
    value: float


class UVIndexOut(_Wire):
    value: float
    desc: str | None = None


class RainfallOut(_Wire):
    place: str
    max: float | None = Field(description="Maximum rainfall in the past hour (mm).")


class CurrentWeatherOut(_Wire):
    update_time: dt.datetime
    temperature: PlaceValue | None = Field(
        description="At the Hong Kong Observatory (or the first station reported), °C.")
    humidity: PlaceValue | None = Field(description="Relative humidity, percent.")
    uv_index: UVIndexOut | None = Field(description="Null at night.")
    icons: list[int] = Field(description="HKO weather icon codes.")
    rainfall: list[RainfallOut]
    messages: list[str] = Field(description="Warning messages, tropical cyclone messages and "
                                            "special weather tips, in that order.")


class WarningOut(_Wire):
    code: str = Field(description="Signal code (TC8NE, WRAINA ...): branch on this.")
    family: str
    name: str
    type: str | None
    action: str
    issue_time: dt.datetime | None


class LocalForecastOut(_Wire):
    general_situation: str
    period: str
    description: str
    outlook: str
    tc_info: str
    fire_danger: str
    update_time: dt.datetime


class DayForecastOut(_Wire):
    date: dt.date
    week: str
    wind: str
    weather: str
    max_temp: float | None
    min_temp: float | None
    max_rh: float | None
    min_rh: float | None
    icon: int | None
    psr: str | None = Field(description="Probability of significant rain.")


class WeatherResponse(_InfoResponse):
    current: CurrentWeatherOut | None
    warnings: list[WarningOut] = Field(description="Warnings in force (cancelled ones left out).")
    local_forecast: LocalForecastOut | None
    nine_day: list[DayForecastOut]


# --- traffic ----------------------------------------------------------------------------------

class TrafficItemOut(_Wire):
    id: str
    source: Literal["v1", "v2"] = Field(description="v1: Special Traffic News; v2: incidents.")
    status: str | None
    heading: str | None
    location: str | None
    district: str | None
    direction: str | None
    text: str
    announced_at: dt.datetime


class TrafficResponse(_InfoResponse):
    items: list[TrafficItemOut] = Field(description="Newest first.")


# --- food alerts, announcements ---------------------------------------------------------------

class DetailOut(_Wire):
    label: str
    value: str


class FoodAlertOut(_Wire):
    title: str
    link: str
    published_at: dt.datetime
    details: list[DetailOut]


class FoodAlertsResponse(_InfoResponse):
    items: list[FoodAlertOut] = Field(description="Newest first.")


class AnnouncementOut(_Wire):
    title: str
    link: str
    published_at: dt.datetime
    summary: str | None


class AnnouncementsResponse(_InfoResponse):
    items: list[AnnouncementOut] = Field(description="Newest first.")
