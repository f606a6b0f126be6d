"""Hong Kong Observatory ``weather.php`` JSON: rhrread, flw, fnd, warnsum.

The upstream models below describe the documents as HKO sends them (camelCase, empty strings
where arrays or objects are absent at night, string booleans); the parse functions map them to
the domain models. Required fields are few on purpose: HKO leaves out blocks whose data are
unavailable.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, ValidationError, field_validator

from iamsmart.common.model import Model
from iamsmart.feeds import models as m
from iamsmart.feeds.parsers._common import from_validation, load_json, malformed, unescape


def _empty_to_none(value: Any) -> Any:
    return None if value == "" else value


def _string_list(value: Any) -> Any:
    """``""``/absent -> [], one string -> [it], a list stays a list."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return value


def _tf(value: Any) -> Any:
    if isinstance(value, str):
        low = value.strip().lower()
        if low == "":
            return None
        if low in ("true", "false"):
            return low == "true"
    return value


Opt = BeforeValidator(_empty_to_none)
Texts = Annotated[list[str], BeforeValidator(_string_list)]


class _Upstream(Model):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Reading(_Upstream):
    place: str
    value: float

    @field_validator("place")
    @classmethod
    def _place(cls, v: str) -> str:
        return unescape(v).strip()


class _ReadingBlock(_Upstream):
    data: list[_Reading] = []
    recordTime: Annotated[m.HKTime | None, Opt] = None


class _Rain(_Upstream):
    place: str
    max: Annotated[float | None, Opt] = None
    min: Annotated[float | None, Opt] = None
    main: Annotated[bool | None, BeforeValidator(_tf)] = None

    @field_validator("place")
    @classmethod
    def _place(cls, v: str) -> str:
        return unescape(v).strip()


class _Rainfall(_Upstream):
    data: list[_Rain] = []
    startTime: Annotated[m.HKTime | None, Opt] = None
    endTime: Annotated[m.HKTime | None, Opt] = None


class _UV(_Upstream):
    place: Annotated[str | None, Opt] = None
    value: float
    desc: Annotated[str | None, Opt] = None


class _UVBlock(_Upstream):
    data: list[_UV] = []


class _Lightning(_Upstream):
    place: str
    occur: Annotated[bool, BeforeValidator(_tf)]


class _LightningBlock(_Upstream):
    data: list[_Lightning] = []


class _Rhrread(_Upstream):
    updateTime: m.HKTime
    temperature: Annotated[_ReadingBlock | None, Opt] = None
    humidity: Annotated[_ReadingBlock | None, Opt] = None
    rainfall: Annotated[_Rainfall | None, Opt] = None
    uvindex: Annotated[_UVBlock | None, Opt] = None
    lightning: Annotated[_LightningBlock | None, Opt] = None
    icon: Annotated[list[int], BeforeValidator(lambda v: [] if v in ("", None) else v)] = []
    iconUpdateTime: Annotated[m.HKTime | None, Opt] = None
    warningMessage: Texts = []
    tcmessage: Texts = []
    rainstormReminder: Texts = []
    specialWxTips: Texts = []
    mintempFrom00To09: Annotated[str, BeforeValidator(lambda v: v or "")] = ""
    rainfallFrom00To12: Annotated[str, BeforeValidator(lambda v: v or "")] = ""
    rainfallLastMonth: Annotated[str, BeforeValidator(lambda v: v or "")] = ""
    rainfallJanuaryToLastMonth: Annotated[str, BeforeValidator(lambda v: v or "")] = ""


def _validate(model: type[_Upstream], value: Any, what: str) -> Any:
    if not isinstance(value, dict):
        raise malformed(what, "top level is not a JSON object")
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise from_validation(what, exc) from None


def parse_rhrread(raw: bytes, lang: str) -> m.CurrentWeather:
    what = "HKO current weather (rhrread)"
    doc: _Rhrread = _validate(_Rhrread, load_json(raw, what), what)
    if doc.temperature is None and doc.humidity is None and doc.rainfall is None:
        raise malformed(what, "no temperature, humidity or rainfall block")
    uv = doc.uvindex.data[0] if doc.uvindex and doc.uvindex.data else None
    notes = [n.strip() for n in (doc.mintempFrom00To09, doc.rainfallFrom00To12,
                                 doc.rainfallLastMonth, doc.rainfallJanuaryToLastMonth)
             if n.strip()]
    return m.CurrentWeather(
        update_time=doc.updateTime,
        temperature_time=doc.temperature.recordTime if doc.temperature else None,
        temperatures=[m.Reading(place=r.place, value=r.value)
                      for r in (doc.temperature.data if doc.temperature else [])],
        humidity_time=doc.humidity.recordTime if doc.humidity else None,
        humidity=[m.Reading(place=r.place, value=r.value)
                  for r in (doc.humidity.data if doc.humidity else [])],
        uv_index=m.UVIndex(place=uv.place, value=uv.value, desc=uv.desc) if uv else None,
        icons=list(doc.icon),
        icon_update_time=doc.iconUpdateTime,
        rainfall_start=doc.rainfall.startTime if doc.rainfall else None,
        rainfall_end=doc.rainfall.endTime if doc.rainfall else None,
        rainfall=[m.RainfallReading(place=r.place, max=r.max, min=r.min, main=r.main)
                  for r in (doc.rainfall.data if doc.rainfall else [])],
        warning_messages=list(doc.warningMessage),
        tc_messages=list(doc.tcmessage),
        rainstorm_reminders=list(doc.rainstormReminder),
        special_tips=list(doc.specialWxTips),
        lightning=[m.Lightning(place=x.place, occur=x.occur)
                   for x in (doc.lightning.data if doc.lightning else [])],
        notes=notes,
    )


