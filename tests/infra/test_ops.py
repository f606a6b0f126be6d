"""Alarms for every function, the API, every state machine and table, to an encrypted topic."""

from __future__ import annotations

import pytest
from infra_synth import STAGE, Synth, stack_name

from infra.names import FUNCTIONS, STATE_MACHINES, TABLES


def alarms(synth: Synth) -> list[tuple[str, dict]]:
    return [(s, r["Properties"]) for s, _, r in synth.resources("AWS::CloudWatch::Alarm")]


def topic_logical_id(synth: Synth) -> str:
    [(_, logical, topic)] = list(synth.resources("AWS::SNS::Topic", "ops"))
    assert "KmsMasterKeyId" in topic["Properties"]  # encrypted with the ops CMK
    return logical


def notifies_topic(synth: Synth, stack: str, alarm: dict) -> bool:
    topic = (stack_name("ops"), topic_logical_id(synth))
    return topic in synth.referenced_logical_ids(alarm.get("AlarmActions", []), stack)


def metrics_of(alarm: dict) -> list[dict]:
    """The metrics an alarm watches: its one metric, or those of its math expression."""
    if "MetricName" in alarm:
        return [{"Namespace": alarm.get("Namespace"), "MetricName": alarm["MetricName"],
                 "Dimensions": alarm.get("Dimensions", [])}]
    return [m["MetricStat"]["Metric"] for m in alarm.get("Metrics", []) if "MetricStat" in m]


def alarmed_dimension_refs(synth: Synth, namespace: str, metric: str) -> set[tuple[str, str]]:
    """(stack, logical id) referenced by the dimensions of alarms on one metric (alone or
    in a math expression)."""
    refs: set[tuple[str, str]] = set()
    for stack, alarm in alarms(synth):
        for watched in metrics_of(alarm):
            if watched.get("Namespace") == namespace and watched.get("MetricName") == metric:
                assert notifies_topic(synth, stack, alarm), alarm["AlarmName"]
                refs |= synth.referenced_logical_ids(watched.get("Dimensions", []), stack)
    return refs


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_error_and_throttle_alarms(synth: Synth, metric: str) -> None:
    refs = alarmed_dimension_refs(synth, "AWS/Lambda", metric)
    for spec in FUNCTIONS.values():
        logical = synth.function_logical_id("workflows", spec.name_in(STAGE))
        assert (stack_name("workflows"), logical) in refs, spec.id
    assert (stack_name("api"), "APIHandler") in refs


def test_a_workflow_functions_errors_alarm_leaves_out_the_refusals_its_task_counted(
        synth: Synth) -> None:
    """A face that does not match is raised for the workflow's Catch (a Lambda error):
    the alarm watches the function's errors less its task's refusals (the decorator counts
    ``WorkflowTask`` with exactly these dimensions: tests/unit/test_workflow_tasks.py)."""
    from iamsmart.metrics import NAMESPACE, Metric
    from infra.names import prefix

    workflows = stack_name("workflows")
    for spec in FUNCTIONS.values():
        logical = synth.function_logical_id("workflows", spec.name_in(STAGE))
        [alarm] = [a for s, a in alarms(synth) if s == workflows and any(
            m["MetricName"] == "Errors" and (workflows, logical)
            in synth.referenced_logical_ids(m["Dimensions"], workflows)
            for m in metrics_of(a))]
        [expression] = [m["Expression"] for m in alarm["Metrics"] if "Expression" in m]
        assert expression == "e - FILL(r, 0)", spec.id
        refused = next(m["MetricStat"]["Metric"] for m in alarm["Metrics"] if m["Id"] == "r")
        assert refused["Namespace"] == NAMESPACE
        assert refused["MetricName"] == Metric.WORKFLOW_TASK
        assert {d["Name"]: d["Value"] for d in refused["Dimensions"]} == {
            "service": prefix(STAGE), "task": spec.id, "outcome": "refused"}
        assert alarm["Threshold"] == 1


