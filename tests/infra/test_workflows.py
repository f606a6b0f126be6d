"""Lambda functions and state machines built from infra.names, and the refresh schedule."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from infra_synth import STAGE, Synth, as_list

from infra.names import (
    FEEDS_REFRESH_MINUTES,
    FUNCTIONS,
    STATE_MACHINES,
    FunctionSpec,
    StateMachineSpec,
    table_environment,
)

FUNCTION_SPECS = list(FUNCTIONS.values())
MACHINE_SPECS = list(STATE_MACHINES.values())


def function(synth: Synth, spec: FunctionSpec) -> tuple[str, dict]:
    return synth.one("AWS::Lambda::Function", "workflows", FunctionName=spec.name_in(STAGE))


def machine(synth: Synth, spec: StateMachineSpec) -> tuple[str, dict]:
    return synth.one("AWS::StepFunctions::StateMachine", "workflows",
                     StateMachineName=spec.name_in(STAGE))


@pytest.mark.parametrize("spec", FUNCTION_SPECS, ids=lambda s: s.id)
def test_function_matches_its_spec(synth: Synth, spec: FunctionSpec) -> None:
    props = function(synth, spec)[1]["Properties"]
    assert props["Handler"] == spec.handler
    assert props["Runtime"] == "python3.12"
    assert props["Architectures"] == ["x86_64"]
    assert props["Timeout"] == spec.timeout_seconds
    assert props["MemorySize"] == spec.memory_mb
    assert props["TracingConfig"] == {"Mode": "Active"}
    env = props["Environment"]["Variables"]
    assert table_environment(STAGE).items() <= env.items()
    assert env["STAGE"] == "dev"
    assert "FEED_URLS" not in env  # the functions' defaults apply


@pytest.mark.parametrize("spec", FUNCTION_SPECS, ids=lambda s: s.id)
def test_function_has_both_layers_and_a_retained_log_group(
    synth: Synth, spec: FunctionSpec
) -> None:
    props = function(synth, spec)[1]["Properties"]
    resources = synth.template("workflows")["Resources"]
    layers = [resources[ref["Ref"]] for ref in props["Layers"]]
    assert [layer["Type"] for layer in layers] == ["AWS::Lambda::LayerVersion"] * 2
    descriptions = [layer["Properties"]["Description"] for layer in layers]
    assert "iamsmart package" in descriptions[0] and "third-party" in descriptions[1]
    log_group = resources[props["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Properties"]["LogGroupName"] == f"/aws/lambda/{spec.name_in(STAGE)}"
    assert log_group["Properties"]["RetentionInDays"] > 0


def test_core_layer_ships_the_iamsmart_package(synth: Synth) -> None:
    _, _, layer = next(
        (s, lg, r)
        for s, lg, r in synth.resources("AWS::Lambda::LayerVersion", "workflows")
        if "iamsmart package" in r["Properties"]["Description"]
    )
    key = layer["Properties"]["Content"]["S3Key"]
    staged = synth.outdir / f"asset.{key.removesuffix('.zip')}"
    assert (staged / "python" / "iamsmart" / "__init__.py").is_file()
    assert not list(staged.rglob("__pycache__"))


def rendered_definition(synth: Synth, spec: StateMachineSpec) -> tuple[str, dict[str, str]]:
    """The ASL as deployed, with each substitution replaced by the function it names."""
    props = machine(synth, spec)[1]["Properties"]
    key = props["DefinitionS3Location"]["Key"]
    text = (synth.outdir / f"asset.{key}").read_text()
    resources = synth.template("workflows")["Resources"]
    names: dict[str, str] = {}
    for placeholder, value in props["DefinitionSubstitutions"].items():
        logical, attribute = value["Fn::GetAtt"]
        assert attribute == "Arn"
        name = resources[logical]["Properties"]["FunctionName"]
        names[placeholder] = name
        text = text.replace("${" + placeholder + "}", f"arn:aws:lambda:::function:{name}")
    return text, names


@pytest.mark.parametrize("spec", MACHINE_SPECS, ids=lambda s: s.id)
def test_definition_invokes_the_real_functions(synth: Synth, spec: StateMachineSpec) -> None:
    text, names = rendered_definition(synth, spec)
    assert "${" not in text
    invoked = set(re.findall(r'"FunctionName":\s*"arn:aws:lambda:::function:([\w-]+)"', text))
    assert invoked == {FUNCTIONS[fid].name_in(STAGE) for fid in spec.functions}
    json.loads(text)  # still valid JSON


@pytest.mark.parametrize("spec", MACHINE_SPECS, ids=lambda s: s.id)
def test_state_machine_logs_all_and_traces(synth: Synth, spec: StateMachineSpec) -> None:
    props = machine(synth, spec)[1]["Properties"]
    assert props["StateMachineType"] == ("EXPRESS" if spec.express else "STANDARD")
    logging = props["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    assert logging["IncludeExecutionData"] is False  # payloads may hold personal data
    group = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert synth.template("workflows")["Resources"][group]["Type"] == "AWS::Logs::LogGroup"
    assert props["TracingConfiguration"] == {"Enabled": True}


@pytest.mark.parametrize("spec", MACHINE_SPECS, ids=lambda s: s.id)
def test_state_machine_may_invoke_exactly_its_functions(
    synth: Synth, spec: StateMachineSpec
) -> None:
    props = machine(synth, spec)[1]["Properties"]
    role = props["RoleArn"]["Fn::GetAtt"][0]
    invoke = [
        s
        for s in synth.role_statements("workflows", role)
        if "lambda:InvokeFunction" in as_list(s["Action"])
    ]
    targets = {
        r["Fn::GetAtt"][0] for s in invoke for r in as_list(s["Resource"]) if "Fn::GetAtt" in r
    }
    expected = {
        synth.function_logical_id("workflows", FUNCTIONS[fid].name_in(STAGE))
        for fid in spec.functions
    }
    assert targets == expected
    assert all(isinstance(r, dict) for s in invoke for r in as_list(s["Resource"]))


def test_refresh_feeds_runs_on_schedule(synth: Synth) -> None:
    logical, _ = machine(synth, STATE_MACHINES["refresh-feeds"])
    schedules = [
        r["Properties"]
        for _, _, r in synth.resources("AWS::Scheduler::Schedule", "workflows")
        if r["Properties"]["Target"]["Arn"] == {"Ref": logical}
    ]
    assert [s["ScheduleExpression"] for s in schedules] == [
        f"rate({FEEDS_REFRESH_MINUTES} minutes)"
    ]
    assert schedules[0]["State"] == "ENABLED"


def test_an_asl_placeholder_without_a_function_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_cdk import App, Stack
    from aws_cdk import aws_lambda as lambda_

    import infra.names
    from infra.constructs.workflow import AslStateMachine
    from infra.stacks.config import DeployConfig

    monkeypatch.setattr(infra.names, "ROOT", tmp_path)  # StateMachineSpec.path follows it
    asl = tmp_path / "statemachines" / "odd.asl.json"
    asl.parent.mkdir()
    task = {"Type": "Task", "Resource": "${FeedsPlanArn}", "Next": "B"}
    other = {"Type": "Task", "Resource": "${NobodyArn}", "End": True}
    asl.write_text(json.dumps({"StartAt": "A", "States": {"A": task, "B": other}}))
    spec = StateMachineSpec("odd", file="odd.asl.json", functions=("feeds-plan",))
    stack = Stack(App(), "S")
    plan = lambda_.Function.from_function_arn(
        stack, "Plan", "arn:aws:lambda:ap-east-1:123456789012:function:iamsmart-feeds-plan"
    )
    with pytest.raises(ValueError, match="NobodyArn"):
        AslStateMachine(
            stack, "Odd", spec=spec, functions={"feeds-plan": plan}, config=DeployConfig("dev")
        )


def test_code_that_finds_resources_by_name_is_told_the_staged_names(synth: Synth) -> None:
    """Names carry the stage (iamsmart-dev-...): the code's local defaults ("iamsmart-...")
    must never be what a deployed function falls back to."""
    from infra.names import FUNCTIONS as SPECS
    from infra.names import STATE_MACHINES as MACHINES
    from infra.names import prefix

    _, drain = function(synth, SPECS["registration-drain"])
    env = drain["Properties"]["Environment"]["Variables"]
    [(_, logical)] = synth.referenced_logical_ids(env["REGISTRATION_STATE_MACHINE_ARN"],
                                                  f"{prefix(STAGE)}-workflows")
    machine_logical, _ = machine(synth, MACHINES["registration"])
    assert logical == machine_logical
    for spec in SPECS.values():
        _, fn = function(synth, spec)
        variables = fn["Properties"]["Environment"]["Variables"]
        for name, value in variables.items():
            if isinstance(value, str) and value.startswith("iamsmart-"):
                staged = value == prefix(STAGE) or value.startswith(f"{prefix(STAGE)}-")
                assert staged, (spec.id, name, value)
