"""Data access for registration sites: the ``sites`` table (partition key ``id``).

The only module of this context that touches PynamoDB. Stored items never leave it: callers
get ``models.Site``. Opening hours and visits are stored as JSON documents (they are read
whole, never queried). Throttling or an unreachable DynamoDB becomes ``errors.Unavailable``.
"""

from __future__ import annotations

import functools
from typing import Any

from iamsmart import errors
from iamsmart.dynamo import translated
from iamsmart.settings import settings
from iamsmart.sites.models import Site

_SCALARS = ("type", "district", "name_en", "name_tc", "address_en", "address_tc",
            "elderly_assistance", "assistance_en", "assistance_tc", "map_url", "status",
            "key_id", "updated_at", "retired_at")


@functools.cache
def _model(table_name: str, region: str) -> Any:
    from pynamodb.attributes import BooleanAttribute, JSONAttribute, UnicodeAttribute
    from pynamodb.models import Model

    class SiteRecord(Model):
        class Meta:
            pass

        id = UnicodeAttribute(hash_key=True)
        type = UnicodeAttribute()
        district = UnicodeAttribute()
        name_en = UnicodeAttribute()
        name_tc = UnicodeAttribute()
        address_en = UnicodeAttribute()
        address_tc = UnicodeAttribute()
        hours = JSONAttribute(default=list)
        elderly_assistance = BooleanAttribute(default=False)
        assistance_en = UnicodeAttribute(null=True)
        assistance_tc = UnicodeAttribute(null=True)
        map_url = UnicodeAttribute(null=True)
        visits = JSONAttribute(default=list)
        status = UnicodeAttribute()
        key_id = UnicodeAttribute(null=True)
        updated_at = UnicodeAttribute(null=True)
        retired_at = UnicodeAttribute(null=True)

    meta = SiteRecord.Meta
    meta.table_name = table_name  # type: ignore[attr-defined]
    meta.region = region  # type: ignore[attr-defined]
    meta.connect_timeout_seconds = 3  # type: ignore[attr-defined]
    meta.read_timeout_seconds = 10  # type: ignore[attr-defined]
    meta.max_retry_attempts = 2  # type: ignore[attr-defined]
    return SiteRecord


def model() -> Any:
    cfg = settings()
    return _model(cfg.sites_table, cfg.region)


def _to_domain(item: Any) -> Site:
    fields = {name: getattr(item, name) for name in _SCALARS}
    return Site.model_validate({"id": item.id, **fields, "hours": item.hours or [],
                                "visits": item.visits or []})


def get(site_id: str) -> Site | None:
    record = model()
    with translated("sites.get"):
        try:
            return _to_domain(record.get(site_id))
        except record.DoesNotExist:
            return None


def all_sites() -> list[Site]:
    with translated("sites.scan"):
        return [_to_domain(item) for item in model().scan()]


def put(site: Site, *, expect_new: bool = False) -> None:
    """Store a site whole; with ``expect_new``, only if no site has this id (``Conflict``)."""
    from pynamodb.exceptions import PutError

    record = model()
    data = site.model_dump(mode="json")
    item = record(site.id, **{name: data[name] for name in _SCALARS},
                  hours=data["hours"], visits=data["visits"])
    with translated("sites.put"):
        try:
            item.save(condition=record.id.does_not_exist() if expect_new else None)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise errors.Conflict(en=f"A site with the id {site.id} exists already.",
                                      tc=f"已有編號為 {site.id} 的地點。") from exc
            raise
