"""Registration sites: where citizens register in person (kiosks, post-office counters,
mobile teams with their upcoming visits). Public, no key; cached (CDN and per warm function)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import http
from iamsmart.sites import logic
from iamsmart.sites.models import SiteList, SiteQuery

bp = Blueprint(__name__)


@http.route(bp, "/v1/sites",
            summary="Where to register in person: kiosks, post-office counters and mobile "
                    "teams' upcoming visits, by district",
            tag="sites", query=SiteQuery, response=SiteList, cache_seconds=300,
            errors_documented=(400, 503))
def list_sites(query: SiteQuery) -> SiteList:
    return logic.public_sites(query)