class _Flw(_Upstream):
    generalSituation: str
    tcInfo: Annotated[str, BeforeValidator(lambda v: v or "")] = ""
    fireDangerWarning: Annotated[str, BeforeValidator(lambda v: v or "")] = ""
    forecastPeriod: str
    forecastDesc: str
    outlook: Annotated[str, BeforeValidator(lambda v: v or "")] = ""
    updateTime: m.HKTime


def parse_flw(raw: bytes, lang: str) -> m.LocalForecast:
    what = "HKO local forecast (flw)"
    doc: _Flw = _validate(_Flw, load_json(raw, what), what)
    return m.LocalForecast(
        general_situation=doc.generalSituation.strip(), period=doc.forecastPeriod.strip(),
        description=doc.forecastDesc.strip(), outlook=doc.outlook.strip(),
        tc_info=doc.tcInfo.strip(), fire_danger=doc.fireDangerWarning.strip(),
        update_time=doc.updateTime,
    )


class _Value(_Upstream):
    value: float


class _Day(_Upstream):
    forecastDate: str
    week: str
    forecastWind: str = ""
    forecastWeather: str = ""
    forecastMaxtemp: Annotated[_Value | None, Opt] = None
    forecastMintemp: Annotated[_Value | None, Opt] = None
    forecastMaxrh: Annotated[_Value | None, Opt] = None
    forecastMinrh: Annotated[_Value | None, Opt] = None
    ForecastIcon: Annotated[int | None, Opt] = None  # capital F upstream
    PSR: Annotated[str | None, Opt] = None

    @field_validator("forecastDate")
    @classmethod
    def _date(cls, v: str) -> str:
        dt.datetime.strptime(v, "%Y%m%d")  # ValueError -> validation error
        return v


class _Sea(_Upstream):
    place: str
    value: float
    recordTime: Annotated[m.HKTime | None, Opt] = None


class _Depth(_Upstream):
    value: float


class _Soil(_Upstream):
    place: str
    value: float
    recordTime: Annotated[m.HKTime | None, Opt] = None
    depth: Annotated[_Depth | None, Opt] = None


class _Fnd(_Upstream):
    generalSituation: Annotated[str, BeforeValidator(lambda v: v or "")] = ""
    weatherForecast: list[_Day]
    updateTime: m.HKTime
    seaTemp: Annotated[_Sea | None, Opt] = None
    soilTemp: Annotated[list[_Soil], BeforeValidator(_string_list)] = []


def _v(value: _Value | None) -> float | None:
    return value.value if value is not None else None


def parse_fnd(raw: bytes, lang: str) -> m.NineDayForecast:
    what = "HKO 9-day forecast (fnd)"
    doc: _Fnd = _validate(_Fnd, load_json(raw, what), what)
    if not doc.weatherForecast:
        raise malformed(what, "no forecast days")
    days = [
        m.DayForecast(
            date=dt.datetime.strptime(d.forecastDate, "%Y%m%d").date(), week=d.week,
            wind=d.forecastWind.strip(), weather=d.forecastWeather.strip(),
            max_temp=_v(d.forecastMaxtemp), min_temp=_v(d.forecastMintemp),
            max_rh=_v(d.forecastMaxrh), min_rh=_v(d.forecastMinrh),
            icon=d.ForecastIcon, psr=d.PSR,
        )
        for d in doc.weatherForecast
    ]
    sea = doc.seaTemp
    return m.NineDayForecast(
        general_situation=doc.generalSituation.strip(), update_time=doc.updateTime, days=days,
        sea_temp=m.SeaTemperature(place=sea.place, value=sea.value, record_time=sea.recordTime)
        if sea else None,
        soil_temps=[m.SoilTemperature(place=s.place, value=s.value, record_time=s.recordTime,
                                      depth_m=s.depth.value if s.depth else None)
                    for s in doc.soilTemp],
    )


class _Warning(_Upstream):
    name: str
    code: str
    type: Annotated[str | None, Opt] = None
    actionCode: str
    issueTime: Annotated[m.HKTime | None, Opt] = None
    expireTime: Annotated[m.HKTime | None, Opt] = None
    updateTime: Annotated[m.HKTime | None, Opt] = None


class _Warnsum(_Upstream):
    model_config = ConfigDict(extra="forbid", frozen=True)
    warnings: dict[str, _Warning]


def parse_warnsum(raw: bytes, lang: str) -> m.WarningSummary:
    """``{}`` means no warning in force; otherwise one entry per warning family."""
    what = "HKO warning summary (warnsum)"
    value = load_json(raw, what)
    if not isinstance(value, dict):
        raise malformed(what, "top level is not a JSON object")
    doc: _Warnsum = _validate(_Warnsum, {"warnings": value}, what)
    return m.WarningSummary(warnings=[
        m.Warning(family=family, code=w.code.strip(), name=w.name.strip(), type=w.type,
                  action=w.actionCode.strip().upper(), issue_time=w.issueTime,
                  expire_time=w.expireTime, update_time=w.updateTime)
        for family, w in doc.warnings.items()
    ])
