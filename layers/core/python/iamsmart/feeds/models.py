"""Domain models of parsed feed documents (what ``parsers`` produce and ``dal`` stores as JSON).

One model per upstream document kind, tagged by ``kind`` so that a stored payload can be read
back without knowing its feed. Times are timezone-aware and expressed in Hong Kong time.
These are not the API's response models (see ``wire``) nor the stored item (see ``dal``).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, TypeAdapter

from iamsmart.common.model import Model

HKT = dt.timezone(dt.timedelta(hours=8), "HKT")

Lang = Literal["en", "tc"]


def to_hkt(value: dt.datetime) -> dt.datetime:
    """Hong Kong time (UTC+08:00, no daylight saving). Naive times are taken as local."""
    if value.tzinfo is None:
        return value.replace(tzinfo=HKT)
    return value.astimezone(HKT)


HKTime = Annotated[dt.datetime, AfterValidator(to_hkt)]


class _Model(Model):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


# --- HKO --------------------------------------------------------------------------------------

class Reading(_Model):
    place: str
    value: float


class UVIndex(_Model):
    place: str | None = None
    value: float
    desc: str | None = None


class RainfallReading(_Model):
    place: str
    max: float | None = None
    min: float | None = None
    main: bool | None = None  # "TRUE"/"FALSE" upstream; "" means unknown


class Lightning(_Model):
    place: str
    occur: bool


class CurrentWeather(_Model):
    kind: Literal["current_weather"] = "current_weather"
    update_time: HKTime
    temperature_time: HKTime | None = None
    temperatures: list[Reading] = []
    humidity_time: HKTime | None = None
    humidity: list[Reading] = []
    uv_index: UVIndex | None = None
    icons: list[int] = []
    icon_update_time: HKTime | None = None
    rainfall_start: HKTime | None = None
    rainfall_end: HKTime | None = None
    rainfall: list[RainfallReading] = []
    warning_messages: list[str] = []
    tc_messages: list[str] = []
    rainstorm_reminders: list[str] = []
    special_tips: list[str] = []
    lightning: list[Lightning] = []
    notes: list[str] = []  # the free-text remarks (rainfall last month, minimum temperature ...)

    @property
    def item_count(self) -> int:
        return len(self.temperatures)


class LocalForecast(_Model):
    kind: Literal["local_forecast"] = "local_forecast"
    general_situation: str
    period: str
    description: str
    outlook: str
    tc_info: str = ""
    fire_danger: str = ""
    update_time: HKTime

    @property
    def item_count(self) -> int:
        return 1


class DayForecast(_Model):
    date: dt.date
    week: str
    wind: str
    weather: str
    max_temp: float | None = None
    min_temp: float | None = None
    max_rh: float | None = None
    min_rh: float | None = None
    icon: int | None = None
    psr: str | None = None  # probability of significant rain, as the upstream words it


class SeaTemperature(_Model):
    place: str
    value: float
    record_time: HKTime | None = None


class SoilTemperature(_Model):
    place: str
    value: float
    depth_m: float | None = None
    record_time: HKTime | None = None


class NineDayForecast(_Model):
    kind: Literal["nine_day_forecast"] = "nine_day_forecast"
    general_situation: str = ""
    update_time: HKTime
    days: list[DayForecast]
    sea_temp: SeaTemperature | None = None
    soil_temps: list[SoilTemperature] = []

    @property
    def item_count(self) -> int:
        return len(self.days)


class Warning(_Model):
    family: str  # the warnsum key (WTCSGNL, WRAIN ...)
    code: str  # the signal (TC8NE, WRAINA ...): branch on this, never on name/type
    name: str
    type: str | None = None
    action: str  # ISSUE / REISSUE / EXTEND / UPDATE / CANCEL
    issue_time: HKTime | None = None
    expire_time: HKTime | None = None
    update_time: HKTime | None = None

    @property
    def in_force(self) -> bool:
        return self.action != "CANCEL"


class WarningSummary(_Model):
    kind: Literal["warning_summary"] = "warning_summary"
    warnings: list[Warning] = []

    @property
    def item_count(self) -> int:
        return len(self.warnings)


# --- Transport Department ----------------------------------------------------------------------

class TrafficNewsItem(_Model):
    """One message of the old ("v1") Special Traffic News feed."""

    id: str
    status: str  # CurrentStatus 1/2/3: meaning unverified, shown as is
    text: str
    announced_at: HKTime


class TrafficNews(_Model):
    kind: Literal["traffic_news"] = "traffic_news"
    items: list[TrafficNewsItem] = []

    @property
    def item_count(self) -> int:
        return len(self.items)


class TrafficIncident(_Model):
    """One message of the second-generation ("v2") incident feed."""

    id: str
    incident_number: str | None = None
    heading: str | None = None
    detail: str | None = None
    location: str | None = None
    district: str | None = None
    direction: str | None = None
    status: str | None = None
    near_landmark: str | None = None
    between_landmark: str | None = None
    text: str
    announced_at: HKTime
    latitude: float | None = None
    longitude: float | None = None


class TrafficIncidents(_Model):
    kind: Literal["traffic_incidents"] = "traffic_incidents"
    items: list[TrafficIncident] = []

    @property
    def item_count(self) -> int:
        return len(self.items)


# --- RSS: CFS food alerts, GIA press releases ----------------------------------------------------

class Detail(_Model):
    label: str
    value: str


class FoodAlert(_Model):
    title: str
    link: str
    published_at: HKTime
    details: list[Detail] = []


class FoodAlerts(_Model):
    kind: Literal["food_alerts"] = "food_alerts"
    items: list[FoodAlert] = []

    @property
    def item_count(self) -> int:
        return len(self.items)


class PressRelease(_Model):
    title: str
    link: str
    published_at: HKTime
    summary: str | None = None


class PressReleases(_Model):
    kind: Literal["press_releases"] = "press_releases"
    items: list[PressRelease] = []

    @property
    def item_count(self) -> int:
        return len(self.items)


FeedDocument = Annotated[
    CurrentWeather | LocalForecast | NineDayForecast | WarningSummary | TrafficNews
    | TrafficIncidents | FoodAlerts | PressReleases,
    Field(discriminator="kind"),
]

@functools.cache
def document_adapter() -> TypeAdapter[FeedDocument]:
    """Validates a stored document of any kind (built on first use, off the cold path)."""
    return TypeAdapter(FeedDocument)


class FeedState(_Model):
    """What is known about one feed: its latest good document and its latest failure."""

    feed: str
    document: FeedDocument | None = None
    fetched_at: HKTime | None = None
    source_url: str | None = None
    last_error: str | None = None
    last_error_at: HKTime | None = None
    failures: int = 0  # consecutive failures since the last good fetch

    @property
    def ok(self) -> bool:
        """The last attempt succeeded (a good document exists and no failure came after it)."""
        if self.document is None or self.fetched_at is None:
            return False
        return self.last_error_at is None or self.last_error_at <= self.fetched_at
