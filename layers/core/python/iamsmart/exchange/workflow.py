"""Run the fetch state machine (statemachines/exchange_fetch.asl.json) and wait for it.

In AWS the machine is Express and runs with ``StartSyncExecution`` (one call, the answer in
it). moto 5.2.5 has no ``StartSyncExecution``: on the local stage the same ASL runs through
``StartExecution`` and the gateway polls ``DescribeExecution`` (moto executes it with the real
task handlers). Either way a run that does not succeed is ``Unavailable`` (503): the fetch
fails closed and is audited as refused by the caller.
"""

from __future__ import annotations

import json
import time
from typing import Any

from iamsmart import errors

MACHINE = "exchange-fetch"  # infra.names.STATE_MACHINES id
POLL_SECONDS = 0.01
WAIT_SECONDS = 30.0

_arn: str | None = None


def reset() -> None:
    global _arn
    _arn = None


def machine_arn() -> str:
    """The configured ARN, else derived from the signing key's ARN (same account and region:
    no STS call)."""
    global _arn
    if _arn is None:
        from iamsmart.settings import settings

        configured = settings().exchange_state_machine_arn
        if configured:
            _arn = configured
        else:
            from iamsmart.oidc import signing

            parts = signing.current_key().arn.split(":")
            _arn = f"arn:aws:states:{parts[3]}:{parts[4]}:stateMachine:iamsmart-{MACHINE}"
    return _arn


def run(fetch_id: str, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every call's labelled answer, in the order of ``calls``."""
    from iamsmart import aws
    from iamsmart.settings import settings

    if not calls:
        return []
    payload = json.dumps({"fetch_id": fetch_id, "calls": calls}, separators=(",", ":"))
    if settings().stage != "local":
        answer = aws.call("stepfunctions", "start_sync_execution",
                          stateMachineArn=machine_arn(), name=fetch_id, input=payload)
        return _results(answer)
    arn = aws.call("stepfunctions", "start_execution", stateMachineArn=machine_arn(),
                   name=fetch_id, input=payload)["executionArn"]
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        answer = aws.call("stepfunctions", "describe_execution", executionArn=arn)
        if answer["status"] != "RUNNING":
            return _results(answer)
        if time.monotonic() > deadline:
            raise errors.Unavailable(operation="exchange-fetch", reason="timeout")
        time.sleep(POLL_SECONDS)


def _results(answer: dict[str, Any]) -> list[dict[str, Any]]:
    if answer.get("status") != "SUCCEEDED":
        from iamsmart.observability import logger

        logger().error("exchange fetch run failed", extra={"status": answer.get("status"),
                                                           "error": answer.get("error")})
        raise errors.Unavailable(operation="exchange-fetch", reason=answer.get("status"))
    out = json.loads(answer.get("output") or "{}").get("results")
    if not isinstance(out, list):
        raise errors.Unavailable(operation="exchange-fetch", reason="no results")
    return out
