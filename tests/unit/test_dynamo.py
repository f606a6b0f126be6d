"""The shared DynamoDB helper's pieces that the data-access modules lean on: conditional writes
(boto3 or PynamoDB) whose failed condition is a value, PynamoDB models bound to a table once,
and a PynamoDB read that answers None for an absent item (moto in-process)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from iamsmart import dynamo, errors

TABLE = "test-dynamo-helper"


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from moto import mock_aws

    from iamsmart import aws
    from iamsmart.settings import settings

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    settings.cache_clear()
    aws.reset()
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        aws.client("dynamodb").create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        yield TABLE
    dynamo.forget_model(_define)
    settings.cache_clear()
    aws.reset()


def _define() -> Any:
    from pynamodb.attributes import UnicodeAttribute
    from pynamodb.models import Model

    class Thing(Model):
        class Meta:
            pass

        id = UnicodeAttribute(hash_key=True)
        colour = UnicodeAttribute(null=True)

    return Thing


def test_a_failed_condition_is_a_value_for_boto3_writes(table):
    assert dynamo.put(table, {"id": "a"}, condition="attribute_not_exists(id)")
    assert not dynamo.put(table, {"id": "a"}, condition="attribute_not_exists(id)")
    assert dynamo.update(table, {"id": "b"}, "SET colour = :c", condition="attribute_exists(id)",
                         values_={":c": "red"}) is None
    assert dynamo.update(table, {"id": "a"}, "SET colour = :c",
                         values_={":c": "red"}) == {"id": "a", "colour": "red"}
    assert dynamo.delete(table, {"id": "a"}, condition="colour = :c",
                         values_={":c": "blue"}) is None
    assert dynamo.delete(table, {"id": "a"}) == {"id": "a", "colour": "red"}


def test_a_failed_condition_is_a_value_for_pynamodb_writes(table):
    model = dynamo.pynamodb_model(_define, table)
    with dynamo.conditional("first") as first:
        model("a", colour="red").save(condition=model.id.does_not_exist())
    with dynamo.conditional("again") as again:
        model("a", colour="blue").save(condition=model.id.does_not_exist())
    assert (first.failed, again.failed) == (False, True)
    assert dynamo.model_get(model, "a", action="get", consistent=True).colour == "red"
    assert dynamo.model_get(model, "absent", action="get") is None


def test_other_failures_are_not_taken_for_a_failed_condition(table):
    from pynamodb.exceptions import PynamoDBException

    missing = dynamo.pynamodb_model(_define, "no-such-table")
    with pytest.raises(PynamoDBException) as raised, dynamo.conditional("save"):
        missing("a").save(condition=missing.id.does_not_exist())
    assert raised.value.cause_response_code == "ResourceNotFoundException"
    with pytest.raises(errors.Unavailable), dynamo.conditional("throttled"):
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "ThrottlingException"}}, "PutItem")


def test_a_model_is_bound_once_per_table_and_built_afresh_when_forgotten(table):
    model = dynamo.pynamodb_model(_define, table, read_timeout_seconds=5)
    assert dynamo.pynamodb_model(_define, table) is model
    meta = model.Meta
    assert (meta.table_name, meta.max_retry_attempts, meta.connect_timeout_seconds,
            meta.read_timeout_seconds) == (table, 2, 3, 5)
    from iamsmart.settings import settings

    assert meta.region == settings().region
    other = dynamo.pynamodb_model(_define, "another-table")
    assert other is not model and other.Meta.table_name == "another-table"
    dynamo.forget_model(_define)
    assert dynamo.pynamodb_model(_define, table) is not model
    untimed = dynamo.pynamodb_model(_define, "untimed", connect_timeout_seconds=None,
                                    read_timeout_seconds=None)
    assert untimed.Meta.read_timeout_seconds != 5  # PynamoDB's own default stays


def test_a_batch_read_never_answers_part_of_the_items(table):
    """Keys DynamoDB leaves unprocessed are asked again; still left after that, the read is
    Unavailable (a missing item would otherwise look absent). DynamoDB's throttled answer is
    played by botocore's Stubber: moto always processes every key."""
    from botocore.stub import Stubber

    dynamo.put(table, {"id": "a", "colour": "red"})
    assert dynamo.batch_get(table, [{"id": "a"}, {"id": "none"}]) == [{"id": "a",
                                                                      "colour": "red"}]
    left = {table: {"Keys": [{"id": {"S": "a"}}], "ConsistentRead": False}}
    with Stubber(dynamo._client()) as stub:
        for _ in range(3):
            stub.add_response("batch_get_item", {"Responses": {table: []},
                                                 "UnprocessedKeys": left})
        with pytest.raises(errors.Unavailable):
            dynamo.batch_get(table, [{"id": "a"}])


def test_a_transaction_answers_whether_it_was_written(table):
    assert dynamo.transact_write([dynamo.put_action(table, {"id": "t"},
                                                    condition="attribute_not_exists(id)")])
    assert not dynamo.transact_write([
        dynamo.put_action(table, {"id": "u"}),
        dynamo.put_action(table, {"id": "t"}, condition="attribute_not_exists(id)")])
    assert dynamo.get(table, {"id": "u"}) is None  # nothing of a failed transaction
