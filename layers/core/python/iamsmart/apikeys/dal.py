"""Data access for API keys: the ``apikeys`` table (partition key ``key_id``) and, for the
issuing side only (operator CLIs, local provisioning), API Gateway's keys and usage plans.

The only module of this context that touches PynamoDB or boto3. Stored items never leave it:
callers get ``models.Principal``. Throttling or an unreachable service becomes
``errors.Unavailable``. The API itself calls only ``get`` (DynamoDB ``GetItem``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iamsmart import dynamo, errors
from iamsmart.apikeys.models import Principal
from iamsmart.settings import settings


def _define() -> Any:
    from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
    from pynamodb.models import Model

    class ApiKeyRecord(Model):
        class Meta:
            pass  # bound by dynamo.pynamodb_model

        key_id = UnicodeAttribute(hash_key=True)
        kind = UnicodeAttribute()
        department = UnicodeAttribute(null=True)
        channel = UnicodeAttribute(null=True)
        site = UnicodeAttribute(null=True)
        staff = UnicodeAttribute(null=True)
        enabled = BooleanAttribute()
        issued_at = UnicodeAttribute(null=True)
        disabled_at = UnicodeAttribute(null=True)

    return ApiKeyRecord


def model() -> Any:
    return dynamo.pynamodb_model(_define, settings().apikeys_table, read_timeout_seconds=5)


_FIELDS = ("kind", "department", "channel", "site", "staff", "enabled", "issued_at",
           "disabled_at")


def _to_domain(item: Any) -> Principal:
    return Principal(key_id=item.key_id, **{name: getattr(item, name) for name in _FIELDS})


def get(key_id: str) -> Principal | None:
    item = dynamo.model_get(model(), key_id, action="apikeys.get")
    return _to_domain(item) if item is not None else None


def put(principal: Principal) -> None:
    record = model()
    item = record(principal.key_id, **{name: getattr(principal, name) for name in _FIELDS})
    with dynamo.translated("apikeys.put"):
        item.save()


def set_enabled(key_id: str, enabled: bool, at: str) -> Principal | None:
    """Enable or disable a registered key; ``None`` if the key is not registered."""
    record = model()
    item = record(key_id)
    actions = [record.enabled.set(enabled),
               record.disabled_at.remove() if enabled else record.disabled_at.set(at)]
    with dynamo.conditional("apikeys.set_enabled") as written:
        item.update(actions=actions, condition=record.key_id.exists())
    return None if written.failed else _to_domain(item)


def scan() -> Iterator[Principal]:
    with dynamo.translated("apikeys.scan"):
        for item in model().scan():
            yield _to_domain(item)


def delete(key_id: str) -> None:
    with dynamo.translated("apikeys.delete"):
        model()(key_id).delete()


# --- API Gateway (issuing side only) ------------------------------------------------------

def _apigateway(operation: str, **params: Any) -> Any:
    from iamsmart import aws

    return aws.guarded("apigateway", operation,
                       lambda: getattr(aws.client("apigateway"), operation)(**params),
                       refusals={"NotFoundException": errors.NotFound})


def usage_plan_id(name: str) -> str:
    """The id of the usage plan called ``name``; ``NotFound`` if there is none."""
    position = None
    while True:
        page = _apigateway("get_usage_plans", **({"position": position} if position else {}))
        for plan in page.get("items", []):
            if plan.get("name") == name:
                return str(plan["id"])
        position = page.get("position")
        if not position:
            raise errors.NotFound(en=f"No usage plan named {name}.",
                                  tc=f"沒有名為 {name} 的使用計劃。")


def create_gateway_key(name: str, value: str, tags: dict[str, str]) -> str:
    answer = _apigateway("create_api_key", name=name, value=value, enabled=True, tags=tags)
    return str(answer["id"])


def add_to_usage_plan(plan_id: str, key_id: str) -> None:
    _apigateway("create_usage_plan_key", usagePlanId=plan_id, keyId=key_id, keyType="API_KEY")


def set_gateway_enabled(key_id: str, enabled: bool) -> None:
    _apigateway("update_api_key", apiKey=key_id, patchOperations=[
        {"op": "replace", "path": "/enabled", "value": "true" if enabled else "false"}])


def delete_gateway_key(key_id: str) -> None:
    _apigateway("delete_api_key", apiKey=key_id)
