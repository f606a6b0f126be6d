"""The one way to DynamoDB, shared by every context's data-access module (``<context>/dal``,
the only modules that import this one): the client, item marshalling (plain values in and out;
numbers come back as ``int``, every number the platform stores being whole), get / put / update
/ delete / query / batch / transaction calls with their condition failures reported as a value
(``False`` / ``None``), and which SDK failures mean "busy or down, try later" (→
``errors.Unavailable``: 503 with Retry-After at the edge, a retry in Step Functions) as opposed
to a bug of ours, which is left to surface. Low-level client calls, one request each: no ORM
import on the login path (PynamoDB models stay inside the data-access modules that use them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from iamsmart import errors


def now() -> int:
    """Seconds since the epoch: the clock every stored expiry and window is computed from."""
    return int(time.time())

RETRYABLE = frozenset({
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
})


@contextmanager
def translated(action: str) -> Iterator[None]:
    """Run PynamoDB or boto3 DynamoDB calls; throttling and outages become ``Unavailable``."""
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    try:
        yield
    except PynamoDBException as exc:
        code = exc.cause_response_code
        if code is None or code in RETRYABLE:
            raise errors.Unavailable(operation=action, reason=code or "connection") from exc
        raise
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in RETRYABLE:
            raise errors.Unavailable(operation=action, reason=code) from exc
        raise
    except BotoCoreError as exc:  # endpoint unreachable, read timeout
        raise errors.Unavailable(operation=action, reason=type(exc).__name__) from exc


def _client() -> Any:
    from iamsmart import aws

    return aws.client("dynamodb")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set):
        return {_plain(v) for v in value}
    return value


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item from plain values (``None`` values are left out)."""
    from boto3.dynamodb.types import TypeSerializer

    ser = TypeSerializer()
    return {k: ser.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    de = TypeDeserializer()
    return {k: _plain(de.deserialize(v)) for k, v in item.items()}


def _conditional_failed(exc: Exception) -> bool:
    """A boto3 or PynamoDB failure that is a condition not met (a value, not an error)."""
    code = getattr(exc, "cause_response_code", None)  # PynamoDB
    if code is None:
        response = getattr(exc, "response", None) or {}
        code = response.get("Error", {}).get("Code")
    return bool(code == "ConditionalCheckFailedException")


class Condition:
    """What ``conditional`` saw: ``failed`` when the write's condition was not met."""

    failed = False


@contextmanager
def conditional(action: str) -> Iterator[Condition]:
    """Run one conditional write (boto3 or PynamoDB) as ``translated`` does; a condition not
    met is not raised but reported on the value yielded (``failed``)."""
    outcome = Condition()
    try:
        with translated(action):
            yield outcome
    except Exception as exc:  # noqa: BLE001 - anything else is raised again at once
        if not _conditional_failed(exc):
            raise
        outcome.failed = True


def _written(operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """One conditional write (``put_item``, ``update_item``, ``delete_item``): its answer, or
    None when its condition failed."""
    answer: dict[str, Any] = {}
    with conditional(operation) as written:
        answer = getattr(_client(), operation)(**params)
    return None if written.failed else answer


def get(table: str, key: Mapping[str, Any], *, consistent: bool = False) -> dict[str, Any] | None:
    with translated("get_item"):
        answer = _client().get_item(TableName=table, Key=to_item(key), ConsistentRead=consistent)
    item = answer.get("Item")
    return from_item(item) if item else None


def put(table: str, values: Mapping[str, Any], *, condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values_: Mapping[str, Any] | None = None) -> bool:
    """PutItem; False when ``condition`` fails."""
    params: dict[str, Any] = {"TableName": table, "Item": to_item(values)}
    _conditions(params, condition, names, values_)
    return _written("put_item", params) is not None


def update(table: str, key: Mapping[str, Any], expression: str, *,
           condition: str | None = None, names: Mapping[str, str] | None = None,
           values_: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """UpdateItem returning the new item; None when ``condition`` fails."""
    params: dict[str, Any] = {"TableName": table, "Key": to_item(key),
                              "UpdateExpression": expression, "ReturnValues": "ALL_NEW"}
    _conditions(params, condition, names, values_)
    answer = _written("update_item", params)
    return None if answer is None else from_item(answer.get("Attributes") or {})


def delete(table: str, key: Mapping[str, Any], *, condition: str | None = None,
           names: Mapping[str, str] | None = None,
           values_: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """DeleteItem returning the deleted item; None when absent or ``condition`` fails."""
    params: dict[str, Any] = {"TableName": table, "Key": to_item(key),
                              "ReturnValues": "ALL_OLD"}
    _conditions(params, condition, names, values_)
    old = (_written("delete_item", params) or {}).get("Attributes")
    return from_item(old) if old else None


def query(table: str, partition: tuple[str, Any], *, begins_with: tuple[str, str] | None = None,
          limit: int = 100) -> list[dict[str, Any]]:
    """Items of one partition (optionally whose sort key begins with a prefix), up to limit."""
    name, value = partition
    expression = "#p = :p"
    names = {"#p": name}
    values: dict[str, Any] = {":p": value}
    if begins_with is not None:
        expression += " AND begins_with(#s, :s)"
        names["#s"] = begins_with[0]
        values[":s"] = begins_with[1]
    with translated("query"):
        answer = _client().query(TableName=table, KeyConditionExpression=expression,
                                 ExpressionAttributeNames=names,
                                 ExpressionAttributeValues=to_item(values), Limit=limit)
    return [from_item(i) for i in answer.get("Items", [])]


def query_page(table: str, partition: tuple[str, Any], *, limit: int | None = None,
               start: Mapping[str, Any] | None = None, newest_first: bool = False,
               ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One Query of a partition in sort-key order (``newest_first``: descending), continuing
    after the key ``start``: its items and the key to continue from (None on the last page)."""
    name, value = partition
    params: dict[str, Any] = {"TableName": table, "KeyConditionExpression": "#p = :p",
                              "ExpressionAttributeNames": {"#p": name},
                              "ExpressionAttributeValues": to_item({":p": value}),
                              "ScanIndexForward": not newest_first}
    if limit is not None:
        params["Limit"] = limit
    if start:
        params["ExclusiveStartKey"] = to_item(start)
    with translated("query"):
        answer = _client().query(**params)
    last = answer.get("LastEvaluatedKey")
    return [from_item(i) for i in answer.get("Items", [])], from_item(last) if last else None


def query_all(table: str, partition: tuple[str, Any]) -> list[dict[str, Any]]:
    """Every item of a partition, in sort-key order (one Query per page of 1 MB)."""
    found: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        items, start = query_page(table, partition, start=start)
        found.extend(items)
        if start is None:
            return found


def batch_get(table: str, keys: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Up to 100 items of one table by key in one call (eventually consistent; unprocessed
    keys retried, ``Unavailable`` rather than a partial answer: ``batch_get_tables``)."""
    if not keys:
        return []
    return batch_get_tables({table: keys[:100]}, consistent=False)[table]


def transact_write(actions: list[dict[str, Any]]) -> bool:
    """TransactWriteItems (elements from ``put_action`` / ``update_action`` or in low-level
    form); False when a condition failed and nothing was written."""
    return transact_write_reasons(actions) is None


def _conditions(params: dict[str, Any], condition: str | None,
                names: Mapping[str, str] | None, values: Mapping[str, Any] | None) -> None:
    if condition:
        params["ConditionExpression"] = condition
    if names:
        params["ExpressionAttributeNames"] = dict(names)
    if values:
        params["ExpressionAttributeValues"] = to_item(values)


def batch_put(table: str, items: Sequence[Mapping[str, Any]]) -> None:
    """Up to 25 unconditional puts in one BatchWriteItem (unprocessed ones retried once)."""
    request: dict[str, Any] = {table: [{"PutRequest": {"Item": to_item(i)}} for i in items]}
    for _ in range(2):
        with translated("batch_write_item"):
            answer = _client().batch_write_item(RequestItems=request)
        request = answer.get("UnprocessedItems") or {}
        if not request:
            return
    raise errors.Unavailable(operation="batch_write_item", reason="unprocessed")


# --- more shapes of the same calls (the oidc context's: multi-table reads, failures that
# answer the old item, transaction elements) ------------------------------------------------

def update_or_old(table: str, key: Mapping[str, Any], expression: str, *, condition: str,
                  names: Mapping[str, str] | None = None,
                  values_: Mapping[str, Any] | None = None,
                  ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """UpdateItem: (new item, None) on success; (None, the item as it was, or None when there
    was none) when ``condition`` failed: the old item comes back with the failure
    (``ReturnValuesOnConditionCheckFailure``), no extra read."""
    from botocore.exceptions import ClientError

    params: dict[str, Any] = {"TableName": table, "Key": to_item(key),
                              "UpdateExpression": expression, "ReturnValues": "ALL_NEW",
                              "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
    _conditions(params, condition, names, values_)
    try:
        with translated("update_item"):
            answer = _client().update_item(**params)
    except ClientError as exc:
        if _conditional_failed(exc):
            old = exc.response.get("Item")
            return None, (from_item(old) if old else None)
        raise
    return from_item(answer.get("Attributes") or {}), None


def batch_get_tables(keys: Mapping[str, Sequence[Mapping[str, Any]]], *,
                     consistent: bool = True) -> dict[str, list[dict[str, Any]]]:
    """One BatchGetItem over several tables (consistent reads by default): table name -> the
    items found (unprocessed keys retried, at most three calls in all)."""
    request = {name: {"Keys": [to_item(k) for k in ks], "ConsistentRead": consistent}
               for name, ks in keys.items() if ks}
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in keys}
    attempts = 0
    while request:
        attempts += 1
        with translated("batch_get_item"):
            answer = _client().batch_get_item(RequestItems=request)
        for name, items in answer.get("Responses", {}).items():
            found.setdefault(name, []).extend(from_item(i) for i in items)
        request = answer.get("UnprocessedKeys") or {}
        if request and attempts >= 3:
            raise errors.Unavailable(operation="batch_get_item", reason="Unprocessed")
    return found


def scan(table: str) -> list[dict[str, Any]]:
    """Every item of a (small) table, all pages."""
    out: list[dict[str, Any]] = []
    with translated("scan"):
        for page in _client().get_paginator("scan").paginate(TableName=table):
            out.extend(from_item(i) for i in page.get("Items", []))
    return out


def put_action(table: str, values: Mapping[str, Any], *, condition: str | None = None,
               names: Mapping[str, str] | None = None,
               values_: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A ``Put`` element of ``transact_write`` (plain values in)."""
    params: dict[str, Any] = {"TableName": table, "Item": to_item(values)}
    _conditions(params, condition, names, values_)
    return {"Put": params}


def delete_action(table: str, key: Mapping[str, Any], *, condition: str | None = None,
                  names: Mapping[str, str] | None = None,
                  values_: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A ``Delete`` element of ``transact_write`` (plain values in)."""
    params: dict[str, Any] = {"TableName": table, "Key": to_item(key)}
    _conditions(params, condition, names, values_)
    return {"Delete": params}


def update_action(table: str, key: Mapping[str, Any], expression: str, *,
                  condition: str | None = None, names: Mapping[str, str] | None = None,
                  values_: Mapping[str, Any] | None = None,
                  old_on_failure: bool = False) -> dict[str, Any]:
    """An ``Update`` element of ``transact_write`` (plain values in); ``old_on_failure``: a
    failed condition answers the item as it was (``transact_write_reasons``)."""
    params: dict[str, Any] = {"TableName": table, "Key": to_item(key),
                              "UpdateExpression": expression}
    _conditions(params, condition, names, values_)
    if old_on_failure:
        params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {"Update": params}


def transact_write_reasons(actions: list[dict[str, Any]],
                           ) -> list[tuple[bool, dict[str, Any] | None]] | None:
    """TransactWriteItems: None when written; when a condition failed (nothing was written),
    one ``(failed, old item or None)`` per element in order (the old item only for elements
    that asked for it, ``update_action(old_on_failure=True)``)."""
    from botocore.exceptions import ClientError

    try:
        with translated("transact_write_items"):
            _client().transact_write_items(TransactItems=actions)
    except ClientError as exc:
        if (exc.response or {}).get("Error", {}).get("Code") == "TransactionCanceledException":
            reasons = exc.response.get("CancellationReasons") or []
            if len(reasons) == len(actions) and any(
                    r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                return [(r.get("Code") == "ConditionalCheckFailed",
                         from_item(r["Item"]) if r.get("Item") else None) for r in reasons]
            raise errors.Unavailable(operation="transact_write_items",
                                     reason="TransactionCanceled") from exc
        raise
    return None


# --- PynamoDB models (the data-access modules that keep one: catalogue, feeds, sites, apikeys)

_MODELS: dict[tuple[Callable[[], Any], str, str], Any] = {}


def pynamodb_model(define: Callable[[], Any], table_name: str, *,
                   connect_timeout_seconds: int | None = 3,
                   read_timeout_seconds: int | None = 10) -> Any:
    """The PynamoDB model class ``define`` builds (a data-access module's own: its attributes
    and an empty ``Meta``), bound to ``table_name`` in the configured region with two retries
    and these timeouts (``None``: PynamoDB's default); built once per table and region."""
    from iamsmart.settings import settings

    region = settings().region
    model = _MODELS.get((define, table_name, region))
    if model is None:
        model = define()
        meta = model.Meta
        meta.table_name = table_name
        meta.region = region
        meta.max_retry_attempts = 2
        if connect_timeout_seconds is not None:
            meta.connect_timeout_seconds = connect_timeout_seconds
        if read_timeout_seconds is not None:
            meta.read_timeout_seconds = read_timeout_seconds
        _MODELS[(define, table_name, region)] = model
    return model


def forget_model(define: Callable[[], Any]) -> None:
    """Build ``define``'s model afresh next time (its connection is cached with it: tests
    that start a new emulator, the local platform when its endpoint changes)."""
    for key in [k for k in _MODELS if k[0] is define]:
        del _MODELS[key]


def model_get(model: Any, key: Any, *, action: str, consistent: bool = False) -> Any | None:
    """One item of a PynamoDB model by its key, or None."""
    with translated(action):
        try:
            return model.get(key, consistent_read=consistent)
        except model.DoesNotExist:
            return None
