"""Step Functions task of the data-exchange fetch (statemachines/exchange_fetch.asl.json):
one signed call to one provider.

Thin: read the task, call ``iamsmart.exchange.calls.call``, return its labelled answer.
Exception class names are the ASL's contract (``Unavailable`` is retried, then labelled).
Nothing personal is logged: provider, dataset and the label only.
"""

from __future__ import annotations

from typing import Any

from iamsmart import errors
from iamsmart.exchange import calls
from iamsmart.observability import count, logger, metrics

log = logger()


@metrics().log_metrics
@log.inject_lambda_context(clear_state=True)
def call(event: dict[str, Any], context: Any) -> dict[str, Any]:
    execution = event.get("execution") if isinstance(event, dict) else None
    if execution:
        log.append_keys(execution_id=str(execution))
    task = event.get("task") if isinstance(event, dict) else None
    if not isinstance(task, dict) or not all(
            isinstance(task.get(k), str) for k in ("provider", "dataset", "url")) or \
            not isinstance(task.get("body"), dict):
        raise errors.InvalidInput(en="The task input is not a provider call.",
                                  tc="工作輸入不是提供者呼叫。")
    result = calls.call(task)
    log.info("provider called", extra={"provider": task["provider"],
                                       "dataset": task["dataset"], "status": result["status"]})
    count("ExchangeProviderCall", provider=task["provider"], status=result["status"])
    return result
