"""The seeding CLI against the emulator, the same code path as against AWS: stage ``dev`` as
the CDK app leaves it (its tables, usage plans and public origin parameter, stage-prefixed),
seeded twice: the first run creates the catalogue, keys (through the API key registry),
client and trust anchors and prints each key's value once; the second creates nothing and
prints no secret. Refused plans write nothing."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from iamsmart import aws
from infra import seeding
from infra.local import provision
from infra.local.platform import apply_environment, local_environment
from infra.names import PARAMETERS, TABLES, USAGE_PLANS
from tools import seed

ORIGIN = "https://d111111abcdef8.cloudfront.net"
STAGE = "dev"


@pytest.fixture
def stage(tmp_path: Path) -> Iterator[Path]:
    """A freshly deployed stage in moto; an AWS profile ``ops`` in a private config file."""
    saved = dict(os.environ)
    env = local_environment(None, {})
    env.pop("FACE_ENGINE")  # AWS's engine: no local template key to make
    os.environ.update(env)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    (tmp_path / "config").write_text("[profile ops]\nregion = ap-east-1\n")
    (tmp_path / "credentials").write_text(
        "[ops]\naws_access_key_id = ops\naws_secret_access_key = ops\n")
    os.environ["AWS_CONFIG_FILE"] = str(tmp_path / "config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "credentials")
    apply_environment(env)
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        provision.create_tables(STAGE)  # what the CDK app deploys ...
        provision.create_usage_plans(STAGE)
        provision.create_parameters(ORIGIN, STAGE)  # ... and the web stack writes
        yield tmp_path
    os.environ.clear()
    os.environ.update(saved)
    apply_environment({})


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = seed.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _keys() -> dict[str, dict]:
    apigw = aws.client("apigateway")
    return {k["name"]: k for k in apigw.get_api_keys(includeValues=True)["items"]}


def _plan_keys(plan: str) -> set[str]:
    apigw = aws.client("apigateway")
    [plan_id] = [p["id"] for p in apigw.get_usage_plans()["items"]
                 if p["name"] == USAGE_PLANS[plan].name_in(STAGE)]
    return {k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan_id)["items"]}


def _holders() -> dict[str, dict]:
    items = aws.client("dynamodb").scan(TableName=TABLES["apikeys"].name_in(STAGE))["Items"]
    return {i["key_id"]["S"]: {k: v["S"] for k, v in i.items() if "S" in v} for i in items}


def _client_file(folder: Path) -> Path:
    from joserfc.jwk import ECKey

    key = ECKey.generate_key("P-256", private=True)
    public = key.as_dict(private=False)
    path = folder / "td-app.json"
    path.write_text(json.dumps({
        "client_id": "td-app", "name_en": "Transport Department", "name_tc": "運輸署",
        "department": "TD", "redirect_uris": ["https://td.example.gov.hk/callback"],
        "jwks": {"keys": [{**public, "kid": "td-1", "use": "sig", "alg": "ES256"}]},
        "scopes": ["openid", "profile"]}), encoding="utf-8")
    return path


def test_seeding_twice_creates_once_and_shows_each_secret_once(stage: Path) -> None:
    from iamsmart.oidc import clients
    from iamsmart.registration import trust

    client = _client_file(stage)
    csca = trust.SANDBOX_CSCA
    argv = ("--stage", STAGE, "--region", "ap-east-1", "--profile", "ops",
            "--department", "TD", "--department", "imMD", "--staff", "reviewer-01",
            "--client", str(client), "--csca", str(csca))
    code, out, err = _run(*argv)
    assert code == 0, err
    assert os.environ["AWS_PROFILE"] == "ops"

    # The catalogue, as the local platform seeds it.
    services = aws.client("dynamodb").scan(TableName=TABLES["services"].name_in(STAGE),
                                           Select="COUNT")
    assert services["Count"] >= 51 and "seed_catalogue: created 51" in out

    # Keys: on their kind's usage plan of the stage, their holder in the registry the API
    # reads, each value printed once.
    keys = _keys()
    wanted = {"iamsmart-dev-department-td": ("departments", {"department": "TD"}),
              "iamsmart-dev-department-immd": ("departments", {"department": "IMMD"}),
              "iamsmart-dev-staff-reviewer-01": ("staff", {"kind": "registration-staff",
                                                           "staff": "reviewer-01"})}
    assert set(keys) == set(wanted)
    holders = _holders()
    for name, (plan, holder) in wanted.items():
        key = keys[name]
        assert key["id"] in _plan_keys(plan) and key["enabled"]
        assert holder.items() <= holders[key["id"]].items()
        assert out.count(key["value"]) == 1
        assert f"api key created {name}: {key['value']}" in out

    # The client (validated as the clients CLI validates), the anchors, the origin.
    assert clients.get("td-app").department == "TD"
    assert "client registered td-app" in out
    master_list = aws.client("ssm").get_parameter(
        Name=PARAMETERS["csca-master-list"].name_in(STAGE))["Parameter"]["Value"]
    assert master_list.strip() == csca.read_text().strip()
    assert "chip trust anchors: written" in out
    assert f"public origin (OIDC issuer): {ORIGIN}" in out

    # Again: nothing new, no secret shown.
    code, again, err = _run(*argv)
    assert code == 0, err
    assert _keys() == keys and _holders() == holders
    assert not any(k["value"] in again for k in keys.values())
    assert "api key created" not in again and again.count("api key exists") == 3
    assert "seed_catalogue: created 0" in again and "client exists td-app" in again
    assert "chip trust anchors: unchanged" in again


def test_sandbox_seeding_is_what_the_local_platform_runs(stage: Path) -> None:
    code, out, err = _run("--stage", STAGE, "--sandbox")
    assert code == 0, err
    departments, staff = seeding.sandbox_keys(STAGE)
    keys = _keys()
    assert {r.name for r in [*departments.values(), staff]} <= set(keys)
    sites = {k for k in keys if k.startswith("site-")}
    assert sites and set(keys) == {r.name for r in [*departments.values(), staff]} | sites
    assert "seed_sandbox_citizens: created" in out and out.count("site key created") == len(
        sites)
    from iamsmart.registration import trust

    assert trust.anchors() == (trust.sandbox_csca(),)
    code, again, err = _run("--stage", STAGE, "--sandbox")
    assert code == 0 and "key created" not in again and _keys() == keys


@pytest.mark.parametrize("argv", [
    ("--stage", "prod", "--sandbox", "--department", "TD"),
    ("--stage", "prod", "--csca", "SANDBOX", "--department", "TD"),
    ("--stage", "dev", "--department", "TD", "--staff", "Not A Staff Id"),
    ("--stage", "dev", "--department", "TD", "--client", "MISSING"),
])
def test_a_refused_plan_writes_nothing(stage: Path, argv: tuple[str, ...]) -> None:
    from iamsmart.registration import trust

    argv = tuple(str(trust.SANDBOX_CSCA) if a == "SANDBOX" else
                 str(stage / "missing.json") if a == "MISSING" else a for a in argv)
    code, out, err = _run(*argv)
    assert code == seed.EXIT_INVALID and "refused, nothing written" in err
    assert _keys() == {}
    services = aws.client("dynamodb").scan(TableName=TABLES["services"].name_in(STAGE),
                                           Select="COUNT")
    assert services["Count"] == 0
    ssm = aws.client("ssm")
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name=PARAMETERS["csca-master-list"].name_in(STAGE))


def test_keys_need_the_deployed_usage_plan(stage: Path) -> None:
    apigw = aws.client("apigateway")
    [plan] = [p["id"] for p in apigw.get_usage_plans()["items"]
              if p["name"] == USAGE_PLANS["departments"].name_in(STAGE)]
    apigw.delete_usage_plan(usagePlanId=plan)
    code, _, err = _run("--stage", STAGE, "--department", "TD")
    assert code == seed.EXIT_INVALID and "deploy the API stack first" in err
    assert _keys() == {}
