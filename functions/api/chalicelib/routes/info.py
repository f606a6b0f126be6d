"""Public information without an account: weather, traffic, food alerts, announcements."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import http
from iamsmart.feeds import logic, wire

bp = Blueprint(__name__)

_ERRORS = (400, 503)


@http.route(bp, "/v1/info/weather", summary="Current weather, warnings and forecasts (HKO)",
            tag="info", query=wire.InfoQuery, response=wire.WeatherResponse, cache_seconds=60,
            errors_documented=_ERRORS)
def weather(query: wire.InfoQuery) -> wire.WeatherResponse:
    return logic.weather(query.lang)


@http.route(bp, "/v1/info/traffic", summary="Special traffic news and incidents (TD)",
            tag="info", query=wire.InfoQuery, response=wire.TrafficResponse, cache_seconds=60,
            errors_documented=_ERRORS)
def traffic(query: wire.InfoQuery) -> wire.TrafficResponse:
    return logic.traffic(query.lang)


@http.route(bp, "/v1/info/food-alerts", summary="Food alerts and allergy alerts (CFS)",
            tag="info", query=wire.InfoQuery, response=wire.FoodAlertsResponse,
            cache_seconds=60, errors_documented=_ERRORS)
def food_alerts(query: wire.InfoQuery) -> wire.FoodAlertsResponse:
    return logic.food_alerts(query.lang)


@http.route(bp, "/v1/info/announcements", summary="Government press releases (ISD)",
            tag="info", query=wire.InfoQuery, response=wire.AnnouncementsResponse,
            cache_seconds=60, errors_documented=_ERRORS)
def announcements(query: wire.InfoQuery) -> wire.AnnouncementsResponse:
    return logic.announcements(query.lang)
