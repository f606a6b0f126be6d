"""Contract of the emulator's ``StartSyncExecution`` (infra/local/express.py): moto 5.2.5 does
not serve it, production calls nothing else for its Express machines. The answer has AWS's
shape; the private moto names it uses fail here first on a moto upgrade."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.server import ThreadedMotoServer

from iamsmart import aws
from infra import names
from infra.local import express, lambdas
from infra.local.provision import _role, _zip

HANDLER = '''
class Rejected(Exception):
    pass

def run(event, context):
    if event.get("fail"):
        raise Rejected("no thanks")
    return {"doubled": event["n"] * 2}
'''

MACHINE = {
    "StartAt": "Call",
    "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": {"FunctionName": "${Arn}", "Payload.$": "$"},
                        "OutputPath": "$.Payload", "End": True}},
}


@pytest.fixture
def canary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[names.FunctionSpec]:
    asset = tmp_path / "functions" / "canary"
    asset.mkdir(parents=True)
    (asset / "handler.py").write_text(HANDLER)
    monkeypatch.setattr(names, "ROOT", tmp_path)
    spec = names.FunctionSpec("canary", asset="canary", handler="handler.run")
    monkeypatch.setitem(names.FUNCTIONS, "canary", spec)
    # What the local platform's environment sets (infra/local/platform.py).
    monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
    lambdas._module.cache_clear()
    lambdas.install()
    yield spec
    lambdas._module.cache_clear()
    aws.reset()


def _function(spec: names.FunctionSpec) -> str:
    return str(aws.client("lambda").create_function(
        FunctionName=spec.name, Runtime="python3.12", Handler=spec.handler,
        Role=_role("canary-role", "lambda.amazonaws.com"),
        Code={"ZipFile": _zip(spec.source)})["FunctionArn"])


def _machine(arn: str, kind: str = "EXPRESS", name: str = "canary") -> str:
    return str(aws.client("stepfunctions").create_state_machine(
        name=name, type=kind, roleArn=_role(f"canary-states-{name}", "states.amazonaws.com"),
        definition=json.dumps(MACHINE).replace("${Arn}", arn))["stateMachineArn"])


def test_moto_still_lacks_it_and_has_the_seams_we_use() -> None:
    from moto.stepfunctions.parser.backend.execution import SyncExecution
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    assert "start_sync_execution" not in vars(StepFunctionsParserBackend) or express._installed
    assert hasattr(SyncExecution, "to_start_sync_execution_output")


def test_a_run_answers_in_the_call_as_aws_does(canary: names.FunctionSpec) -> None:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        aws.reset()
        machine = _machine(_function(canary))
        sfn = aws.client("stepfunctions")
        ok = sfn.start_sync_execution(stateMachineArn=machine, name="run-1",
                                      input=json.dumps({"n": 21}))
        assert ok["status"] == "SUCCEEDED"
        assert json.loads(ok["output"]) == {"doubled": 42}
        assert ok["name"] == "run-1" and ok["stateMachineArn"] == machine
        assert ":express:canary:run-1:" in ok["executionArn"]
        assert ok["stopDate"] >= ok["startDate"]
        assert ok["billingDetails"]["billedMemoryUsedInMB"] == 64
        assert ok["billingDetails"]["billedDurationInMilliseconds"] % 100 == 0
        assert "error" not in ok

        failed = sfn.start_sync_execution(stateMachineArn=machine, input='{"fail": true}')
        assert failed["status"] == "FAILED"
        assert failed["error"] == "Rejected" and "no thanks" in failed["cause"]
        assert "output" not in failed

        # Express names need not be unique: the same name runs again.
        again = sfn.start_sync_execution(stateMachineArn=machine, name="run-1",
                                         input='{"n": 1}')
        assert json.loads(again["output"]) == {"doubled": 2}


def test_refusals_are_the_aws_error_codes(canary: names.FunctionSpec) -> None:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        aws.reset()
        function = _function(canary)
        express_arn = _machine(function)
        standard_arn = _machine(function, kind="STANDARD", name="standard")
        sfn = aws.client("stepfunctions")
        cases = [(standard_arn, "{}", "StateMachineTypeNotSupported"),
                 (express_arn.replace("canary", "missing"), "{}", "StateMachineDoesNotExist"),
                 (express_arn, "not json", "InvalidExecutionInput")]
        for arn, body, code in cases:
            with pytest.raises(ClientError) as caught:
                sfn.start_sync_execution(stateMachineArn=arn, input=body)
            assert caught.value.response["Error"]["Code"] == code


def test_the_local_platform_endpoint_serves_it(canary: names.FunctionSpec,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Server mode, as ``make dev`` runs it: one endpoint, no ``sync-`` host prefix."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        monkeypatch.setenv("MOTO_PORT", str(port))  # where moto's tasks call Lambda
        urllib.request.urlopen(urllib.request.Request(  # noqa: S310 - loopback
            f"{endpoint}/moto-api/config", method="POST",
            data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
            headers={"Content-Type": "application/json"}), timeout=5).close()
        aws.reset()
        machine = _machine(_function(canary), name="served")
        answer = aws.client("stepfunctions").start_sync_execution(
            stateMachineArn=machine, input='{"n": 4}')
        assert answer["status"] == "SUCCEEDED"
        assert json.loads(answer["output"]) == {"doubled": 8}
    finally:
        server.stop()


def test_the_one_runner_of_production_code(canary: names.FunctionSpec) -> None:
    """``iamsmart.common.express.run`` (face step-up and exchange fetch both use it): the
    output parsed on success, status and error when the run failed, and a refused call is
    ``Unavailable`` (fail closed), never a partial answer."""
    from iamsmart import errors
    from iamsmart.common import express as runner

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        aws.reset()
        function = _function(canary)
        machine = _machine(function)
        ok = runner.run(machine, {"n": 21}, name="fetch-1")
        assert ok.succeeded and ok.output == {"doubled": 42} and ok.error is None
        failed = runner.run(machine, {"fail": True})
        assert not failed.succeeded and failed.status == "FAILED" and failed.output == {}
        assert failed.error == "Rejected"
        standard = _machine(function, kind="STANDARD", name="standard")
        with pytest.raises(errors.Unavailable) as caught:
            runner.run(standard, {"n": 1})
        assert caught.value.details["aws_error"] == "StateMachineTypeNotSupported"
