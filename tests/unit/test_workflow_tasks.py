"""Every Step Functions task handler goes through the one task decorator
(``iamsmart.common.tasks``), every ASL hands it the execution id, and a bad event is a clear
refusal the ASL's ``Catch`` handles, never a crash that quotes the event."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from iamsmart import errors
from iamsmart.common.tasks import task, task_name
from iamsmart.observability import logger
from infra.local import lambdas
from infra.names import FUNCTIONS, STATE_MACHINES

EXECUTION = "arn:aws:states:ap-east-1:123456789012:execution:iamsmart-registration:app-1"
PERSONAL = "A123456(7)"  # HKID-shaped: must never reach a log line or an error


@pytest.fixture
def log_lines(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The JSON lines the Powertools logger writes (its handler keeps its own stream)."""
    buffer = io.StringIO()
    monkeypatch.setattr(logger().registered_handler, "stream", buffer)

    def lines() -> list[dict[str, Any]]:
        out = []
        for text in buffer.getvalue().splitlines():
            try:
                out.append(json.loads(text))
            except ValueError:
                continue
        return out

    return lines


def _context(name: str) -> lambdas.Context:
    return lambdas.Context(function_name=name, memory_limit_in_mb=512, timeout_seconds=30,
                           invoked_function_arn=f"arn:aws:lambda:ap-east-1:123456789012:"
                                                f"function:{name}", aws_request_id="r-1")


def _tasks() -> list[str]:
    return sorted({f for machine in STATE_MACHINES.values() for f in machine.functions})


def test_every_task_of_every_state_machine_is_decorated_and_nothing_else() -> None:
    tasks = _tasks()
    assert len(tasks) >= 20
    for function_id in tasks:
        assert task_name(lambdas.handler_for(FUNCTIONS[function_id])) == function_id
    # The functions no state machine invokes (the SQS drainer) are not tasks.
    others = sorted(set(FUNCTIONS) - set(tasks))
    assert others == ["registration-drain"]
    assert task_name(lambdas.handler_for(FUNCTIONS["registration-drain"])) is None


def _states(states: dict[str, Any], carried: bool) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(name, state, whether the state's input carries ``execution``) through nested Maps."""
    for name, state in states.items():
        yield name, state, carried
        if state.get("Type") == "Map":
            selector = state.get("ItemSelector") or state.get("Parameters") or {}
            inner = state.get("ItemProcessor") or state.get("Iterator") or {}
            yield from _states(inner.get("States", {}),
                               selector.get("execution.$") == "$$.Execution.Id")


@pytest.mark.parametrize("machine", sorted(STATE_MACHINES))
def test_every_asl_hands_the_execution_id_to_every_task(machine: str) -> None:
    asl = json.loads(STATE_MACHINES[machine].path.read_text(encoding="utf-8"))
    start = asl["States"][asl["StartAt"]]
    # A machine whose tasks take the whole state sets it first, from the context object.
    carried = start.get("Type") == "Pass" and \
        start.get("Parameters", {}).get("execution.$") == "$$.Execution.Id"
    invoked = 0
    for name, state, in_state in _states(asl["States"], carried):
        if state.get("Type") != "Task" or ":lambda:invoke" not in state.get("Resource", ""):
            continue
        invoked += 1
        parameters = state["Parameters"]
        payload = parameters.get("Payload")
        if isinstance(payload, dict):
            assert payload.get("execution.$") == "$$.Execution.Id", (machine, name)
        else:
            assert parameters.get("Payload.$") == "$" and in_state, (machine, name)
    assert invoked


@pytest.mark.parametrize("event", [
    [PERSONAL],
    {"application_id": "app-1"},  # no execution id
    {"execution": EXECUTION},  # no application id
    {"execution": EXECUTION, "application_id": ""},
    {"execution": EXECUTION, "application_id": {"hkid": PERSONAL}},
    {"execution": 7, "application_id": PERSONAL},
])
def test_a_bad_event_is_a_clear_refusal_that_quotes_nothing(event: Any, log_lines: Any) -> None:
    spec = FUNCTIONS["registration-validate"]
    payload, errored, logged = lambdas.invoke(spec.name, f"arn:aws:lambda:::{spec.name}", event)
    answer = json.loads(payload)
    # What Lambda reports and the ASL's Catch matches: the class name, a plain message.
    assert errored and answer["errorType"] == "InvalidInput"
    assert answer["errorMessage"].startswith("The task input is not valid: ")
    assert PERSONAL not in payload and PERSONAL not in json.dumps(log_lines())
    refused = [line for line in log_lines() if line.get("message") == "task input refused"]
    assert refused and refused[0]["task"] == "registration-validate"
    with pytest.raises(errors.InvalidInput) as caught:
        lambdas.handler_for(spec)(event, _context(spec.name))
    assert caught.value.tc.startswith("工作輸入無效")
    assert set(caught.value.details["fields"]) <= {"(event)", "execution", "application_id"}


def test_every_log_line_of_a_task_carries_the_execution_id(log_lines: Any,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    """A step that logs, then fails in an unexpected way: both lines carry the execution id
    and the bound keys; the failure is logged by type and code location, never its message,
    and counted (WorkflowTask, and TaskError, which an alarm watches)."""

    def step(event: dict[str, Any]) -> dict[str, Any]:
        logger().info("working")
        raise KeyError(PERSONAL)

    handler = task("test-task", needs={"application_id": str}, bind=("application_id",))(step)
    with pytest.raises(KeyError):
        handler({"execution": EXECUTION, "application_id": "app-1"}, _context("test-task"))
    lines = [line for line in log_lines() if line.get("task") == "test-task"]
    assert [line["message"] for line in lines] == ["working", "task failed"]
    assert all(line["execution_id"] == EXECUTION and line["application_id"] == "app-1"
               for line in lines)
    assert lines[1]["error"] == "KeyError" and any("step" in at for at in lines[1]["at"])
    assert PERSONAL not in json.dumps(log_lines())
    emitted = capsys.readouterr().out
    assert '"TaskError"' in emitted and '"WorkflowTask"' in emitted and '"error"' in emitted
    # The next invocation starts clean: nothing of this one's keys.
    handler2 = task("test-task-2")(lambda event: {"done": True})
    assert handler2({"execution": EXECUTION + "-2"}, _context("test-task-2")) == {"done": True}
    last = log_lines()[-1]
    assert last["execution_id"] == EXECUTION + "-2" and "application_id" not in last


def test_a_refusal_is_counted_as_its_alarm_leaves_it_out(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    """A domain refusal the workflow handles (raised for its Catch) is counted as
    ``WorkflowTask`` with exactly the dimensions service, task, outcome=refused: what the
    function's errors alarm subtracts (tests/infra/test_ops.py), and never ``TaskError``."""

    def step(event: dict[str, Any]) -> dict[str, Any]:
        raise errors.Forbidden()

    handler = task("test-refusing")(step)
    with pytest.raises(errors.Forbidden):
        handler({"execution": EXECUTION}, _context("test-refusing"))
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if line.startswith('{"_aws"')]
    counted = [e for e in emitted if "WorkflowTask" in e]
    assert len(counted) == 1 and not any("TaskError" in e for e in emitted)
    [directive] = counted[0]["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == [["service", "task", "outcome"]]
    assert (counted[0]["task"], counted[0]["outcome"]) == ("test-refusing", "refused")
