"""The Step Functions task handlers, called directly (moto table, loopback upstream)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from iamsmart import aws, errors
from iamsmart.feeds import dal, sources
from iamsmart.settings import settings
from infra.local.lambdas import Context, handler_for
from infra.local.upstream import FEED_FILES, feed_urls
from infra.names import FUNCTIONS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
EXECUTION = "arn:aws:states:ap-east-1:123456789012:execution:iamsmart-refresh-feeds:run-1"


def _context(function_id: str) -> Context:
    spec = FUNCTIONS[function_id]
    return Context(function_name=spec.name, memory_limit_in_mb=spec.memory_mb,
                   timeout_seconds=spec.timeout_seconds,
                   invoked_function_arn=f"arn:aws:lambda:ap-east-1:123456789012:function:"
                                        f"{spec.name}", aws_request_id=str(uuid.uuid4()))


def call(function_id: str, event: dict):
    """The handler as Step Functions invokes it: every ASL passes the execution id."""
    return handler_for(FUNCTIONS[function_id])({"execution": EXECUTION, **event},
                                               _context(function_id))


@pytest.fixture
def served(upstream, monkeypatch):
    """Every fixture served by the loopback upstream, and FEED_URLS pointing at it."""
    for source in sources.FEEDS.values():
        upstream.serve(f"/{FEED_FILES[source.id]}", (FIXTURES / FEED_FILES[source.id]).read_bytes())
    monkeypatch.setenv("FEED_URLS", json.dumps(feed_urls(upstream.url(""))))
    settings.cache_clear()
    yield upstream
    settings.cache_clear()


@pytest.fixture
def log_lines(monkeypatch):
    """What the Powertools logger writes (its handler keeps the stream it was created with)."""
    import io

    from iamsmart.observability import logger

    buffer = io.StringIO()
    monkeypatch.setattr(logger().registered_handler, "stream", buffer)
    return lambda: _log_lines(buffer.getvalue())


def _log_lines(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def test_plan_lists_the_configured_feeds_sorted(served):
    assert call("feeds-plan", {"execution": EXECUTION}) == {"feeds": sorted(sources.FEEDS)}


def test_plan_defaults_to_the_registry(monkeypatch):
    monkeypatch.setenv("FEED_URLS", json.dumps({"td-news-tc": "http://x/", "hko-flw-en": "h"}))
    settings.cache_clear()
    assert call("feeds-plan", {}) == {"feeds": ["hko-flw-en", "td-news-tc"]}
    monkeypatch.delenv("FEED_URLS")
    settings.cache_clear()
    assert call("feeds-plan", {})["feeds"] == sorted(sources.FEEDS)
    settings.cache_clear()


def test_fetch_stores_the_parsed_document(feeds_table, served, capsys, log_lines):
    out = call("feeds-fetch", {"feed": "hko-fnd-tc", "execution": EXECUTION})
    assert out["feed"] == "hko-fnd-tc" and out["status"] == "stored" and out["items"] == 9
    state = dal.get_state("hko-fnd-tc")
    assert state is not None and state.ok
    assert state.document.days[0].week == "星期三"
    assert state.fetched_at is not None and state.fetched_at.isoformat() == out["fetched_at"]
    assert state.source_url == served.url("/weather_fnd_tc.json")
    stored = [entry for entry in log_lines() if entry.get("message") == "feed stored"]
    assert stored and stored[0]["execution_id"] == EXECUTION and stored[0]["feed"] == "hko-fnd-tc"
    metrics = _log_lines(capsys.readouterr().out)
    assert any("FeedStored" in json.dumps(entry) for entry in metrics)  # EMF metric flushed


def test_fetch_rejects_bad_data_without_logging_it(feeds_table, served, capsys, log_lines):
    served.serve("/press_releases_en.xml",
                 b'<?xml version="1.0"?><rss><channel><item><title>PERSONAL-MARKER</title>')
    with pytest.raises(errors.MalformedFeed):
        call("feeds-fetch", {"feed": "gia-press-en", "execution": EXECUTION})
    out = capsys.readouterr().out
    logs = log_lines()
    assert "PERSONAL-MARKER" not in out and "PERSONAL-MARKER" not in json.dumps(logs)
    rejected = [e for e in logs if e.get("message") == "feed rejected"]
    assert rejected and rejected[0]["error"] == "MalformedFeed"
    assert rejected[0]["execution_id"] == EXECUTION
    metric = [e for e in _log_lines(out)
              if "_aws" in e and "FeedRejected" in json.dumps(e["_aws"])]
    assert metric and metric[0]["reason"] == "malformed_feed"
    assert metric[0]["feed"] == "gia-press-en"
    assert dal.get_state("gia-press-en") is None  # nothing stored


def test_fetch_upstream_error_and_too_large(feeds_table, served, monkeypatch):
    served.serve("/weather_flw_en.json", b"oops", status=500)
    with pytest.raises(errors.UpstreamError):
        call("feeds-fetch", {"feed": "hko-flw-en"})
    served.serve("/weather_flw_tc.json", b" " * (3 * 1024 * 1024))
    with pytest.raises(errors.FeedTooLarge):
        call("feeds-fetch", {"feed": "hko-flw-tc"})


@pytest.mark.parametrize("event", [{}, {"feed": ""}, {"feed": 3}])
def test_fetch_needs_a_feed(feeds_table, event):
    with pytest.raises(errors.InvalidInput):
        call("feeds-fetch", event)


def test_record_failure_keeps_the_good_payload(feeds_table, served):
    call("feeds-fetch", {"feed": "cfs-alerts-tc"})
    before = aws.client("dynamodb").get_item(TableName=feeds_table,
                                             Key={"feed": {"S": "cfs-alerts-tc"}})["Item"]
    cause = json.dumps({"errorType": "MalformedFeed", "errorMessage": "The CFS food alerts "
                        "document is malformed: not well-formed XML (line 3, column 9).",
                        "stackTrace": ["  File \"/secret/path.py\", line 1"]})
    out = call("feeds-record-failure", {"feed": "cfs-alerts-tc", "execution": EXECUTION,
                                        "error": {"Error": "MalformedFeed", "Cause": cause}})
    assert out == {"feed": "cfs-alerts-tc", "status": "failed", "error": "MalformedFeed"}
    after = aws.client("dynamodb").get_item(TableName=feeds_table,
                                            Key={"feed": {"S": "cfs-alerts-tc"}})["Item"]
    assert after["payload"] == before["payload"]
    assert after["fetched_at"] == before["fetched_at"]
    assert after["last_error"]["S"] == "MalformedFeed"
    assert after["last_error_message"]["S"].startswith("The CFS food alerts document")
    assert "secret" not in after["last_error_message"]["S"]  # no stack trace kept
    assert after["failures"]["N"] == "1"


def test_record_failure_with_plain_text_cause(feeds_table):
    out = call("feeds-record-failure", {"feed": "td-news-en",
                                        "error": {"Error": "States.Timeout", "Cause": "x" * 999}})
    assert out["error"] == "States.Timeout"
    state = dal.get_state("td-news-en")
    assert state is not None and state.last_error == "States.Timeout" and state.failures == 1
