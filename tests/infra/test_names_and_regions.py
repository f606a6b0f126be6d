"""Several deployments per account (every name starts with the stage's prefix) and the face
region (validated at synth: Rekognition collections and Face Liveness both offered)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from infra_synth import STAGE, Synth, stack_name

from infra.names import FACE_REGIONS, FACES_REGION, KEYS, TABLES, prefix

# Properties that name a resource in an account or region (where two stages could collide).
NAME_PROPERTIES = ("TableName", "FunctionName", "StateMachineName", "QueueName", "AliasName",
                   "TopicName", "RoleName", "AlarmName", "DashboardName", "LogGroupName",
                   "UsagePlanName", "CollectionId", "BucketName", "Name", "ScheduleGroupName")


def _names(synth: Synth) -> list[tuple[str, str, str, Any]]:
    found = []
    for stack, template in synth.templates.items():
        for logical, resource in template["Resources"].items():
            props = resource.get("Properties", {})
            for prop in NAME_PROPERTIES:
                if prop in props:
                    found.append((stack, logical, prop, props[prop]))
            config = props.get("ResponseHeadersPolicyConfig", {})
            if "Name" in config:
                found.append((stack, logical, "ResponseHeadersPolicyConfig.Name",
                              config["Name"]))
    return found


def _log_group_of_a_referenced_function(value: Any) -> bool:
    parts = value.get("Fn::Join", [None, []])[1] if isinstance(value, dict) else []
    return (len(parts) == 2 and parts[0] == "/aws/lambda/" and isinstance(parts[1], dict)
            and set(parts[1]) == {"Ref"})


def test_every_stack_name_starts_with_the_stage_prefix(synth: Synth) -> None:
    assert synth.templates
    for name in synth.templates:
        assert name.startswith(f"{prefix(STAGE)}-"), name


def test_every_resource_name_starts_with_the_stage_prefix(synth: Synth) -> None:
    names = _names(synth)
    assert len({prop for _, _, prop, _ in names}) >= 10  # the walk sees the names
    for stack, logical, prop, value in names:
        if isinstance(value, dict) and ({"Ref", "Fn::GetAtt", "Fn::ImportValue"} & set(value)):
            continue  # a reference to a resource named elsewhere (checked there)
        if _log_group_of_a_referenced_function(value):
            continue  # cdk.json's useCdkManagedLogGroup: "/aws/lambda/" + a function's Ref
        text = json.dumps(value)
        # "/aws/lambda/iamsmart-dev-x", "alias/iamsmart-dev-x", "iamsmart-dev-x-<account>", or
        # a name CDK generated from the stack's ("ap-east-1iamsmartdevwebSiteRouter...").
        ours = f"{prefix(STAGE)}-" in text or prefix(STAGE).replace("-", "") in text
        assert ours, (stack, logical, prop, value)


def test_two_stages_never_share_a_name() -> None:
    for stage in ("dev", "prod"):
        other = "prod" if stage == "dev" else "dev"
        for spec in [*TABLES.values()]:
            assert spec.name_in(stage) != spec.name_in(other)
        for key in KEYS.values():
            assert key.alias_in(stage) != key.alias_in(other)
    with pytest.raises(ValueError, match="stage"):
        prefix("local")


def test_the_faces_stack_and_rekognition_grants_are_in_the_face_region(synth: Synth) -> None:
    manifest = json.loads((synth.outdir / "manifest.json").read_text())
    environment = manifest["artifacts"][stack_name("faces")]["environment"]
    assert environment.endswith(f"/{FACES_REGION}")
    assert FACES_REGION in FACE_REGIONS
    assert "ap-southeast-1" not in json.dumps(synth.templates)  # no Face Liveness there


def _config(context: dict[str, Any]) -> Any:
    from aws_cdk import App

    from infra.stacks.config import DeployConfig

    return DeployConfig.of(App(context=context))


@pytest.mark.parametrize("region", ["ap-southeast-1", "ap-east-1", "eu-central-1", ""])
def test_a_face_region_without_collections_and_liveness_is_refused_at_synth(
        region: str) -> None:
    if not region:
        assert _config({}).face_region == FACES_REGION
        return
    with pytest.raises(ValueError, match="Face Liveness"):
        _config({"face_region": region})


@pytest.mark.parametrize("region", FACE_REGIONS)
def test_every_offered_face_region_is_accepted(region: str) -> None:
    assert _config({"face_region": region}).face_region == region


def test_alarm_email_must_be_an_address() -> None:
    with pytest.raises(ValueError, match="alarm_email"):
        _config({"alarm_email": "not an address"})
    assert _config({"alarm_email": "ops@example.org"}).alarm_email == "ops@example.org"
