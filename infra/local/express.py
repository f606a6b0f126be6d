"""``StartSyncExecution`` for Express state machines on moto.

moto 5.2.5 runs state machines (``execute_state_machine``) but does not serve
``StartSyncExecution``, the one call with which production runs its Express machines
(exchange fetch, face step-up). This module adds it to moto's Step Functions (the parser
backend that executes machines, and the JSON protocol's response class), answering what AWS
answers:

- only an ``EXPRESS`` machine (else ``StateMachineTypeNotSupported``), a missing machine is
  ``StateMachineDoesNotExist``, input that is not JSON ``InvalidExecutionInput``;
- the run happens within the call (moto's own synchronous worker, with the real task handlers
  of ``infra/local/lambdas.py``); the answer carries ``executionArn`` (the ``express`` form),
  ``stateMachineArn``, ``name``, ``startDate``, ``stopDate``, ``status`` (``SUCCEEDED``,
  ``FAILED`` or ``TIMED_OUT``), ``input``, ``output`` when it succeeded, ``error`` and
  ``cause`` when it did not, and ``billingDetails`` (64 MB steps, 100 ms steps, as AWS bills
  Express runs).

AWS serves the call on the ``sync-states`` host (botocore's host prefix); the local
environment sets ``AWS_DISABLE_HOST_PREFIX_INJECTION`` (infra/local/platform.py) so a client
reaches the emulator's one endpoint. The canary ``tests/integration/test_local_express.py``
fails first if a moto upgrade changes the private names used here (moto is pinned exactly).
"""

from __future__ import annotations

import datetime
import json
import math
import threading
import uuid
from typing import Any

from moto.core.exceptions import AWSError

_lock = threading.Lock()
_installed = False

BILLED_MEMORY_STEP_MB = 64
BILLED_DURATION_STEP_MS = 100


class StateMachineTypeNotSupported(AWSError):
    TYPE = "StateMachineTypeNotSupported"
    STATUS = 400


def _start_sync_execution(backend: Any, state_machine_arn: str, name: str | None,
                          execution_input: str | None) -> Any:
    from moto.stepfunctions.exceptions import InvalidExecutionInput
    from moto.stepfunctions.parser.api import StateMachineType
    from moto.stepfunctions.parser.backend.execution import SyncExecution

    machine = backend.describe_state_machine(state_machine_arn)  # StateMachineDoesNotExist
    if machine.type != StateMachineType.EXPRESS:
        raise StateMachineTypeNotSupported(
            "This operation is not supported by this type of state machine")
    input_data = execution_input if execution_input is not None else "{}"
    try:
        json.loads(input_data)
    except ValueError as exc:
        raise InvalidExecutionInput(str(exc)) from None
    name = name or uuid.uuid4().hex
    # Express executions are not stored by name: the ARN carries a run id as in AWS.
    arn = (f"arn:{backend.partition}:states:{backend.region_name}:{backend.account_id}"
           f":express:{machine.name}:{name}:{uuid.uuid4()}")
    execution = SyncExecution(
        # moto's interpreter runs every machine with its STANDARD semantics (``sm_type``), as
        # for StartExecution; the machine's declared type is ``type``.
        name=name, sm_type=machine.sm_type, role_arn=machine.roleArn, exec_arn=arn,
        account_id=backend.account_id, region_name=backend.region_name, state_machine=machine,
        start_date=datetime.datetime.now(tz=datetime.UTC), cloud_watch_logging_session=None,
        input_data=input_data, trace_header=None, activity_store={})
    execution.start()  # SyncExecutionWorker: runs to the end in this thread
    return execution


def _answer(execution: Any) -> dict[str, Any]:
    status = getattr(execution.sync_execution_status, "value", execution.sync_execution_status)
    answer: dict[str, Any] = {
        "executionArn": execution.exec_arn,
        "stateMachineArn": execution.state_machine.arn,
        "name": execution.name,
        "startDate": execution.start_date,
        "stopDate": execution.stop_date,
        "status": status,
        "input": execution.input_data,
    }
    if status == "SUCCEEDED":
        output = execution.output
        answer["output"] = output if isinstance(output, str) else json.dumps(
            output, separators=(",", ":"))
    if execution.error is not None:
        answer["error"] = execution.error
    if execution.cause is not None:
        answer["cause"] = execution.cause
    elapsed_ms = (execution.stop_date - execution.start_date).total_seconds() * 1000
    answer["billingDetails"] = {
        "billedMemoryUsedInMB": BILLED_MEMORY_STEP_MB,
        "billedDurationInMilliseconds": max(BILLED_DURATION_STEP_MS, BILLED_DURATION_STEP_MS
                                            * math.ceil(elapsed_ms / BILLED_DURATION_STEP_MS)),
    }
    return answer


def install() -> None:
    """Teach moto's Step Functions ``StartSyncExecution`` (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        from moto.core.responses import ActionResult
        from moto.stepfunctions.parser.models import StepFunctionsParserBackend
        from moto.stepfunctions.responses import StepFunctionResponse

        def start_sync_execution(self: Any, state_machine_arn: str, name: str | None = None,
                                 execution_input: str | None = None) -> Any:
            return _start_sync_execution(self, state_machine_arn, name, execution_input)

        def respond(self: Any) -> Any:
            backend = self.stepfunction_backend
            if not isinstance(backend, StepFunctionsParserBackend):
                # moto only executes machines with ``execute_state_machine`` configured.
                raise StateMachineTypeNotSupported(
                    "StartSyncExecution needs moto's execute_state_machine")
            execution = backend.start_sync_execution(
                self._get_param("stateMachineArn"), self._get_param("name"),
                self._get_param("input"))
            return ActionResult(_answer(execution))

        StepFunctionsParserBackend.start_sync_execution = start_sync_execution  # type: ignore[attr-defined]
        StepFunctionResponse.start_sync_execution = respond  # type: ignore[attr-defined]
        _installed = True
