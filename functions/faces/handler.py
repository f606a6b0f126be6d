"""Lambda entry points of the face step-up workflow (statemachines/face_stepup.asl.json).

Thin: each task calls ``iamsmart.faces.stepup.task_*`` with the state as it stands. Events
and answers carry ids, decisions and bands only: never an image, a template or a score log.
Domain errors keep their class name as Lambda's ``errorType`` (the ASL's ``Catch`` hands it
to the ``Refused`` state, which reports it to the API by that name).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iamsmart import errors
from iamsmart.faces import stepup
from iamsmart.observability import logger, metrics

log = logger()


def _task(step: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    @metrics().log_metrics
    @log.inject_lambda_context(clear_state=True)
    def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if not isinstance(event, dict) or not isinstance(event.get("txn_id"), str) \
                or not isinstance(event.get("account_id"), str):
            raise errors.InvalidInput(en="The task input needs a transaction and an account.",
                                      tc="工作輸入缺少交易及帳戶。")
        result = step(event)
        log.info("face step-up task done", extra={"step": step.__name__.removeprefix("task_"), **{
            f"result_{k}": v for k, v in result.items()
            if k in ("image", "liveness", "decision", "outcome", "reason", "audited")
            and isinstance(v, str)}})
        return result

    run.__name__ = step.__name__
    return run


validate = _task(stepup.task_validate)
liveness = _task(stepup.task_liveness)
match = _task(stepup.task_match)
decide = _task(stepup.task_decide)
failed = _task(stepup.task_failed)
audit = _task(stepup.task_audit)
discard = _task(stepup.task_discard)
