"""Step Functions tasks of the refresh-feeds workflow (statemachines/refresh_feeds.asl.json).

Thin entry points through the one task decorator (``iamsmart.common.tasks``: event checked,
execution id on every log line, metrics): call ``iamsmart.feeds.logic``, shape the answer.
Exceptions are part of the contract: their class names (``UpstreamError``, ``FeedTooLarge``,
``MalformedFeed``, ``Unavailable``) are what the ASL's ``Retry``/``Catch`` match.
"""

from __future__ import annotations

from typing import Any

from iamsmart import errors
from iamsmart.common.tasks import task
from iamsmart.feeds import logic
from iamsmart.metrics import Metric
from iamsmart.observability import count, logger

log = logger()


@task("feeds-plan")
def plan(event: dict[str, Any]) -> dict[str, Any]:
    feeds = logic.planned_feeds()
    count(Metric.FEEDS_PLANNED, value=len(feeds))
    log.info("refresh planned", extra={"feeds": len(feeds)})
    return {"feeds": feeds}


@task("feeds-fetch", needs={"feed": str}, bind=("feed",))
def fetch(event: dict[str, Any]) -> dict[str, Any]:
    feed = event["feed"]
    try:
        result = logic.refresh(feed)
    except (errors.MalformedFeed, errors.FeedTooLarge) as exc:
        # Bad data: the code and the parser's short problem statement, never the document.
        log.warning("feed rejected", extra={"error": type(exc).__name__, "code": exc.code,
                                            "problem": str(exc.details.get("problem", ""))})
        count(Metric.FEED_REJECTED, feed=feed, reason=exc.code)
        raise
    except errors.UpstreamError as exc:
        log.warning("upstream unavailable", extra={"error": type(exc).__name__,
                                                   "status": exc.details.get("status")})
        count(Metric.FEED_UPSTREAM_ERROR, feed=feed)
        raise
    count(Metric.FEED_STORED, feed=feed)
    log.info("feed stored", extra={"items": result.items})
    return {"feed": feed, "status": "stored", "items": result.items,
            "fetched_at": result.fetched_at.isoformat()}


@task("feeds-record-failure", needs={"feed": str}, bind=("feed",))
def record_failure(event: dict[str, Any]) -> dict[str, Any]:
    feed = event["feed"]
    error = event.get("error") if isinstance(event.get("error"), dict) else {}
    name = str(error.get("Error") or "Unknown")
    failures = logic.record_failure(feed, name, error.get("Cause"))
    count(Metric.FEED_REFRESH_FAILED, feed=feed, error=name[:64])
    log.warning("feed refresh failed", extra={"error": name, "failures": failures})
    return {"feed": feed, "status": "failed", "error": name}
