"""The API key registry (iamsmart.apikeys) on moto: issuing writes API Gateway and the registry
together (or neither), the API's answer comes from the registry alone, and disabling stops a
key in both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from iamsmart import aws, errors
from iamsmart.apikeys import dal, registry
from iamsmart.apikeys.models import InvalidPrincipal
from infra.local import provision
from infra.local.platform import apply_environment, local_environment
from infra.names import USAGE_PLANS


@pytest.fixture
def keys_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    env = local_environment(None, {})
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    apply_environment(env)
    registry.reset()
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        provision.create_tables()
        provision.create_usage_plans()
        yield
    registry.reset()
    apply_environment({})


PLAN = USAGE_PLANS["departments"].name


def _gateway_keys() -> dict[str, dict]:
    return {k["id"]: k for k in aws.client("apigateway").get_api_keys(
        includeValues=True)["items"]}


def test_issue_registers_the_holder_and_the_key_joins_the_usage_plan(keys_aws):
    issued = registry.issue("department", department="TD", name="td-key", usage_plan=PLAN)
    key_id = issued.principal.key_id
    gateway = _gateway_keys()[key_id]
    assert gateway["value"] == issued.value and gateway["enabled"] is True
    apigw = aws.client("apigateway")
    plan_id = dal.usage_plan_id(PLAN)
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan_id)["items"]] == [key_id]
    holder = registry.holder(key_id)
    assert holder is not None and holder.kind == "department" and holder.department == "TD"
    # The value is never stored in the registry.
    item = aws.client("dynamodb").get_item(TableName="iamsmart-apikeys",
                                           Key={"key_id": {"S": key_id}})["Item"]
    assert issued.value not in str(item)


def test_the_answer_comes_from_the_registry_not_from_api_gateway_tags(keys_aws):
    apigw = aws.client("apigateway")
    tagged = apigw.create_api_key(name="tagged", enabled=True, tags={"department": "TD"})["id"]
    assert registry.holder(tagged) is None
    registry.record(tagged, "department", department="IMMD")
    holder = registry.holder(tagged)
    assert holder is not None and holder.department == "IMMD"


def test_disable_stops_the_key_in_the_registry_and_api_gateway_and_enable_restores(keys_aws):
    issued = registry.issue("site", channel="kiosk", site="kiosk-test-01", name="kiosk",
                            usage_plan=USAGE_PLANS["sites"].name)
    key_id = issued.principal.key_id
    assert registry.holder(key_id) is not None
    registry.disable(key_id)
    assert registry.holder(key_id) is None
    assert _gateway_keys()[key_id]["enabled"] is False
    stored = dal.get(key_id)
    assert stored is not None and not stored.enabled and stored.disabled_at
    registry.enable(key_id)
    assert registry.holder(key_id) is not None
    assert _gateway_keys()[key_id]["enabled"] is True
    with pytest.raises(errors.NotFound):
        registry.disable("no-such-key")


def test_nothing_half_written_when_issuing_fails(keys_aws, monkeypatch: pytest.MonkeyPatch):
    # An unknown usage plan: refused before any key exists.
    with pytest.raises(errors.NotFound):
        registry.issue("department", department="TD", name="x", usage_plan="no-such-plan")
    assert _gateway_keys() == {}
    # The registry write fails: the new key is deleted again.
    def broken(principal):
        raise errors.Unavailable()

    monkeypatch.setattr(dal, "put", broken)
    with pytest.raises(errors.Unavailable):
        registry.issue("department", department="TD", name="x", usage_plan=PLAN)
    assert _gateway_keys() == {}


@pytest.mark.parametrize("fields", [
    {"kind": "department"},
    {"kind": "department", "department": "td"},
    {"kind": "site", "channel": "kiosk"},
    {"kind": "site", "channel": "web", "site": "kiosk-01"},
    {"kind": "registration-staff"},
    {"kind": "admin", "staff": "x1"},
])
def test_a_holder_must_be_complete_before_anything_is_created(keys_aws, fields):
    with pytest.raises(InvalidPrincipal):
        registry.issue(name="x", usage_plan=PLAN, **fields)
    assert _gateway_keys() == {}


def test_answers_are_cached_for_the_configured_seconds(keys_aws, monkeypatch):
    from iamsmart.settings import settings

    issued = registry.issue("department", department="TD", name="td", usage_plan=PLAN)
    key_id = issued.principal.key_id
    seconds = settings().apikey_cache_seconds
    assert registry.holder(key_id, now=0.0) is not None
    dal.set_enabled(key_id, False, "2026-01-01T00:00:00+00:00")  # behind the cache's back
    assert registry.holder(key_id, now=seconds - 1) is not None
    assert registry.holder(key_id, now=seconds + 1) is None
