"""The one place that builds the Powertools Logger and Metrics (Tracer is left to AWS X-Ray
active tracing on the functions; importing the X-Ray SDK costs ~0.5 s of cold start).

Personal data never goes to logs: ``scrub`` masks HKID-shaped strings, and callers log ids,
counts and codes, never request bodies.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from iamsmart.metrics import NAMESPACE, Metric

if TYPE_CHECKING:  # pragma: no cover
    from aws_lambda_powertools import Logger, Metrics

# Every metric carries the dimension ``service``: Powertools' service name, which a deployment
# sets to its stage's prefix (``iamsmart-dev``), so deployments sharing an account (and their
# dashboards, infra/stacks/ops.py) stay apart; "iamsmart" on the local platform.
DEFAULT_SERVICE = "iamsmart"
_HKID = re.compile(r"\b[A-Z]{1,2}\s?\d{6}\s?[(（]?[0-9A]?[)）]?", re.IGNORECASE)


def scrub(text: str) -> str:
    """Mask anything shaped like an HKID number."""
    return _HKID.sub("[HKID]", text)


def service() -> str:
    """The ``service`` of logs and metrics (``POWERTOOLS_SERVICE_NAME``, Powertools' own)."""
    import os

    return os.environ.get("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE


@functools.cache
def logger() -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service=service(), utc=True)


@functools.cache
def metrics() -> Metrics:
    import warnings

    from aws_lambda_powertools import Metrics

    # Most API requests publish no business metric; that is expected, not worth a warning.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    return Metrics(namespace=NAMESPACE, service=service())


def count(name: Metric, value: float = 1, **dimensions: str) -> None:
    """One metric per business event (its name from ``iamsmart.metrics``, the names the
    dashboard and alarms watch), with its own dimensions, flushed at once (EMF in
    CloudWatch; printed locally). ``single_metric`` keeps dimensions from leaking between
    events, and between concurrent invocations sharing a process locally."""
    import os

    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    # Powertools' switch; single_metric does not read it (the Metrics class does).
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() == "true":
        return
    with single_metric(name=str(name), unit=MetricUnit.Count, value=value,
                       namespace=NAMESPACE) as metric:
        metric.add_dimension(name="service", value=service())
        for key, val in dimensions.items():
            metric.add_dimension(name=key, value=val)
