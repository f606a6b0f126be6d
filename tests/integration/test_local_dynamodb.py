"""The local platform's DynamoDB helpers: requests serialised on moto's threaded server (a
canary for the patched private method), and expired items swept as DynamoDB's TTL would."""

from __future__ import annotations

import threading
import time

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from infra.local import dynamodb
from infra.names import TABLES


@pytest.fixture
def server_client():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client("dynamodb", endpoint_url=f"http://{host}:{port}",
                          region_name="ap-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x",  # noqa: S106 - moto placeholder
                          config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    yield client
    server.stop()


def test_concurrent_transactions_on_the_threaded_server_never_fail(server_client) -> None:
    dynamodb.serialise()
    for n in range(300):
        server_client.put_item(TableName="t", Item={"pk": {"S": f"seed{n}"},
                                                    "data": {"M": {"a": {"S": "x" * 20}}}})
    failures: list[str] = []

    def worker(w: int) -> None:
        for n in range(25):
            try:
                server_client.transact_write_items(TransactItems=[
                    {"Put": {"TableName": "t", "Item": {"pk": {"S": f"tx{w}-{n}"}}}}])
                server_client.put_item(TableName="t", Item={"pk": {"S": f"p{w}-{n}"}})
            except Exception as exc:  # noqa: BLE001 - collected for the assertion
                failures.append(type(exc).__name__)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_sweep_deletes_expired_items_only(platform) -> None:
    from iamsmart import aws

    grants = TABLES["grants"]
    client = aws.client("dynamodb")
    now = int(time.time())
    client.put_item(TableName=grants.name, Item={"pk": {"S": "gone"},
                                                 "expires_at": {"N": str(now - 1)}})
    client.put_item(TableName=grants.name, Item={"pk": {"S": "kept"},
                                                 "expires_at": {"N": str(now + 60)}})
    assert dynamodb.sweep_expired(now) >= 1
    assert "Item" not in client.get_item(TableName=grants.name, Key={"pk": {"S": "gone"}})
    assert "Item" in client.get_item(TableName=grants.name, Key={"pk": {"S": "kept"}})
