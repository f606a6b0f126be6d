"""Provider registry and consumer registrations in the ``exchange`` table.

Providers and consumers are each one partition (one Query reads them all), each
registration stored as validated JSON (``exchange.dal``). Registrations are few and change
rarely: reads are cached for ``CACHE_SECONDS`` per warm function.

A consumer registration is checked against the providers when stored: every field path it
registers exists, the purpose is among the dataset's lawful purposes, and the retention it
declares is within the dataset's maximum (PDPO DPP2: not kept longer than necessary).
"""

from __future__ import annotations

import threading
import time

from iamsmart import errors
from iamsmart.exchange import dal
from iamsmart.exchange.models import Consumer, Provider, split_path

CACHE_SECONDS = 60.0

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


# --- providers --------------------------------------------------------------------------

def put_provider(provider: Provider) -> None:
    """Create or replace a provider registration."""
    dal.put_provider(provider)
    reset()


def providers() -> dict[str, Provider]:
    """Every registered provider by id (cached)."""
    global _providers
    now = time.monotonic()
    cached = _providers
    if cached is not None and cached[0] > now:
        return cached[1]
    found = {provider.id: provider for provider in dal.providers()}
    with _lock:
        _providers = (now + CACHE_SECONDS, found)
    return found


def get_provider(provider_id: str) -> Provider | None:
    return providers().get(provider_id)


def delete_provider(provider_id: str) -> bool:
    """Remove a provider registration; False when there was none. Its fields are then
    unknown: consumers registering them are refused when stored again (``check_consumer``)."""
    existed = dal.delete_provider(provider_id)
    reset()
    return existed


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
    dal.put_consumer(consumer)
    with _lock:
        _consumers.pop(consumer.client_id, None)


def find_consumer(client_id: str) -> Consumer | None:
    now = time.monotonic()
    hit = _consumers.get(client_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    consumer = dal.find_consumer(client_id)
    with _lock:
        if len(_consumers) > 1000:
            _consumers.clear()
        _consumers[client_id] = (now + CACHE_SECONDS, consumer)
    return consumer


def list_consumers() -> list[Consumer]:
    """Every consumer registration, by client id (read from the table, not the cache)."""
    return sorted(dal.consumers(), key=lambda c: c.client_id)


def delete_consumer(client_id: str) -> bool:
    """Remove a consumer registration (further fetches refused); False when there was none.
    Standing consents are the citizens' and stay, but cannot be used without it."""
    existed = dal.delete_consumer(client_id)
    with _lock:
        _consumers.pop(client_id, None)
    return existed


def get_consumer(client_id: str) -> Consumer:
    consumer = find_consumer(client_id)
    if consumer is None:
        raise NotAConsumer()
    return consumer
