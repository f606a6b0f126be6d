"""Registration sites' use cases: the public listing (``GET /v1/sites``) and what operators
do (add, update, retire, issue a site's API key), plus the sandbox seed.

The listing keeps a snapshot of all sites per warm function for
``settings().sites_cache_seconds`` (the table is small and changes rarely); mobile teams show
only upcoming visits (from today, Hong Kong time). A site's own API key is issued through
the API key registry (``iamsmart.apikeys.registry``) on the usage plan the caller names;
retiring a site disables its key there and in API Gateway before the site is marked retired,
so a failure leaves the site as it was, to be retired again.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from importlib import resources
from typing import Any

from iamsmart import errors
from iamsmart.apikeys import registry
from iamsmart.apikeys.models import IssuedKey
from iamsmart.settings import settings
from iamsmart.sites import dal
from iamsmart.sites.models import (
    DISTRICTS,
    HONG_KONG,
    SITE_TYPES,
    DistrictName,
    PublicHours,
    PublicSite,
    PublicVisit,
    Site,
    SiteList,
    SiteQuery,
)

_DISTRICT_ORDER = {code: i for i, code in enumerate(DISTRICTS)}
_TYPE_ORDER = {code: i for i, code in enumerate(SITE_TYPES)}
_snapshot: tuple[float, list[Site]] | None = None
_lock = threading.Lock()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def today_in_hong_kong() -> dt.date:
    return dt.datetime.now(HONG_KONG).date()


def reset_cache() -> None:
    global _snapshot
    with _lock:
        _snapshot = None


def _active_sites(now: float | None = None) -> list[Site]:
    global _snapshot
    now = time.monotonic() if now is None else now
    snap = _snapshot
    if snap is not None and snap[0] > now:
        return snap[1]
    sites = sorted((s for s in dal.all_sites() if s.status == "active"),
                   key=lambda s: (_DISTRICT_ORDER[s.district], _TYPE_ORDER[s.type], s.name_en))
    with _lock:
        _snapshot = (now + settings().sites_cache_seconds, sites)
    return sites


def _district_name(code: str, lang: str) -> str:
    en, tc = DISTRICTS[code]
    return tc if lang == "tc" else en


def _public(site: Site, lang: str, district: str | None, today: dt.date) -> PublicSite:
    tc = lang == "tc"
    visits = sorted((v for v in site.visits
                     if v.date >= today and (district is None or v.district == district)),
                    key=lambda v: (v.date, v.opens))
    return PublicSite(
        id=site.id, type=site.type, district=site.district,
        district_name=_district_name(site.district, lang),
        name=site.name_tc if tc else site.name_en,
        address=site.address_tc if tc else site.address_en,
        hours=[PublicHours(days=list(h.days), opens=h.opens, closes=h.closes)
               for h in site.hours],
        elderly_assistance=site.elderly_assistance,
        assistance=(site.assistance_tc if tc else site.assistance_en)
        if site.elderly_assistance else None,
        map_url=site.map_url,
        visits=[PublicVisit(date=v.date.isoformat(), opens=v.opens, closes=v.closes,
                            district=v.district, district_name=_district_name(v.district, lang),
                            place=v.place_tc if tc else v.place_en,
                            address=v.address_tc if tc else v.address_en, map_url=v.map_url)
                for v in visits])


def public_sites(query: SiteQuery, *, today: dt.date | None = None) -> SiteList:
    """Active sites for citizens, in one language, by district (then kiosk, counter, mobile).

    With ``district``, a mobile team appears if it is based there or visits it (only those
    visits are listed)."""
    today = today or today_in_hong_kong()
    items = []
    for site in _active_sites():
        if query.type is not None and site.type != query.type:
            continue
        if query.district is not None and site.district != query.district and not any(
                v.district == query.district and v.date >= today for v in site.visits):
            continue
        items.append(_public(site, query.lang, query.district, today))
    return SiteList(lang=query.lang, count=len(items),
                    districts=[DistrictName(code=code, name=_district_name(code, query.lang))
                               for code in DISTRICTS],
                    items=items)


# --- operators ---------------------------------------------------------------------------

def get(site_id: str) -> Site | None:
    return dal.get(site_id)


def all_sites() -> list[Site]:
    return sorted(dal.all_sites(),
                  key=lambda s: (s.status, _DISTRICT_ORDER[s.district], _TYPE_ORDER[s.type], s.id))


def _found(site_id: str) -> Site:
    site = dal.get(site_id)
    if site is None:
        raise errors.NotFound(en=f"No site with the id {site_id}.",
                              tc=f"沒有編號為 {site_id} 的地點。")
    return site


def add(site: Site, *, usage_plan: str | None) -> tuple[Site, IssuedKey | None]:
    """Store a new site (``Conflict`` if the id is taken) and, given a usage plan, issue its
    own API key (its value is returned once)."""
    stored = site.model_copy(update={"status": "active", "key_id": None, "updated_at": _now(),
                                     "retired_at": None})
    dal.put(stored, expect_new=True)
    reset_cache()
    if usage_plan is None:
        return stored, None
    return issue_key(site.id, usage_plan=usage_plan)


def update(site: Site) -> Site:
    """Replace what operators maintain of an active site; its type, status and key stay."""
    current = _found(site.id)
    if current.status != "active":
        raise errors.Conflict(en=f"The site {site.id} is retired; add it under a new id.",
                              tc=f"地點 {site.id} 已停用；請以新編號加入。")
    if site.type != current.type:
        raise errors.Conflict(en="A site's type cannot change; retire it and add a new site.",
                              tc="地點的類型不可更改；請停用後加入新地點。")
    stored = site.model_copy(update={"status": "active", "key_id": current.key_id,
                                     "updated_at": _now(), "retired_at": None})
    dal.put(stored)
    reset_cache()
    return stored


def issue_key(site_id: str, *, usage_plan: str, rotate: bool = False) -> tuple[Site, IssuedKey]:
    """Issue the site's own API key. With ``rotate``, a site that has one gets a new key and
    the old one is disabled; without, a site that has a key is a ``Conflict``."""
    site = _found(site_id)
    if site.status != "active":
        raise errors.Conflict(en=f"The site {site_id} is retired.",
                              tc=f"地點 {site_id} 已停用。")
    old = site.key_id
    if old and not rotate:
        raise errors.Conflict(en=f"The site {site_id} has a key already (use --rotate).",
                              tc=f"地點 {site_id} 已有密鑰（請用 --rotate）。")
    issued = registry.issue("site", channel=site.type, site=site.id, name=f"site-{site.id}",
                            usage_plan=usage_plan)
    stored = site.model_copy(update={"key_id": issued.principal.key_id, "updated_at": _now()})
    try:
        dal.put(stored)
    except BaseException:
        # The site does not know this key, so retiring it could not stop it: stop it now.
        registry.disable(issued.principal.key_id)
        raise
    if old:
        registry.disable(old)
    reset_cache()
    return stored, issued


def retire(site_id: str) -> Site:
    """Retire a site: its key stops working (registry and API Gateway), then the site leaves
    the public list. Retiring a retired site again finishes what a failed attempt began."""
    site = _found(site_id)
    if site.key_id:
        try:
            registry.disable(site.key_id)
        except errors.NotFound:
            pass  # the key was never registered (or was removed): nothing to stop
    stored = site.model_copy(update={"status": "retired", "updated_at": _now(),
                                     "retired_at": site.retired_at or _now()})
    dal.put(stored)
    reset_cache()
    return stored


def describe(site_id: str | None) -> dict[str, Any] | None:
    """A site's id, type, district and names (the staff console shows where an application
    was taken); ``None`` for no site, and the bare id for an unknown one."""
    if not site_id:
        return None
    site = dal.get(site_id)
    if site is None:
        return {"id": site_id}
    return {"id": site.id, "type": site.type, "district": site.district,
            "name_en": site.name_en, "name_tc": site.name_tc, "status": site.status}


# --- sandbox seed ----------------------------------------------------------------------------

def sandbox_sites(today: dt.date | None = None) -> list[Site]:
    """The sandbox sites (synthetic names and addresses in real districts); mobile teams'
    visit dates are counted from ``today`` so that they are always upcoming."""
    today = today or today_in_hong_kong()
    raw = json.loads(resources.files("iamsmart.sites").joinpath("seed/sandbox_sites.json")
                     .read_text(encoding="utf-8"))
    sites = []
    for entry in raw["sites"]:
        visits = [{**{k: v for k, v in visit.items() if k != "in_days"},
                   "date": (today + dt.timedelta(days=visit["in_days"])).isoformat()}
                  for visit in entry.get("visits", [])]
        sites.append(Site.model_validate({**entry, "visits": visits}))
    return sites


def seed_sandbox_sites(today: dt.date | None = None) -> int:
    """Write the sandbox sites (a seeder of ``infra.names.SEEDERS``): new ones are added, known
    ones updated (keeping their status and key). Returns how many were written."""
    written = 0
    for site in sandbox_sites(today):
        current = dal.get(site.id)
        keep = {"status": current.status, "key_id": current.key_id,
                "retired_at": current.retired_at} if current else {}
        dal.put(site.model_copy(update={**keep, "updated_at": _now()}))
        written += 1
    reset_cache()
    return written
