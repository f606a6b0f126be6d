"""Data access for the catalogue: the ``services`` table (partition key ``id``).

The only module of this context that touches PynamoDB; it is imported lazily, and the model
class is built on first use for the table named by ``settings().services_table``. Stored
items never leave this module: callers get ``models.Service``. SDK errors become domain
errors here (throttling or an unreachable DynamoDB -> ``errors.Unavailable``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from iamsmart import dynamo, errors
from iamsmart.catalogue.models import Department, Service
from iamsmart.settings import settings


@dataclasses.dataclass(frozen=True)
class SeedResult:
    created: int
    updated: int
    unchanged: int


def _define() -> Any:
    from pynamodb.attributes import (
        ListAttribute,
        NumberAttribute,
        UnicodeAttribute,
        UTCDateTimeAttribute,
    )
    from pynamodb.models import Model

    class ServiceRecord(Model):
        class Meta:
            pass  # bound by dynamo.pynamodb_model

        id = UnicodeAttribute(hash_key=True)
        order = NumberAttribute()
        dept_tc = UnicodeAttribute()
        dept_en = UnicodeAttribute()
        dept_abbr = UnicodeAttribute()
        name_tc = UnicodeAttribute()
        name_en = UnicodeAttribute()
        name_en_basis = UnicodeAttribute()
        themes = ListAttribute(of=UnicodeAttribute, default=list)
        audiences = ListAttribute(of=UnicodeAttribute, default=list)
        url = UnicodeAttribute()
        keywords_en = ListAttribute(of=UnicodeAttribute, default=list)
        keywords_tc = ListAttribute(of=UnicodeAttribute, default=list)
        note = UnicodeAttribute(null=True)
        footnote_tc = UnicodeAttribute(null=True)
        updated_at = UTCDateTimeAttribute(null=True)
        # Managed by the owning department (never touched by the seed).
        login_url = UnicodeAttribute(null=True)
        login_url_updated_at = UTCDateTimeAttribute(null=True)
        login_url_updated_by = UnicodeAttribute(null=True)

    return ServiceRecord


def model() -> Any:
    """The PynamoDB model for the configured table (built once per table name)."""
    return dynamo.pynamodb_model(_define, settings().services_table)


def _to_domain(item: Any) -> Service:
    return Service(
        id=item.id,
        order=int(item.order),
        department=Department(tc=item.dept_tc, en=item.dept_en, abbr=item.dept_abbr),
        name_tc=item.name_tc,
        name_en=item.name_en,
        name_en_basis=item.name_en_basis,
        themes=tuple(item.themes or ()),
        audiences=tuple(item.audiences or ()),
        url=item.url,
        login_url=item.login_url,
        keywords_en=tuple(item.keywords_en or ()),
        keywords_tc=tuple(item.keywords_tc or ()),
        note=item.note,
        footnote_tc=item.footnote_tc,
    )


def _seed_values(service: Service, now: datetime) -> dict[str, Any]:
    """The attributes the seed owns (never the department's login link)."""
    return {
        "order": service.order,
        "dept_tc": service.department.tc,
        "dept_en": service.department.en,
        "dept_abbr": service.department.abbr,
        "name_tc": service.name_tc,
        "name_en": service.name_en,
        "name_en_basis": service.name_en_basis,
        "themes": list(service.themes),
        "audiences": list(service.audiences),
        "url": service.url,
        "keywords_en": list(service.keywords_en),
        "keywords_tc": list(service.keywords_tc),
        "note": service.note,
        "footnote_tc": service.footnote_tc,
        "updated_at": now,
    }


def _seed_actions(record: Any, service: Service, now: datetime) -> list[Any]:
    actions = []
    for name, value in _seed_values(service, now).items():
        attr = getattr(record, name)
        actions.append(attr.remove() if value is None else attr.set(value))
    return actions


def _record(record: Any, service: Service, now: datetime) -> Any:
    return record(service.id, **_seed_values(service, now))


def all_services() -> list[Service]:
    """Every service, in catalogue order (a full scan: the catalogue is a few hundred items)."""
    record = model()
    with dynamo.translated("scan"):
        services = [_to_domain(item) for item in record.scan()]
    return sorted(services, key=lambda s: (s.order, s.id))


def get_service(service_id: str) -> Service | None:
    """One service, read consistently (for writes that must see the latest state)."""
    item = dynamo.model_get(model(), service_id, action="get", consistent=True)
    return _to_domain(item) if item is not None else None


def seed(services: Iterable[Service], *, now: datetime | None = None) -> SeedResult:
    """Idempotent upsert of the seed: creates missing services, updates the seed-owned
    fields of changed ones (unchanged ones are not rewritten), and never touches a
    department's login link."""
    record = model()
    now = now or datetime.now(UTC)
    existing = {s.id: s for s in all_services()}
    new: list[Service] = []
    updated = unchanged = 0
    for service in services:
        current = existing.get(service.id)
        if current is None:
            new.append(service)
        elif current.seed_fields() == service.seed_fields():
            unchanged += 1
        else:
            with dynamo.translated("seed"):
                # UpdateItem changes the seed's attributes only: the login link stays.
                record(service.id).update(actions=_seed_actions(record, service, now))
            updated += 1
    # Absent services are written whole, in batches. Safe without a condition: a login
    # link can only be set on an existing service, and another seeder writes the same data.
    with dynamo.translated("seed"), record.batch_write() as batch:
        for service in new:
            batch.save(_record(record, service, now))
    created = len(new)
    return SeedResult(created=created, updated=updated, unchanged=unchanged)


def set_login_url(service_id: str, *, login_url: str, department_abbr: str,
                  now: datetime | None = None) -> Service:
    """Set a service's login link, only if the service exists and still belongs to the
    department (``department_abbr`` exactly as stored). Raises ``NotFound`` otherwise."""
    record = model()
    now = now or datetime.now(UTC)
    item = record(service_id)
    with dynamo.conditional("set_login_url") as written:
        item.update(
            actions=[
                record.login_url.set(login_url),
                record.login_url_updated_at.set(now),
                record.login_url_updated_by.set(department_abbr),
            ],
            condition=record.id.exists() & (record.dept_abbr == department_abbr),
        )
    if written.failed:
        raise errors.NotFound(service=service_id)
    return _to_domain(item)
