"""Provider registry and consumer registrations in the ``exchange`` table.

Items: providers under ``pk = "provider"``, ``sk = <id>`` (one Query reads them all);
consumers under ``pk = "consumer"``, ``sk = <client id>``; each holds its validated
registration as JSON (``doc``). Registrations are few and change rarely: reads are cached
for ``CACHE_SECONDS`` per warm function.

A consumer registration is checked against the providers when stored: every field path it
registers exists, the purpose is among the dataset's lawful purposes, and the retention it
declares is within the dataset's maximum (PDPO DPP2: not kept longer than necessary).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from iamsmart import errors
from iamsmart.dynamo import translated
from iamsmart.exchange.models import Consumer, Provider, split_path

CACHE_SECONDS = 60.0
PROVIDER_PK = "provider"
CONSUMER_PK = "consumer"

_lock = threading.Lock()
_providers: tuple[float, dict[str, Provider]] | None = None
_consumers: dict[str, tuple[float, Consumer | None]] = {}


class InvalidRegistration(ValueError):
    """A registration that must not be stored (the reason says why)."""


class NotAConsumer(errors.Forbidden):
    code = "outside_registration"
    en = "This service is not registered to receive data from the exchange."
    tc = "此服務未登記從數據交換閘接收資料。"


def reset() -> None:
    global _providers
    with _lock:
        _providers = None
        _consumers.clear()


def table() -> str:
    from iamsmart.settings import settings

    return settings().exchange_table  # type: ignore[no-any-return]


def _ddb() -> Any:
    from iamsmart import aws

    return aws.client("dynamodb")


def _doc(model: Provider | Consumer) -> str:
    return json.dumps(model.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)


# --- providers --------------------------------------------------------------------------

def put_provider(provider: Provider) -> None:
    """Create or replace a provider registration."""
    with translated("exchange.put_provider"):
        _ddb().put_item(TableName=table(), Item={
            "pk": {"S": PROVIDER_PK}, "sk": {"S": provider.id}, "doc": {"S": _doc(provider)}})
    reset()


def providers() -> dict[str, Provider]:
    """Every registered provider by id (cached)."""
    global _providers
    now = time.monotonic()
    cached = _providers
    if cached is not None and cached[0] > now:
        return cached[1]
    found: dict[str, Provider] = {}
    params: dict[str, Any] = {"TableName": table(), "KeyConditionExpression": "pk = :p",
                              "ExpressionAttributeValues": {":p": {"S": PROVIDER_PK}}}
    while True:
        with translated("exchange.providers"):
            page = _ddb().query(**params)
        for item in page.get("Items", []):
            provider = Provider.model_validate(json.loads(item["doc"]["S"]))
            found[provider.id] = provider
        if "LastEvaluatedKey" not in page:
            break
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    with _lock:
        _providers = (now + CACHE_SECONDS, found)
    return found


def get_provider(provider_id: str) -> Provider | None:
    return providers().get(provider_id)


def delete_provider(provider_id: str) -> bool:
    """Remove a provider registration; False when there was none. Its fields are then
    unknown: consumers registering them are refused when stored again (``check_consumer``)."""
    with translated("exchange.delete_provider"):
        old = _ddb().delete_item(TableName=table(), ReturnValues="ALL_OLD", Key={
            "pk": {"S": PROVIDER_PK}, "sk": {"S": provider_id}}).get("Attributes")
    reset()
    return old is not None


# --- consumers --------------------------------------------------------------------------

def check_consumer(consumer: Consumer) -> None:
    """Every registered field exists, its dataset allows the purpose, retention fits."""
    known = providers()
    for purpose, reg in consumer.purposes.items():
        for path in reg.fields:
            pid, dataset, name = split_path(path)
            provider = known.get(pid)
            ds = provider.datasets.get(dataset) if provider is not None else None
            if ds is None or name not in ds.fields:
                raise InvalidRegistration(f"{path}: no such field in the registry")
            if purpose not in ds.purposes:
                raise InvalidRegistration(f"{path}: {purpose} is not a lawful purpose of "
                                          f"{pid}.{dataset}")
            if reg.retention_days > ds.max_retention_days:
                raise InvalidRegistration(f"{path}: retention {reg.retention_days} days is "
                                          f"beyond {ds.max_retention_days}")


def put_consumer(consumer: Consumer) -> None:
    """Create or replace a consumer registration (checked against the providers)."""
    check_consumer(consumer)
    with translated("exchange.put_consumer"):
        _ddb().put_item(TableName=table(), Item={
            "pk": {"S": CONSUMER_PK}, "sk": {"S": consumer.client_id},
            "doc": {"S": _doc(consumer)}})
    with _lock:
        _consumers.pop(consumer.client_id, None)


def find_consumer(client_id: str) -> Consumer | None:
    now = time.monotonic()
    hit = _consumers.get(client_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    with translated("exchange.get_consumer"):
        item = _ddb().get_item(TableName=table(), Key={
            "pk": {"S": CONSUMER_PK}, "sk": {"S": client_id}}).get("Item")
    consumer = Consumer.model_validate(json.loads(item["doc"]["S"])) if item else None
    with _lock:
        if len(_consumers) > 1000:
            _consumers.clear()
        _consumers[client_id] = (now + CACHE_SECONDS, consumer)
    return consumer


def list_consumers() -> list[Consumer]:
    """Every consumer registration, by client id (read from the table, not the cache)."""
    found: list[Consumer] = []
    params: dict[str, Any] = {"TableName": table(), "KeyConditionExpression": "pk = :p",
                              "ExpressionAttributeValues": {":p": {"S": CONSUMER_PK}}}
    while True:
        with translated("exchange.list_consumers"):
            page = _ddb().query(**params)
        found += [Consumer.model_validate(json.loads(i["doc"]["S"])) for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return sorted(found, key=lambda c: c.client_id)
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def delete_consumer(client_id: str) -> bool:
    """Remove a consumer registration (further fetches refused); False when there was none.
    Standing consents are the citizens' and stay, but cannot be used without it."""
    with translated("exchange.delete_consumer"):
        old = _ddb().delete_item(TableName=table(), ReturnValues="ALL_OLD", Key={
            "pk": {"S": CONSUMER_PK}, "sk": {"S": client_id}}).get("Attributes")
    with _lock:
        _consumers.pop(client_id, None)
    return old is not None


def get_consumer(client_id: str) -> Consumer:
    consumer = find_consumer(client_id)
    if consumer is None:
        raise NotAConsumer()
    return consumer
