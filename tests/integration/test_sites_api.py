"""Registration sites on moto: the sandbox seed, GET /v1/sites (districts, types, languages,
upcoming visits only, retired sites gone, cached, documented) and the operators' use cases
(add with its own key, update, retire: the key stops)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from iamsmart import aws, errors
from iamsmart.apikeys import registry
from iamsmart.sites import dal, logic
from iamsmart.sites.models import DISTRICTS, Site
from infra.local import provision
from infra.local.platform import apply_environment, local_environment
from infra.names import USAGE_PLANS

TODAY = dt.date(2026, 12, 7)
PLAN = USAGE_PLANS["sites"].name


@pytest.fixture
def sites_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    env = local_environment(None, {})
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    apply_environment(env)
    registry.reset()
    logic.reset_cache()
    monkeypatch.setattr(logic, "today_in_hong_kong", lambda: TODAY)
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        provision.create_tables()
        provision.create_usage_plans()
        logic.seed_sandbox_sites(today=TODAY)
        yield
    registry.reset()
    logic.reset_cache()
    apply_environment({})


def _get(api_client: Any, path: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = api_client.http.get(path)
    return response.status_code, json.loads(response.body), dict(response.headers)


def _site(**fields: Any) -> Site:
    base = {"id": "kiosk-test-99", "type": "kiosk", "district": "islands",
            "name_en": "Test kiosk", "name_tc": "測試自助登記站",
            "address_en": "1 Test Road", "address_tc": "測試道1號",
            "hours": [{"days": ["mon", "tue"], "opens": "09:00", "closes": "18:00"}]}
    return Site.model_validate({**base, **fields})


def test_every_sandbox_site_is_listed_by_district_in_both_languages(sites_aws, api_client):
    status, tc, headers = _get(api_client, "/v1/sites")
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=300"
    assert tc["lang"] == "tc" and tc["count"] == len(logic.sandbox_sites(TODAY)) == 13
    assert [d["code"] for d in tc["districts"]] == list(DISTRICTS)
    order = list(DISTRICTS)
    assert [order.index(s["district"]) for s in tc["items"]] == sorted(
        order.index(s["district"]) for s in tc["items"])
    kiosk = next(s for s in tc["items"] if s["id"] == "kiosk-sandbox-01")
    assert kiosk["name"].startswith("沙盒自助登記站") and kiosk["district_name"] == "中西區"
    assert kiosk["elderly_assistance"] is True and kiosk["assistance"]
    assert kiosk["map_url"].startswith("https://")
    assert kiosk["hours"][0]["days"][0] == "mon"
    assert "key_id" not in kiosk and "status" not in kiosk
    _, en, _ = _get(api_client, "/v1/sites?lang=en")
    kiosk = next(s for s in en["items"] if s["id"] == "kiosk-sandbox-01")
    assert kiosk["name"].startswith("Sandbox self-registration kiosk")
    assert kiosk["district_name"] == "Central and Western"


def test_filters_by_type_and_district_and_mobile_teams_show_their_visits(sites_aws, api_client):
    _, counters, _ = _get(api_client, "/v1/sites?type=counter&lang=en")
    assert counters["count"] == 5 and {s["type"] for s in counters["items"]} == {"counter"}
    _, mobiles, _ = _get(api_client, "/v1/sites?type=mobile")
    team = next(s for s in mobiles["items"] if s["id"] == "mobile-sandbox-01")
    dates = [v["date"] for v in team["visits"]]
    assert dates == sorted(dates) and dates[0] == (TODAY + dt.timedelta(days=2)).isoformat()
    assert team["hours"] == []
    # By district: sites there, and mobile teams visiting it (only those visits).
    _, southern, _ = _get(api_client, "/v1/sites?district=southern")
    assert [s["id"] for s in southern["items"]] == ["mobile-sandbox-01"]
    assert {v["district"] for v in southern["items"][0]["visits"]} == {"southern"}
    _, central, _ = _get(api_client, "/v1/sites?district=central-western")
    assert [s["id"] for s in central["items"]] == ["kiosk-sandbox-01"]


def test_past_visits_and_retired_sites_are_not_shown(sites_aws, api_client):
    team = dal.get("mobile-sandbox-02")
    assert team is not None
    past = team.visits[0].model_copy(update={"date": TODAY - dt.timedelta(days=1)})
    dal.put(team.model_copy(update={"visits": (past, *team.visits[1:])}))
    logic.retire("counter-sandbox-01")
    logic.reset_cache()
    _, listed, _ = _get(api_client, "/v1/sites")
    ids = [s["id"] for s in listed["items"]]
    assert "counter-sandbox-01" not in ids
    team_out = next(s for s in listed["items"] if s["id"] == "mobile-sandbox-02")
    assert len(team_out["visits"]) == len(team.visits) - 1
    assert all(v["date"] >= TODAY.isoformat() for v in team_out["visits"])


@pytest.mark.parametrize("query", ["district=atlantis", "type=bus", "lang=fr", "extra=1"])
def test_bad_filters_are_a_bilingual_400(sites_aws, api_client, query):
    status, body, _ = _get(api_client, f"/v1/sites?{query}")
    assert status == 400
    assert body["message"]["en"] and body["message"]["tc"]
    assert body["message"]["en"] != body["message"]["tc"]


def test_the_listing_is_documented(api_client):
    doc = json.loads(api_client.http.get("/v1/openapi.json").body)
    op = doc["paths"]["/v1/sites"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"district", "type", "lang"}
    assert "security" not in op
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SiteList")


def test_a_new_site_gets_its_own_key_and_retiring_it_stops_the_key(sites_aws):
    site, issued = logic.add(_site(), usage_plan=PLAN)
    assert issued is not None and site.key_id == issued.principal.key_id
    holder = registry.holder(site.key_id)
    assert holder is not None and (holder.kind, holder.channel, holder.site) == (
        "site", "kiosk", "kiosk-test-99")
    with pytest.raises(errors.Conflict):  # the id is taken
        logic.add(_site(), usage_plan=PLAN)
    with pytest.raises(errors.Conflict):  # one key per site unless rotated
        logic.issue_key(site.id, usage_plan=PLAN)
    rotated, new = logic.issue_key(site.id, usage_plan=PLAN, rotate=True)
    assert registry.holder(site.key_id) is None and registry.holder(rotated.key_id) is not None
    retired = logic.retire(site.id)
    assert retired.status == "retired" and retired.retired_at
    assert registry.holder(new.principal.key_id) is None
    key = aws.client("apigateway").get_api_key(apiKey=new.principal.key_id)
    assert key["enabled"] is False
    with pytest.raises(errors.Conflict):  # a retired site stays retired
        logic.update(_site(name_en="Renamed"))


def test_update_keeps_type_status_and_key(sites_aws):
    site, _ = logic.add(_site(), usage_plan=PLAN)
    updated = logic.update(_site(name_en="Test kiosk (moved)", district="tai-po"))
    assert updated.key_id == site.key_id and updated.district == "tai-po"
    assert dal.get(site.id).name_en == "Test kiosk (moved)"  # type: ignore[union-attr]
    with pytest.raises(errors.Conflict):
        logic.update(_site(type="counter"))
    with pytest.raises(errors.NotFound):
        logic.update(_site(id="kiosk-nowhere-01"))


def test_seeding_again_keeps_retired_sites_retired_and_their_keys(sites_aws):
    site, _ = logic.issue_key("kiosk-sandbox-03", usage_plan=PLAN)
    logic.retire("kiosk-sandbox-03")
    logic.seed_sandbox_sites(today=TODAY)
    again = dal.get("kiosk-sandbox-03")
    assert again is not None and again.status == "retired" and again.key_id == site.key_id


def test_a_key_the_site_could_not_record_is_stopped_at_once(sites_aws, monkeypatch):
    """Nothing half-written: if the site cannot be updated with its new key, the key is
    disabled (retiring the site could never stop a key the site does not know)."""
    def broken(site, *, expect_new=False):
        raise errors.Unavailable()

    monkeypatch.setattr(dal, "put", broken)
    with pytest.raises(errors.Unavailable):
        logic.issue_key("kiosk-sandbox-04", usage_plan=PLAN)
    keys = aws.client("apigateway").get_api_keys()["items"]
    assert len(keys) == 1 and keys[0]["enabled"] is False
    assert registry.holder(keys[0]["id"]) is None
