"""The feeds table on moto: good data and failures kept apart, TTL, throttling."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from iamsmart import aws, errors
from iamsmart.feeds import dal, models

HKT = models.HKT
T0 = dt.datetime(2030, 7, 16, 14, 10, tzinfo=HKT)


def _doc(n: int = 2) -> models.WarningSummary:
    return models.WarningSummary(warnings=[
        models.Warning(family=f"W{i}", code=f"W{i}", name=f"Warning {i}", action="ISSUE")
        for i in range(n)])


def _raw(table: str, feed: str) -> dict:
    item = aws.client("dynamodb").get_item(TableName=table, Key={"feed": {"S": feed}})
    return item.get("Item", {})


def test_store_and_read_back(feeds_table):
    dal.store_document("hko-warnsum-en", _doc(), source_url="http://u/w.json", fetched_at=T0)
    raw = _raw(feeds_table, "hko-warnsum-en")
    assert json.loads(raw["payload"]["S"])["kind"] == "warning_summary"
    assert raw["fetched_at"]["S"] == "2030-07-16T14:10:00+08:00"
    assert raw["source_url"]["S"] == "http://u/w.json"
    assert int(raw["expires_at"]["N"]) == int((T0 + dt.timedelta(days=7)).timestamp())
    assert raw["items"]["N"] == "2"
    state = dal.get_state("hko-warnsum-en")
    assert state is not None and state.document == _doc() and state.ok
    assert state.fetched_at == T0


def test_failure_never_touches_good_data(feeds_table):
    dal.store_document("td-news-en", _doc(), source_url="http://u/n.xml", fetched_at=T0)
    before = _raw(feeds_table, "td-news-en")
    later = T0 + dt.timedelta(minutes=10)
    assert dal.record_failure("td-news-en", error="MalformedFeed", message="bad",
                              at=later) == 1
    assert dal.record_failure("td-news-en", error="UpstreamError", message="HTTP 500",
                              at=later + dt.timedelta(minutes=10)) == 2
    after = _raw(feeds_table, "td-news-en")
    for key in ("payload", "fetched_at", "source_url", "items", "expires_at"):
        assert after[key] == before[key], key
    assert after["last_error"]["S"] == "UpstreamError"
    assert after["last_error_message"]["S"] == "HTTP 500"
    assert after["failures"]["N"] == "2"
    state = dal.get_state("td-news-en")
    assert state is not None and state.document == _doc()  # still served
    assert not state.ok and state.failures == 2


def test_failure_of_a_never_fetched_feed_creates_a_failure_only_item(feeds_table):
    dal.record_failure("gia-press-tc", error="UpstreamError", message="refused", at=T0)
    raw = _raw(feeds_table, "gia-press-tc")
    assert "payload" not in raw
    assert int(raw["expires_at"]["N"]) == int((T0 + dt.timedelta(days=7)).timestamp())
    state = dal.get_state("gia-press-tc")
    assert state is not None and state.document is None and not state.ok


def test_good_fetch_after_failures_restarts_the_count_and_is_ok(feeds_table):
    dal.record_failure("cfs-alerts-en", error="UpstreamError", message="x", at=T0)
    later = T0 + dt.timedelta(minutes=10)
    dal.store_document("cfs-alerts-en", _doc(1), source_url="http://u/c.xml", fetched_at=later)
    raw = _raw(feeds_table, "cfs-alerts-en")
    assert raw["failures"]["N"] == "0"
    assert raw["last_error"]["S"] == "UpstreamError"  # history kept
    assert int(raw["expires_at"]["N"]) == int((later + dt.timedelta(days=7)).timestamp())
    state = dal.get_state("cfs-alerts-en")
    assert state is not None and state.ok and state.failures == 0


def test_expired_and_unreadable_payloads_are_ignored(feeds_table):
    old = dt.datetime.now(HKT) - dt.timedelta(days=8)
    dal.store_document("hko-flw-en", _doc(), source_url="http://u", fetched_at=old)
    dal.store_document("hko-flw-tc", _doc(), source_url="http://u", fetched_at=T0)
    aws.client("dynamodb").update_item(
        TableName=feeds_table, Key={"feed": {"S": "hko-flw-tc"}},
        UpdateExpression="SET payload = :p", ExpressionAttributeValues={":p": {"S": "{nope"}})
    states = dal.get_states(["hko-flw-en", "hko-flw-tc", "hko-fnd-en"])
    assert set(states) == {"hko-flw-en", "hko-flw-tc"}  # never-seen feeds are absent
    assert states["hko-flw-en"].document is None  # TTL passed (moto never deletes)
    assert states["hko-flw-tc"].document is None


def test_oversized_payload_is_refused_and_nothing_written(feeds_table, monkeypatch):
    monkeypatch.setattr(dal, "MAX_PAYLOAD_BYTES", 100)
    with pytest.raises(errors.FeedTooLarge):
        dal.store_document("hko-warnsum-tc", _doc(5), source_url="http://u", fetched_at=T0)
    assert _raw(feeds_table, "hko-warnsum-tc") == {}


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException",
                                  "ThrottlingException", "InternalServerError"])
def test_throttling_becomes_unavailable(feeds_table, monkeypatch, code):
    from botocore.stub import Stubber

    model = dal._model()
    monkeypatch.setattr(model.Meta, "max_retry_attempts", 0)
    model._connection = None
    client = model._get_connection().connection.client
    with Stubber(client) as stub:
        for _ in range(2):
            stub.add_client_error("update_item", service_error_code=code, http_status_code=400)
        stub.add_client_error("batch_get_item", service_error_code=code, http_status_code=400)
        with pytest.raises(errors.Unavailable) as failed:
            dal.record_failure("hko-fnd-en", error="UpstreamError", message="x", at=T0)
        with pytest.raises(errors.Unavailable) as stored:
            dal.store_document("hko-fnd-en", _doc(), source_url="http://u", fetched_at=T0)
        with pytest.raises(errors.Unavailable) as read:
            dal.get_states(["hko-fnd-en"])
        stub.assert_no_pending_responses()
    model._connection = None
    assert {e.value.details["reason"] for e in (failed, stored, read)} == {code}


def test_other_errors_are_not_disguised(feeds_table, monkeypatch):
    from botocore.stub import Stubber
    from pynamodb.exceptions import PynamoDBException

    model = dal._model()
    client = model._get_connection().connection.client
    with Stubber(client) as stub:
        stub.add_client_error("update_item", service_error_code="ValidationException",
                              http_status_code=400)
        with pytest.raises(PynamoDBException) as caught:
            dal.record_failure("hko-fnd-en", error="UpstreamError", message="x", at=T0)
    assert not isinstance(caught.value, errors.Unavailable)
