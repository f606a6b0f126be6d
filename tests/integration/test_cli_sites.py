"""The operator CLI ``python -m tools.sites`` against the local emulator (moto's server,
reached with --endpoint-url as an operator reaches the local platform): add a site with its
own key, list, update, rotate, retire (the key stops), and refusals."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_helpers import moto_emulator, run_tool

from infra.local import provision
from infra.names import REGION, TABLES, USAGE_PLANS
from tools import target

SITE: dict[str, Any] = {
    "id": "counter-test-01", "type": "counter", "district": "kwun-tong",
    "name_en": "Test Post Office counter", "name_tc": "測試郵政局櫃位",
    "address_en": "1 Test Street, Kwun Tong", "address_tc": "觀塘測試街1號",
    "hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "09:30",
               "closes": "17:00"}],
    "elderly_assistance": True, "assistance_en": "Priority queue for elders.",
    "assistance_tc": "長者優先輪候。", "map_url": "https://www.openstreetmap.org/",
}


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with moto_emulator(monkeypatch) as endpoint:
        provision.create_usage_plans()
        yield endpoint


def cli(endpoint: str, *argv: str) -> tuple[int, str, str]:
    """No ambient AWS configuration at all: --endpoint-url alone reaches the emulator."""
    return run_tool("tools.sites", endpoint, *argv, ambient_credentials=False)


def _client(endpoint: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="local",
                        aws_secret_access_key="local")  # noqa: S106 - moto placeholder


def _holder(endpoint: str, key_id: str) -> dict[str, Any]:
    return _client(endpoint, "dynamodb").get_item(
        TableName=TABLES["apikeys"].name, Key={"key_id": {"S": key_id}})["Item"]


def test_add_list_update_rotate_retire(emulator: str, tmp_path: Path) -> None:
    path = tmp_path / "site.json"
    path.write_text(json.dumps(SITE, ensure_ascii=False), encoding="utf-8")
    code, out, err = cli(emulator, "add", "--file", str(path))
    assert code == 0, err
    assert out.startswith("added counter-test-01\tcounter\tkwun-tong\tactive\tkey:")
    key_id = out.split("api key id: ")[1].split()[0]
    value = out.split("(shown once, give it to the site's device): ")[1].strip()
    apigw = _client(emulator, "apigateway")
    key = apigw.get_api_key(apiKey=key_id, includeValue=True)
    assert key["value"] == value and key["enabled"] is True
    plan = next(p for p in apigw.get_usage_plans()["items"]
                if p["name"] == USAGE_PLANS["sites"].name)
    assert key_id in [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]]
    holder = _holder(emulator, key_id)
    assert holder["site"] == {"S": "counter-test-01"} and holder["channel"] == {"S": "counter"}
    assert value not in json.dumps(holder)

    code, out, _ = cli(emulator, "list")
    assert code == 0 and "counter-test-01" in out and "測試郵政局櫃位" in out
    # Update: new hours, same key.
    path.write_text(json.dumps({**SITE, "name_en": "Test Post Office counter (new hours)"}),
                    encoding="utf-8")
    assert cli(emulator, "update", "--file", str(path))[0] == 0
    code, out, _ = cli(emulator, "show", "counter-test-01")
    shown = json.loads(out)
    assert shown["name_en"].endswith("(new hours)") and shown["key_id"] == key_id
    # One key per site: a second needs --rotate, which disables the old one.
    assert cli(emulator, "issue-key", "counter-test-01")[0] == 4
    code, out, _ = cli(emulator, "issue-key", "counter-test-01", "--rotate")
    assert code == 0
    new_id = out.split("api key id: ")[1].split()[0]
    assert apigw.get_api_key(apiKey=key_id)["enabled"] is False
    assert _holder(emulator, key_id)["enabled"] == {"BOOL": False}
    # Retire: the key stops (API Gateway and registry), the site leaves the list.
    code, out, _ = cli(emulator, "retire", "counter-test-01")
    assert code == 0 and "retired counter-test-01" in out
    assert apigw.get_api_key(apiKey=new_id)["enabled"] is False
    assert _holder(emulator, new_id)["enabled"] == {"BOOL": False}
    assert "counter-test-01" not in cli(emulator, "list")[1]
    assert "counter-test-01\tcounter\tkwun-tong\tretired" in cli(emulator, "list", "--all")[1]


@pytest.mark.parametrize(("change", "needle"), [
    ({"type": "bus"}, "type"),
    ({"hours": []}, "opening hours"),
    ({"key_id": "stolen"}, "managed by the platform"),
    ({"map_url": "http://maps.example/"}, "https"),
])
def test_invalid_site_files_are_refused_and_nothing_is_written(
        emulator: str, tmp_path: Path, change: dict[str, Any], needle: str) -> None:
    path = tmp_path / "site.json"
    path.write_text(json.dumps({**SITE, **change}), encoding="utf-8")
    code, out, err = cli(emulator, "add", "--file", str(path))
    assert code == 4 and out == "" and "invalid site" in err and needle in err
    assert _client(emulator, "dynamodb").scan(TableName=TABLES["sites"].name)["Items"] == []
    assert _client(emulator, "apigateway").get_api_keys()["items"] == []


def test_unknown_sites_and_taken_ids(emulator: str, tmp_path: Path) -> None:
    assert cli(emulator, "show", "nowhere-01")[0] == 3
    assert cli(emulator, "retire", "nowhere-01")[0] == 3
    path = tmp_path / "site.json"
    path.write_text(json.dumps(SITE), encoding="utf-8")
    assert cli(emulator, "add", "--file", str(path), "--no-key")[0] == 0
    assert _client(emulator, "apigateway").get_api_keys()["items"] == []
    code, _, err = cli(emulator, "add", "--file", str(path))
    assert code == 4 and "exists already" in err


def test_a_deployment_target_uses_its_stage_names(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    target.add_arguments(parser)
    for spec in TABLES.values():
        monkeypatch.delenv(spec.env, raising=False)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    args = parser.parse_args(["--region", "ap-east-1", "--profile", "ops", "--stage", "dev"])
    monkeypatch.setattr(os, "environ", dict(os.environ))  # apply() writes; keep it local
    assert target.apply(args) == "dev"
    assert os.environ["SITES_TABLE"] == "iamsmart-dev-sites"
    assert os.environ["APIKEYS_TABLE"] == "iamsmart-dev-apikeys"
    assert os.environ["AWS_PROFILE"] == "ops" and os.environ["AWS_REGION"] == "ap-east-1"
    assert USAGE_PLANS["sites"].name_in("dev") == "iamsmart-dev-api-sites"
