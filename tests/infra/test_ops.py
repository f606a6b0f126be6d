"""Alarms for every function, the API, every state machine and table, to an encrypted topic."""

from __future__ import annotations

import pytest
from infra_synth import Synth

from infra.names import APP, FUNCTIONS, STATE_MACHINES, TABLES


def alarms(synth: Synth) -> list[tuple[str, dict]]:
    return [(s, r["Properties"]) for s, _, r in synth.resources("AWS::CloudWatch::Alarm")]


def topic_logical_id(synth: Synth) -> str:
    [(_, logical, topic)] = list(synth.resources("AWS::SNS::Topic", "ops"))
    assert "KmsMasterKeyId" in topic["Properties"]  # encrypted with the ops CMK
    return logical


def notifies_topic(synth: Synth, stack: str, alarm: dict) -> bool:
    topic = ("iamsmart-ops", topic_logical_id(synth))
    return topic in synth.referenced_logical_ids(alarm.get("AlarmActions", []), stack)


def alarmed_dimension_refs(synth: Synth, namespace: str, metric: str) -> set[tuple[str, str]]:
    """(stack, logical id) referenced by the dimensions of alarms on one metric."""
    refs: set[tuple[str, str]] = set()
    for stack, alarm in alarms(synth):
        if alarm.get("Namespace") == namespace and alarm.get("MetricName") == metric:
            assert notifies_topic(synth, stack, alarm), alarm["AlarmName"]
            refs |= synth.referenced_logical_ids(alarm.get("Dimensions", []), stack)
    return refs


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_error_and_throttle_alarms(synth: Synth, metric: str) -> None:
    refs = alarmed_dimension_refs(synth, "AWS/Lambda", metric)
    for spec in FUNCTIONS.values():
        logical = synth.function_logical_id("workflows", spec.name)
        assert ("iamsmart-workflows", logical) in refs, spec.id
    assert ("iamsmart-api", "APIHandler") in refs


def test_api_5xx_alarm(synth: Synth) -> None:
    found = [
        a
        for s, a in alarms(synth)
        if a.get("MetricName") == "5XXError"
        and {"Name": "ApiName", "Value": f"{APP}-api"} in a["Dimensions"]
        and {"Name": "Stage", "Value": "api"} in a["Dimensions"]
        and notifies_topic(synth, s, a)
    ]
    assert found


def test_every_state_machine_alarms_on_failed_executions(synth: Synth) -> None:
    refs = alarmed_dimension_refs(synth, "AWS/States", "ExecutionsFailed")
    machines = {
        r["Properties"]["StateMachineName"]: logical
        for _, logical, r in synth.resources("AWS::StepFunctions::StateMachine", "workflows")
    }
    for spec in STATE_MACHINES.values():
        assert ("iamsmart-workflows", machines[spec.name]) in refs, spec.id


def test_every_table_alarms_on_throttling(synth: Synth) -> None:
    throttled: set[str] = set()
    for stack, alarm in alarms(synth):
        metrics = alarm.get("Metrics", [])
        names = {m.get("MetricStat", {}).get("Metric", {}).get("MetricName") for m in metrics}
        if {"ReadThrottleEvents", "WriteThrottleEvents"} <= names:
            assert notifies_topic(synth, stack, alarm)
            throttled |= synth.tables_referenced(metrics, stack)
    assert throttled == set(TABLES)


def test_cloudwatch_may_use_the_topic_key(synth: Synth) -> None:
    [(_, _, key)] = list(synth.resources("AWS::KMS::Key", "ops"))
    assert key["Properties"]["EnableKeyRotation"] is True
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    assert any(
        s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
        and {"kms:Decrypt", "kms:GenerateDataKey"} <= set(s["Action"])
        for s in statements
    )
