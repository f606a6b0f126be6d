"""What operators may store as a site: strict, bilingual, shaped by its type."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from iamsmart.sites import logic
from iamsmart.sites.models import DISTRICTS, Site

KIOSK: dict[str, Any] = {
    "id": "kiosk-test-01", "type": "kiosk", "district": "sha-tin",
    "name_en": "Test kiosk", "name_tc": "測試自助登記站",
    "address_en": "1 Test Road", "address_tc": "測試道1號",
    "hours": [{"days": ["mon", "tue", "wed"], "opens": "09:00", "closes": "18:00"}],
}
VISIT = {"date": "2026-12-24", "opens": "10:00", "closes": "16:00", "district": "tai-po",
         "place_en": "A school", "place_tc": "一所學校", "address_en": "1 School Road",
         "address_tc": "學校道1號"}


def test_a_complete_kiosk_is_accepted():
    site = Site.model_validate(KIOSK)
    assert site.status == "active" and site.key_id is None


@pytest.mark.parametrize("change", [
    {"id": "Kiosk 1"},
    {"type": "bus"},
    {"district": "atlantis"},
    {"name_tc": ""},
    {"hours": []},  # a kiosk needs opening hours
    {"hours": [{"days": ["mon"], "opens": "18:00", "closes": "09:00"}]},
    {"hours": [{"days": ["mon", "mon"], "opens": "09:00", "closes": "18:00"}]},
    {"hours": [{"days": ["someday"], "opens": "09:00", "closes": "18:00"}]},
    {"hours": [{"days": ["mon"], "opens": "9am", "closes": "18:00"}]},
    {"map_url": "http://maps.example/x"},
    {"map_url": "javascript:alert(1)"},
    {"elderly_assistance": True},  # without the words in both languages
    {"assistance_en": "Help", "assistance_tc": "協助"},  # words without the flag
    {"visits": [VISIT]},  # only mobile teams have visits
    {"colour": "red"},
])
def test_malformed_sites_are_refused(change):
    with pytest.raises(ValidationError):
        Site.model_validate({**KIOSK, **change})


def test_a_mobile_team_has_visits_and_no_hours():
    team = {**KIOSK, "id": "mobile-test-01", "type": "mobile", "hours": [], "visits": [VISIT]}
    assert Site.model_validate(team).visits[0].date == dt.date(2026, 12, 24)
    with pytest.raises(ValidationError):
        Site.model_validate({**team, "hours": KIOSK["hours"]})
    with pytest.raises(ValidationError):
        Site.model_validate({**team, "visits": [{**VISIT, "closes": "09:00"}]})


def test_the_sandbox_seed_is_valid_synthetic_and_covers_every_type():
    today = dt.date(2026, 12, 7)
    sites = logic.sandbox_sites(today)
    assert {s.type for s in sites} == {"kiosk", "counter", "mobile"}
    assert len({s.id for s in sites}) == len(sites)
    assert {s.district for s in sites} <= set(DISTRICTS)
    for site in sites:  # clearly sandbox, in both languages
        assert "Sandbox" in site.name_en and "沙盒" in site.name_tc
        assert "sandbox" in site.address_en and "沙盒" in site.address_tc
        assert all(v.date > today for v in site.visits)
