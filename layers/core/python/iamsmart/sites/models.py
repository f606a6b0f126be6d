"""Sites: the operator's record (``Site``, validated strictly: a site file or CLI flags) and
the public wire models of ``GET /v1/sites``.

The stored item (PynamoDB) lives in ``dal`` only and is converted to ``Site`` there.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, field_validator, model_validator

from iamsmart.common.model import Model

Lang = Literal["en", "tc"]
SiteType = Literal["kiosk", "counter", "mobile"]
SITE_TYPES: tuple[str, ...] = ("kiosk", "counter", "mobile")
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun", "ph"]  # ph: public holidays
DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "ph")

# Hong Kong's 18 districts (District Councils), in the usual order: Hong Kong Island,
# Kowloon, New Territories. code -> (English, Traditional Chinese).
DISTRICTS: dict[str, tuple[str, str]] = {
    "central-western": ("Central and Western", "中西區"),
    "wan-chai": ("Wan Chai", "灣仔區"),
    "eastern": ("Eastern", "東區"),
    "southern": ("Southern", "南區"),
    "yau-tsim-mong": ("Yau Tsim Mong", "油尖旺區"),
    "sham-shui-po": ("Sham Shui Po", "深水埗區"),
    "kowloon-city": ("Kowloon City", "九龍城區"),
    "wong-tai-sin": ("Wong Tai Sin", "黃大仙區"),
    "kwun-tong": ("Kwun Tong", "觀塘區"),
    "kwai-tsing": ("Kwai Tsing", "葵青區"),
    "tsuen-wan": ("Tsuen Wan", "荃灣區"),
    "tuen-mun": ("Tuen Mun", "屯門區"),
    "yuen-long": ("Yuen Long", "元朗區"),
    "north": ("North", "北區"),
    "tai-po": ("Tai Po", "大埔區"),
    "sha-tin": ("Sha Tin", "沙田區"),
    "sai-kung": ("Sai Kung", "西貢區"),
    "islands": ("Islands", "離島區"),
}
District = Literal[
    "central-western", "wan-chai", "eastern", "southern", "yau-tsim-mong", "sham-shui-po",
    "kowloon-city", "wong-tai-sin", "kwun-tong", "kwai-tsing", "tsuen-wan", "tuen-mun",
    "yuen-long", "north", "tai-po", "sha-tin", "sai-kung", "islands",
]

SITE_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,63}")
_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
# Hong Kong keeps no daylight saving time: a fixed offset is its local time.
HONG_KONG = dt.timezone(dt.timedelta(hours=8), "HKT")


def _map_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise ValueError("the map link must be an https URL")
    return value


class Hours(Model):
    """Opening hours on some days (``ph``: public holidays)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: tuple[Day, ...] = Field(min_length=1, max_length=8)
    opens: str = Field(pattern=_TIME)
    closes: str = Field(pattern=_TIME)

    @model_validator(mode="after")
    def _order(self) -> Hours:
        if len(set(self.days)) != len(self.days):
            raise ValueError("a day is listed twice")
        if self.closes <= self.opens:
            raise ValueError("closing time must be after opening time")
        return self


class Visit(Model):
    """A mobile team's visit: a date, hours, and a place (a school, a community centre)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date
    opens: str = Field(pattern=_TIME)
    closes: str = Field(pattern=_TIME)
    district: District
    place_en: str = Field(min_length=1, max_length=120)
    place_tc: str = Field(min_length=1, max_length=60)
    address_en: str = Field(min_length=1, max_length=200)
    address_tc: str = Field(min_length=1, max_length=100)
    map_url: str | None = Field(default=None, max_length=500)

    @field_validator("map_url")
    @classmethod
    def _map(cls, value: str | None) -> str | None:
        return _map_url(value)

    @model_validator(mode="after")
    def _order(self) -> Visit:
        if self.closes <= self.opens:
            raise ValueError("closing time must be after opening time")
        return self


class Site(Model):
    """One registration site as operators maintain it.

    ``status`` and ``key_id`` (its API key in ``iamsmart.apikeys``) are set by the platform,
    never by the site file: adding issues the key, retiring disables it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=f"^{SITE_ID.pattern}$")
    type: SiteType
    district: District
    name_en: str = Field(min_length=1, max_length=120)
    name_tc: str = Field(min_length=1, max_length=60)
    address_en: str = Field(min_length=1, max_length=200)
    address_tc: str = Field(min_length=1, max_length=100)
    hours: tuple[Hours, ...] = Field(default=(), max_length=8)
    elderly_assistance: bool = False
    assistance_en: str | None = Field(default=None, max_length=300)
    assistance_tc: str | None = Field(default=None, max_length=150)
    map_url: str | None = Field(default=None, max_length=500)
    visits: tuple[Visit, ...] = Field(default=(), max_length=60)
    status: Literal["active", "retired"] = "active"
    key_id: str | None = None
    updated_at: str | None = None
    retired_at: str | None = None

    @field_validator("map_url")
    @classmethod
    def _map(cls, value: str | None) -> str | None:
        return _map_url(value)

    @model_validator(mode="after")
    def _shape(self) -> Site:
        if self.type == "mobile":
            if self.hours:
                raise ValueError("a mobile team has visits, not opening hours")
        else:
            if not self.hours:
                raise ValueError("a kiosk or counter needs its opening hours")
            if self.visits:
                raise ValueError("only a mobile team has visits")
        if self.elderly_assistance != bool(self.assistance_en and self.assistance_tc):
            raise ValueError("elderly assistance is described in both languages (assistance_en "
                             "and assistance_tc) exactly when elderly_assistance is true")
        return self


# --- the public API (GET /v1/sites) ----------------------------------------------------------

class SiteQuery(Model):
    model_config = ConfigDict(extra="forbid")

    district: District | None = Field(default=None, description="Only this district")
    type: SiteType | None = Field(default=None, description="kiosk, counter or mobile")
    lang: Lang = Field(default="tc", description="Language of names and addresses")


class DistrictName(Model):
    code: str
    name: str


class PublicHours(Model):
    days: list[str]
    opens: str
    closes: str


class PublicVisit(Model):
    date: str = Field(description="YYYY-MM-DD (Hong Kong time)")
    opens: str
    closes: str
    district: str
    district_name: str
    place: str
    address: str
    map_url: str | None = None


class PublicSite(Model):
    id: str
    type: SiteType
    district: str
    district_name: str
    name: str
    address: str
    hours: list[PublicHours]
    elderly_assistance: bool
    assistance: str | None = None
    map_url: str | None = None
    visits: list[PublicVisit] = Field(description="Upcoming visits (mobile teams), by date")


class SiteList(Model):
    lang: Lang
    count: int
    districts: list[DistrictName] = Field(description="Every district, in the usual order")
    items: list[PublicSite]