def test_api_5xx_alarm(synth: Synth) -> None:
    found = [
        a
        for s, a in alarms(synth)
        if a.get("MetricName") == "5XXError"
        and {"Name": "ApiName", "Value": stack_name("api")} in a["Dimensions"]
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
        assert (stack_name("workflows"), machines[spec.name_in(STAGE)]) in refs, spec.id


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


def test_every_dead_letter_queue_has_an_alarm(synth: Synth) -> None:
    """Walks every queue: each one named as another's dead-letter target has an alarm on
    the messages it holds, notifying the topic."""
    dlqs: set[tuple[str, str]] = set()
    for stack, _, queue in synth.resources("AWS::SQS::Queue"):
        redrive = queue["Properties"].get("RedrivePolicy")
        if redrive:
            dlqs |= synth.referenced_logical_ids(redrive["deadLetterTargetArn"], stack)
    assert dlqs, "the registration intake queue has a dead-letter queue"
    alarmed = alarmed_dimension_refs(synth, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert dlqs <= alarmed


def _dashboard(synth: Synth) -> dict:
    import json

    [(_, _, board)] = list(synth.resources("AWS::CloudWatch::Dashboard", "ops"))
    body = board["Properties"]["DashboardBody"]
    text = "".join(p if isinstance(p, str) else "token" for p in body["Fn::Join"][1])
    return json.loads(text)


def _published_metric_names() -> set[str]:
    """Every metric name the code publishes: the constants of iamsmart.metrics (the code
    counts with nothing else: tests/unit/test_metric_names.py)."""
    from iamsmart.metrics import Metric

    return {m.value for m in Metric}


def test_the_dashboard_plots_golden_signals_from_metric_names_the_code_publishes(
        synth: Synth) -> None:
    import re

    from infra.names import prefix

    board = _dashboard(synth)
    titles = {w["properties"].get("title") for w in board["widgets"]}
    for signal in ("Logins", "Approvals in the app", "Registrations", "Data fetches",
                   "Face step-ups", "Errors", "Throttles", "API latency (ms)"):
        assert signal in titles
    text = str(board)
    searched = set(re.findall(r"\{IAmSmart,service,\w+\} MetricName=\\?\"(\w+)", text))
    assert searched and searched <= _published_metric_names()
    # This stage's metrics only (the functions' POWERTOOLS_SERVICE_NAME).
    assert f'service=\\"{prefix(STAGE)}\\"' in text or f'service="{prefix(STAGE)}"' in text
    assert {"LoginAuthenticated", "LoginApproval", "WorkflowTask"} <= searched


@pytest.mark.parametrize("metric", ["TaskError", "TokenReplay"])
def test_alarms_watch_the_code_s_own_metrics_by_their_published_names(synth: Synth,
                                                                       metric: str) -> None:
    """The alarm watches the name the code counts, with exactly the dimensions it counts
    with (``service`` only): CloudWatch matches a metric by its whole set of dimensions."""
    from iamsmart.metrics import NAMESPACE
    from infra.names import prefix

    assert metric in _published_metric_names()
    found = [(s, a) for s, a in alarms(synth)
             if a.get("Namespace") == NAMESPACE and a.get("MetricName") == metric]
    assert len(found) == 1, metric
    stack, alarm = found[0]
    assert alarm["Dimensions"] == [{"Name": "service", "Value": prefix(STAGE)}]
    assert notifies_topic(synth, stack, alarm)


def test_alarm_email_subscribes_the_address(tmp_path_factory: pytest.TempPathFactory) -> None:
    from aws_cdk import App
    from infra_synth import synthesized

    from infra.stacks.ops import OpsStack

    outdir = tmp_path_factory.mktemp("cdk.out.email")
    app = App(outdir=str(outdir), context={"stage": "dev", "alarm_email": "ops@example.org"})
    OpsStack(app, stack_name("ops"))
    ops = synthesized(app, outdir)
    [(_, _, subscription)] = list(ops.resources("AWS::SNS::Subscription", "ops"))
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "ops@example.org"
    assert subscription["Properties"]["TopicArn"] == {"Ref": topic_logical_id(ops)}


def test_no_alarm_email_no_subscription(synth: Synth) -> None:
    assert not list(synth.resources("AWS::SNS::Subscription", "ops"))
