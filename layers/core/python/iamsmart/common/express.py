"""The one runner of Express state machines: ``StartSyncExecution``, the answer in the call.

``run(machine_arn, payload, name=None)`` starts one execution with ``payload`` as its JSON
input, waits for it within the call and returns a ``Run``: ``status`` (``SUCCEEDED``,
``FAILED``, ``TIMED_OUT``), the parsed ``output`` (a JSON object; empty unless the run
succeeded), ``error`` and ``cause`` when it did not. The API's Express machines (face
step-up, exchange fetch) both run through it; the local platform's emulator serves the same
call (infra/local/express.py), so nothing here knows where it runs.

The call fails closed: throttling, an outage or a missing machine is ``errors.Unavailable``
(``aws.guarded``), never a partial answer. Its client has a read timeout longer than an
Express run of these machines and two attempts (throttling, a dropped connection). AWS serves
the call on the ``sync-states`` host (botocore's host prefix, which botocore's own
configuration may turn off: the local platform's single emulator endpoint sets
``AWS_DISABLE_HOST_PREFIX_INJECTION``). The client is ``aws.client``'s (``aws.reset`` forgets
it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from iamsmart import aws, errors

SUCCEEDED = "SUCCEEDED"
READ_TIMEOUT_SECONDS = 60
ATTEMPTS = 2


@dataclass(frozen=True)
class Run:
    status: str
    output: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    cause: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED


def run(machine_arn: str, payload: Mapping[str, Any], *, name: str | None = None) -> Run:
    """One synchronous execution of the Express machine ``machine_arn`` (from configuration;
    empty when the deployment did not configure it: ``Unavailable``, nothing started)."""
    if not machine_arn:
        raise errors.Unavailable(operation="start_sync_execution", reason="not_configured")
    params: dict[str, Any] = {"stateMachineArn": machine_arn,
                              "input": json.dumps(payload, separators=(",", ":"))}
    if name is not None:
        params["name"] = name
    answer = aws.guarded("stepfunctions", "start_sync_execution",
                         lambda: aws.client("stepfunctions", read_timeout=READ_TIMEOUT_SECONDS,
                                            max_attempts=ATTEMPTS)
                         .start_sync_execution(**params))
    status = str(answer.get("status"))
    output: Any = {}
    if status == SUCCEEDED:
        output = json.loads(answer.get("output") or "{}")
    return Run(status=status, output=output if isinstance(output, dict) else {},
               error=answer.get("error"), cause=answer.get("cause"))
