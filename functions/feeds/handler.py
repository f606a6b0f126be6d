"""Step Functions tasks of the refresh-feeds workflow (statemachines/refresh_feeds.asl.json).

Thin entry points: read the event, call ``iamsmart.feeds.logic``, shape the answer. Exceptions
are part of the contract: their class names (``UpstreamError``, ``FeedTooLarge``,
``MalformedFeed``, ``Unavailable``) are what the ASL's ``Retry``/``Catch`` match.
"""

from __future__ import annotations

from typing import Any

from iamsmart import errors
from iamsmart.feeds import logic
from iamsmart.observability import count, logger, metrics

log = logger()


def _bind(event: dict[str, Any]) -> None:
    """The Step Functions execution id goes in every log line of this invocation."""
    execution = event.get("execution") if isinstance(event, dict) else None
    if execution:
        log.append_keys(execution_id=str(execution))


def _feed(event: Any) -> str:
    feed = event.get("feed") if isinstance(event, dict) else None
    if not isinstance(feed, str) or not feed:
        raise errors.InvalidInput(en="The task input needs a feed id.", tc="工作輸入缺少資料來源。")
    return feed


@metrics().log_metrics
@log.inject_lambda_context(clear_state=True)
def plan(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _bind(event)
    feeds = logic.planned_feeds()
    count("FeedsPlanned", value=len(feeds))
    log.info("refresh planned", extra={"feeds": len(feeds)})
    return {"feeds": feeds}


@metrics().log_metrics
@log.inject_lambda_context(clear_state=True)
def fetch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _bind(event)
    feed = _feed(event)
    log.append_keys(feed=feed)
    try:
        result = logic.refresh(feed)
    except (errors.MalformedFeed, errors.FeedTooLarge) as exc:
        # Bad data: the code and the parser's short problem statement, never the document.
        log.warning("feed rejected", extra={"error": type(exc).__name__, "code": exc.code,
                                            "problem": str(exc.details.get("problem", ""))})
        count("FeedRejected", feed=feed, reason=exc.code)
        raise
    except errors.UpstreamError as exc:
        log.warning("upstream unavailable", extra={"error": type(exc).__name__,
                                                   "status": exc.details.get("status")})
        count("FeedUpstreamError", feed=feed)
        raise
    count("FeedStored", feed=feed)
    log.info("feed stored", extra={"items": result.items})
    return {"feed": feed, "status": "stored", "items": result.items,
            "fetched_at": result.fetched_at.isoformat()}


@metrics().log_metrics
@log.inject_lambda_context(clear_state=True)
def record_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _bind(event)
    feed = _feed(event)
    log.append_keys(feed=feed)
    error = event.get("error") if isinstance(event.get("error"), dict) else {}
    name = str(error.get("Error") or "Unknown")
    failures = logic.record_failure(feed, name, error.get("Cause"))
    count("FeedRefreshFailed", feed=feed, error=name[:64])
    log.warning("feed refresh failed", extra={"error": name, "failures": failures})
    return {"feed": feed, "status": "failed", "error": name}
