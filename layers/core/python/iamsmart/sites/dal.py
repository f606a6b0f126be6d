"""Data access for registration sites: the ``sites`` table (partition key ``id``).

The only module of this context that touches PynamoDB. Stored items never leave it: callers
get ``models.Site``. Opening hours and visits are stored as JSON documents (they are read
whole, never queried). Throttling or an unreachable DynamoDB becomes ``errors.Unavailable``.
"""

from __future__ import annotations

from typing import Any

from iamsmart import dynamo, errors
from iamsmart.settings import settings
from iamsmart.sites.models import Site

_SCALARS = ("type", "district", "name_en", "name_tc", "address_en", "address_tc",
            "elderly_assistance", "assistance_en", "assistance_tc", "map_url", "status",
            "key_id", "updated_at", "retired_at")


def _define() -> Any:
    from pynamodb.attributes import BooleanAttribute, JSONAttribute, UnicodeAttribute
    from pynamodb.models import Model

    class SiteRecord(Model):
        class Meta:
            pass  # bound by dynamo.pynamodb_model

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

    return SiteRecord


def model() -> Any:
    return dynamo.pynamodb_model(_define, settings().sites_table)


def _to_domain(item: Any) -> Site:
    fields = {name: getattr(item, name) for name in _SCALARS}
    return Site.model_validate({"id": item.id, **fields, "hours": item.hours or [],
                                "visits": item.visits or []})


def get(site_id: str) -> Site | None:
    item = dynamo.model_get(model(), site_id, action="sites.get")
    return _to_domain(item) if item is not None else None


def all_sites() -> list[Site]:
    with dynamo.translated("sites.scan"):
        return [_to_domain(item) for item in model().scan()]


def put(site: Site, *, expect_new: bool = False) -> None:
    """Store a site whole; with ``expect_new``, only if no site has this id (``Conflict``)."""
    record = model()
    data = site.model_dump(mode="json")
    item = record(site.id, **{name: data[name] for name in _SCALARS},
                  hours=data["hours"], visits=data["visits"])
    with dynamo.conditional("sites.put") as written:
        item.save(condition=record.id.does_not_exist() if expect_new else None)
    if written.failed:
        raise errors.Conflict(en=f"A site with the id {site.id} exists already.",
                              tc=f"已有編號為 {site.id} 的地點。")
