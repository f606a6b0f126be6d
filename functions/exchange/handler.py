"""Step Functions task of the data-exchange fetch (statemachines/exchange_fetch.asl.json):
one signed call to one provider.

Thin: the one task decorator (``iamsmart.common.tasks``: event checked, execution id on every
log line, metrics) around ``iamsmart.exchange.calls.call``, which gives the labelled answer.
Exception class names are the ASL's contract (``Unavailable`` is retried, then labelled).
Nothing personal is logged: provider, dataset and the label only.
"""

from __future__ import annotations

from typing import Any

from iamsmart import errors
from iamsmart.common.tasks import task
from iamsmart.exchange import calls
from iamsmart.metrics import Metric
from iamsmart.observability import count, logger

log = logger()


@task("exchange-call", needs={"task": dict})
def call(event: dict[str, Any]) -> dict[str, Any]:
    job = event["task"]
    if not all(isinstance(job.get(k), str) for k in ("provider", "dataset", "url")) or \
            not isinstance(job.get("body"), dict):
        raise errors.InvalidInput(en="The task input is not a provider call.",
                                  tc="工作輸入不是提供者呼叫。")
    result = calls.call(job)
    log.info("provider called", extra={"provider": job["provider"],
                                       "dataset": job["dataset"], "status": result["status"]})
    count(Metric.EXCHANGE_PROVIDER_CALL, provider=job["provider"], status=result["status"])
    return result
