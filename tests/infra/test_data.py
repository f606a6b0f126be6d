"""Every table in infra.names.TABLES, as specified: keys, CMK, PITR, TTL, retention."""

from __future__ import annotations

import pytest
from infra_synth import STAGE, Synth, synthesized

from infra.names import TABLES, TableSpec, resource_name

SPECS = list(TABLES.values())


def table(synth: Synth, spec: TableSpec) -> tuple[str, dict]:
    return synth.one("AWS::DynamoDB::Table", "data", TableName=spec.name_in(synth.stage))


def test_the_tables_are_exactly_the_specified_ones(synth: Synth) -> None:
    names = {r["Properties"]["TableName"] for _, _, r in synth.resources("AWS::DynamoDB::Table")}
    assert names == {spec.name_in(STAGE) for spec in SPECS}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_keys_match_the_spec(synth: Synth, spec: TableSpec) -> None:
    props = table(synth, spec)[1]["Properties"]
    expected = [{"AttributeName": spec.partition_key, "KeyType": "HASH"}]
    if spec.sort_key:
        expected.append({"AttributeName": spec.sort_key, "KeyType": "RANGE"})
    assert props["KeySchema"] == expected
    types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    assert {k["AttributeName"] for k in expected} <= types.keys()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_encrypted_with_its_own_rotated_customer_managed_key(synth: Synth, spec: TableSpec) -> None:
    props = table(synth, spec)[1]["Properties"]
    sse = props["SSESpecification"]
    assert sse["SSEEnabled"] is True and sse["SSEType"] == "KMS"
    key_ref = sse["KMSMasterKeyId"]
    assert key_ref == {"Fn::GetAtt": [key_ref["Fn::GetAtt"][0], "Arn"]}
    key = synth.template("data")["Resources"][key_ref["Fn::GetAtt"][0]]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    # One key per table: no other table uses this key.
    users = [
        r
        for _, _, r in synth.resources("AWS::DynamoDB::Table")
        if r["Properties"]["SSESpecification"]["KMSMasterKeyId"] == key_ref
    ]
    assert len(users) == 1


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_on_demand_with_point_in_time_recovery(synth: Synth, spec: TableSpec) -> None:
    props = table(synth, spec)[1]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    pitr = props["PointInTimeRecoverySpecification"]
    assert pitr["PointInTimeRecoveryEnabled"] is True


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_ttl_exactly_where_the_spec_has_one(synth: Synth, spec: TableSpec) -> None:
    props = table(synth, spec)[1]["Properties"]
    if spec.ttl_attribute:
        ttl = props["TimeToLiveSpecification"]
        assert ttl == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in props


def test_dev_tables_can_be_destroyed(synth: Synth) -> None:
    for spec in SPECS:
        logical, resource = table(synth, spec)
        assert resource["DeletionPolicy"] == "Delete", logical
        assert not resource["Properties"].get("DeletionProtectionEnabled")


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The ops and data stacks synthesized with ``-c stage=prod`` (cheap: no chalice, no web)."""
    from aws_cdk import App

    from infra.stacks.data import DataStack
    from infra.stacks.ops import OpsStack

    outdir = tmp_path_factory.mktemp("cdk.out.prod")
    app = App(outdir=str(outdir), context={"stage": "prod", "help_email": "help@example.hk"})
    ops = OpsStack(app, resource_name("ops", "prod"))
    DataStack(app, resource_name("data", "prod"), alarm_topic=ops.topic)
    return synthesized(app, outdir)


def test_prod_tables_and_keys_are_retained_and_protected(prod: Synth) -> None:
    assert prod.error is None
    for spec in SPECS:
        _, resource = table(prod, spec)
        assert resource["DeletionPolicy"] == "Retain"
        assert resource["UpdateReplacePolicy"] == "Retain"
        assert resource["Properties"]["DeletionProtectionEnabled"] is True
    for _, logical, key in prod.resources("AWS::KMS::Key", "data"):
        assert key["DeletionPolicy"] == "Retain", logical
