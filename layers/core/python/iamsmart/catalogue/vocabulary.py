"""The catalogue's controlled vocabularies, in both languages, and department websites.

Theme and audience ids come from the seed (``seed/service_catalogue_2023.json``); their
labels are ours (editorial, see ``seed/README.md``). A test checks that the ids here and in
the seed are the same lists, in the same order.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import quote


class Label(NamedTuple):
    en: str
    tc: str

    def get(self, lang: str) -> str:
        return self.tc if lang == "tc" else self.en


# Order is the display order (the seed's vocabulary order).
THEMES: dict[str, Label] = {
    "education": Label("Education", "教育"),
    "transport": Label("Transport", "交通運輸"),
    "tourism": Label("Tourism", "旅遊"),
    "immigration": Label("Immigration", "入境事務"),
    "health": Label("Health", "醫療衞生"),
    "housing": Label("Housing", "房屋"),
    "employment": Label("Employment", "就業"),
    "business": Label("Business", "工商業"),
    "tax-and-rates": Label("Tax and Rates", "稅務及差餉"),
    "environment": Label("Environment", "環境"),
    "security-and-police": Label("Security and Police", "保安及警務"),
    "culture-and-leisure": Label("Culture and Leisure", "文化及康樂"),
    "elections": Label("Elections", "選舉"),
    "family": Label("Family", "家庭"),
    "welfare": Label("Welfare", "社會福利"),
}

AUDIENCES: dict[str, Label] = {
    "everyone": Label("Everyone", "所有市民"),
    "youth": Label("Youth", "青年"),
    "elderly": Label("Elderly", "長者"),
    "business": Label("Businesses", "工商企業"),
    "professionals": Label("Professionals", "專業人士"),
    "visitors": Label("Visitors", "旅客"),
}

# Departments' official websites, keyed by the seed's abbreviation (upper case). Only sites
# we are confident of; any other department's services link to a GovHK search instead.
DEPARTMENT_SITES: dict[str, str] = {
    "BD": "https://www.bd.gov.hk",
    "CEDB": "https://www.cedb.gov.hk",
    "CR": "https://www.cr.gov.hk",
    "CSD": "https://www.csd.gov.hk",
    "CED": "https://www.customs.gov.hk",
    "DH": "https://www.dh.gov.hk",
    "DEVB": "https://www.devb.gov.hk",
    "EDB": "https://www.edb.gov.hk",
    "EPD": "https://www.epd.gov.hk",
    "FSD": "https://www.hkfsd.gov.hk",
    "FEHD": "https://www.fehd.gov.hk",
    "HKPF": "https://www.police.gov.hk",
    "IMMD": "https://www.immd.gov.hk",
    "JUD": "https://www.judiciary.hk",
    "LD": "https://www.labour.gov.hk",
    "LCSD": "https://www.lcsd.gov.hk",
    "RVD": "https://www.rvd.gov.hk",
    "REO": "https://www.reo.gov.hk",
    "TRY": "https://www.try.gov.hk",
    "TID": "https://www.tid.gov.hk",
    "TD": "https://www.td.gov.hk",
}

# The Government's site search (search.gov.hk); the query string format is unverified
# offline, see seed/README.md.
GOVHK_SEARCH = "https://www.search.gov.hk/result?query={query}"


def service_url(department_abbr: str, name_en: str) -> str:
    """Where a citizen learns about a service: its department's site, else a GovHK search."""
    site = DEPARTMENT_SITES.get(department_abbr.upper())
    if site:
        return site
    return GOVHK_SEARCH.format(query=quote(name_en, safe=""))
