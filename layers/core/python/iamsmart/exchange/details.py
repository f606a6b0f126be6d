"""RFC 9396 ``authorization_details`` of type ``urn:iamsmart:data-exchange``: checked at PAR
against the consumer's registration, and described in plain words for the consent page.

Refused at PAR (THREATS 18): a client that is not a registered consumer, a purpose it is not
registered for, a field outside its registration for that purpose, a field the registry does
not know, or a dataset whose lawful purposes do not include the purpose.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from iamsmart import errors
from iamsmart.exchange import registry, vocabulary
from iamsmart.exchange.models import Consumer, Detail, split_path

if TYPE_CHECKING:  # pragma: no cover
    from iamsmart.oidc.clients import Client

MAX_RAW = 8 * 1024


class InvalidAuthorizationDetails(errors.InvalidInput):
    code = "invalid_authorization_details"
    en = "The data requested (authorization_details) is not allowed for this service."
    tc = "此服務不獲准要求所列資料（authorization_details）。"


def parse(raw: str) -> Detail:
    """The one data-exchange detail of a JSON array (syntax only)."""
    if len(raw) > MAX_RAW:
        raise InvalidAuthorizationDetails(en="authorization_details is too long.",
                                          tc="authorization_details 過長。")
    try:
        value = json.loads(raw)
    except ValueError:
        raise InvalidAuthorizationDetails(en="authorization_details is not valid JSON.",
                                          tc="authorization_details 不是有效的 JSON。") from None
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        raise InvalidAuthorizationDetails(
            en="authorization_details must hold exactly one data-exchange entry.",
            tc="authorization_details 必須只含一項數據交換要求。")
    if value[0].get("type") != vocabulary.DETAIL_TYPE:
        raise InvalidAuthorizationDetails(
            en=f"Unsupported authorization_details type (use {vocabulary.DETAIL_TYPE}).",
            tc=f"不支援的 authorization_details 類型（請用 {vocabulary.DETAIL_TYPE}）。")
    try:
        return Detail.model_validate(value[0])
    except ValidationError:
        raise InvalidAuthorizationDetails(
            en="authorization_details: fields, purpose, mode or duration_days is not valid.",
            tc="authorization_details 的 fields、purpose、mode 或 duration_days 無效。") from None


def check(consumer: Consumer | None, detail: Detail) -> None:
    """The detail fits the consumer's registration and the datasets' lawful purposes."""
    if consumer is None:
        raise InvalidAuthorizationDetails(
            en="This service is not registered to receive data from the exchange.",
            tc="此服務未登記從數據交換閘接收資料。")
    registration = consumer.purposes.get(detail.purpose)
    if registration is None:
        raise InvalidAuthorizationDetails(
            en="This service is not registered for that purpose.",
            tc="此服務未登記該用途。")
    outside = set(detail.fields) - set(registration.fields)
    if outside:
        raise InvalidAuthorizationDetails(
            en="A requested field is outside the service's registration for that purpose.",
            tc="所要求的某項資料超出此服務就該用途的登記範圍。")
    known = registry.providers()
    for path in detail.fields:
        pid, dataset, name = split_path(path)
        provider = known.get(pid)
        ds = provider.datasets.get(dataset) if provider is not None else None
        if ds is None or name not in ds.fields or detail.purpose not in ds.purposes:
            raise InvalidAuthorizationDetails(
                en="A requested field is unknown, or not to be used for that purpose.",
                tc="所要求的某項資料不存在，或不得用於該用途。")


def validate(client: Client, raw: str | None) -> str | None:
    """At PAR: the normalised detail (JSON, stored in the pushed request) or None."""
    if raw is None or raw == "":
        return None
    detail = parse(raw)
    check(registry.find_consumer(client.client_id), detail)
    return json.dumps(detail.as_wire(), separators=(",", ":"), sort_keys=True)


def load(stored: str) -> Detail:
    return Detail.model_validate(json.loads(stored))


def _plain(name: str) -> str:
    """A registered name in words when the registry no longer knows it (never a path)."""
    return name.replace("_", " ")


def field_views(paths: list[str] | tuple[str, ...]) -> list[dict[str, Any]]:
    """Each field with its provider's and dataset's names, its own label, and how its values
    read (type, codes, record members): the one vocabulary of the consent page, "My data" and
    "Who read my data". A field the registry no longer knows reads as its plain name."""
    known = registry.providers()
    out = []
    for path in paths:
        pid, dataset, name = split_path(path)
        provider = known.get(pid)
        ds = provider.datasets.get(dataset) if provider is not None else None
        spec = ds.fields.get(name) if ds is not None else None
        out.append({
            "path": path,
            "provider": provider_view(pid, provider),
            "dataset": dataset, "dataset_en": ds.name_en if ds else _plain(dataset),
            "dataset_tc": ds.name_tc if ds else _plain(dataset),
            "label_en": spec.label_en if spec else _plain(name),
            "label_tc": spec.label_tc if spec else _plain(name),
            "sensitivity": spec.sensitivity if spec else "personal",
            **(spec.words() if spec else {"type": "string"})})
    return out


def provider_view(provider_id: str, provider: Any = None) -> dict[str, str]:
    """A provider's id and names (the registered ones; the id when it is gone)."""
    if provider is None:
        provider = registry.providers().get(provider_id)
    return {"id": provider_id, "name_en": provider.name_en if provider else provider_id,
            "name_tc": provider.name_tc if provider else provider_id}


def vocabulary_for(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The words of the field paths and providers a page of access-log events names."""
    paths = sorted({p for e in events for key in ("fields", "delivered")
                    for p in e.get(key) or () if isinstance(p, str)})
    views = {}
    for path in paths:
        try:
            [view] = field_views([path])
        except ValueError:  # not a field path: the page shows nothing for it
            continue
        views[path] = view
    known = registry.providers()
    ids = sorted({str(p["id"]) for e in events for p in e.get("providers") or ()
                  if isinstance(p, dict) and isinstance(p.get("id"), str)})
    return {"fields": views, "providers": {i: provider_view(i, known.get(i)) for i in ids}}


def describe(client_id: str, detail: Detail) -> dict[str, Any]:
    """The consent page's ``data_exchange`` member: who, what, from whom, why, how long."""
    consumer = registry.get_consumer(client_id)
    registration = consumer.purposes[detail.purpose]
    mode_en, mode_tc = vocabulary.MODES[detail.mode]
    days = detail.duration_days or 1
    if detail.mode == "one_time":
        how_long_en, how_long_tc = "Once, within one day", "一次，須於一日內使用"
    else:
        how_long_en = f"Whenever needed for {days} days, until you withdraw it"
        how_long_tc = f"{days} 日內按需要使用，直至你撤回為止"
    return {
        "consumer": consumer.consumer_view(),
        "purpose": vocabulary.purpose_label(detail.purpose),
        "mode": {"id": detail.mode, "en": mode_en, "tc": mode_tc},
        "duration_days": days,
        "how_long": {"en": how_long_en, "tc": how_long_tc},
        "retention_days": registration.retention_days,
        "retention": {
            "en": f"{consumer.name_en} keeps the data for at most "
                  f"{registration.retention_days} days.",
            "tc": f"{consumer.name_tc}最多保留資料 {registration.retention_days} 日。"},
        "fields": field_views(detail.fields),
    }
