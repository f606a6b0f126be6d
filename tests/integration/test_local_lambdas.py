"""Canary for the local Lambda adapter: it patches a private moto method, so a moto upgrade
that moves it must fail here first, loudly."""

from __future__ import annotations

import inspect
import json
import time
import uuid
from pathlib import Path

import pytest
from moto import mock_aws

from iamsmart import aws
from infra import names
from infra.local import lambdas
from infra.local.provision import _role, _zip

HANDLER = '''
class Rejected(Exception):
    pass

def run(event, context):
    if event.get("fail"):
        raise Rejected("no thanks")
    return {"doubled": event["n"] * 2, "function": context.function_name,
            "remaining_ok": context.get_remaining_time_in_millis() > 0}
'''


@pytest.fixture
def canary_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> names.FunctionSpec:
    asset = tmp_path / "functions" / "canary"
    asset.mkdir(parents=True)
    (asset / "handler.py").write_text(HANDLER)
    monkeypatch.setattr(names, "ROOT", tmp_path)
    spec = names.FunctionSpec("canary", asset="canary", handler="handler.run")
    monkeypatch.setitem(names.FUNCTIONS, "canary", spec)
    lambdas._module.cache_clear()
    yield spec
    lambdas._module.cache_clear()


def test_moto_still_has_the_private_seam_we_patch():
    from moto.awslambda.models import LambdaFunction

    params = list(inspect.signature(LambdaFunction._invoke_lambda).parameters)
    assert params[:2] == ["self", "event"]


def _deploy(spec: names.FunctionSpec) -> str:
    return aws.client("lambda").create_function(
        FunctionName=spec.name, Runtime="python3.12", Handler=spec.handler,
        Role=_role("canary-role", "lambda.amazonaws.com"), Code={"ZipFile": _zip(spec.source)},
    )["FunctionArn"]


def test_invoke_runs_our_handler_in_process(canary_function):
    lambdas.install()
    with mock_aws():
        aws.reset()
        _deploy(canary_function)
        out = aws.client("lambda").invoke(FunctionName=canary_function.name,
                                          Payload=json.dumps({"n": 21}))
        assert "FunctionError" not in out
        assert json.loads(out["Payload"].read()) == {
            "doubled": 42, "function": canary_function.name, "remaining_ok": True}

        failed = aws.client("lambda").invoke(FunctionName=canary_function.name,
                                             Payload=json.dumps({"fail": True}))
        assert failed["FunctionError"] == "Handled"
        assert json.loads(failed["Payload"].read())["errorType"] == "Rejected"


def test_step_functions_catch_matches_our_exception_class(canary_function):
    lambdas.install()
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "${CanaryArn}", "Payload.$": "$"},
                "OutputPath": "$.Payload",
                "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.error",
                           "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "Result": "caught", "ResultPath": "$.outcome",
                       "End": True},
        },
    }
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        aws.reset()
        arn = _deploy(canary_function)
        sfn = aws.client("stepfunctions")
        machine = sfn.create_state_machine(
            name="canary", roleArn=_role("canary-states", "states.amazonaws.com"),
            definition=json.dumps(definition).replace("${CanaryArn}", arn))["stateMachineArn"]

        def run(payload: dict) -> dict:
            execution = sfn.start_execution(stateMachineArn=machine, name=uuid.uuid4().hex,
                                            input=json.dumps(payload))
            for _ in range(200):
                desc = sfn.describe_execution(executionArn=execution["executionArn"])
                if desc["status"] != "RUNNING":
                    return desc
                time.sleep(0.05)
            raise AssertionError("execution did not finish")

        ok = run({"n": 2})
        assert ok["status"] == "SUCCEEDED"
        assert json.loads(ok["output"])["doubled"] == 4
        caught = run({"fail": True})
        assert caught["status"] == "SUCCEEDED"
        output = json.loads(caught["output"])
        assert output["outcome"] == "caught"
        assert output["error"]["Error"] == "Rejected"
