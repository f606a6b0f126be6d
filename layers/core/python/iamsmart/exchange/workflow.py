"""Run the fetch state machine (statemachines/exchange_fetch.asl.json) and wait for it.

The machine is Express and runs through the shared runner (``iamsmart.common.express``:
``StartSyncExecution``, one call, the answer in it). A run that does not
succeed is ``Unavailable`` (503): the fetch fails closed and is audited as refused by the
caller.
"""

from __future__ import annotations

from typing import Any

from iamsmart import errors
from iamsmart.common import express

MACHINE = "exchange-fetch"  # infra.names.STATE_MACHINES id

def machine_arn() -> str:
    from iamsmart.settings import settings

    return settings().exchange_fetch_state_machine_arn


def run(fetch_id: str, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every call's labelled answer, in the order of ``calls``."""
    if not calls:
        return []
    return _results(express.run(machine_arn(), {"fetch_id": fetch_id, "calls": calls},
                                name=fetch_id))


def _results(answer: express.Run) -> list[dict[str, Any]]:
    if not answer.succeeded:
        from iamsmart.observability import logger

        logger().error("exchange fetch run failed", extra={"status": answer.status,
                                                           "error": answer.error})
        raise errors.Unavailable(operation="exchange-fetch", reason=answer.status)
    out = answer.output.get("results")
    if not isinstance(out, list):
        raise errors.Unavailable(operation="exchange-fetch", reason="no results")
    return out
