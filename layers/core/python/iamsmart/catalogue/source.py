"""The catalogue's seed: the 51 services of the LegCo ITB paper of 20 March 2023 (annex),
plus editorial search terms, everyday synonyms and department websites (see
``seed/README.md``)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from iamsmart.catalogue.models import Department, Service
from iamsmart.catalogue.thesaurus import Thesaurus
from iamsmart.catalogue.vocabulary import service_url

SEED_DIR = Path(__file__).resolve().parent / "seed"
SEED_FILE = SEED_DIR / "service_catalogue_2023.json"
TERMS_FILE = SEED_DIR / "search_terms_2023.json"
SYNONYMS_FILE = SEED_DIR / "synonyms.json"


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def raw_seed() -> dict[str, Any]:
    """The seed document as published in the package (treat as read-only)."""
    return _read(SEED_FILE)


def service_from_seed(row: dict[str, Any], terms: dict[str, Any] | None = None) -> Service:
    terms = terms or {}
    dept = row["department"]
    return Service(
        id=row["id"],
        order=int(row["annex_row"]),
        department=Department(tc=dept["tc"], en=dept["en"], abbr=dept["abbr"]),
        name_tc=row["name_tc"],
        name_en=row["name_en"],
        name_en_basis=row.get("name_en_basis", "translated"),
        themes=tuple(row.get("themes", ())),
        audiences=tuple(row.get("audiences", ())),
        url=row.get("url") or service_url(dept["abbr"], row["name_en"]),
        login_url=None,
        keywords_en=tuple(terms.get("en", ())),
        keywords_tc=tuple(terms.get("tc", ())),
        note=row.get("note"),
        footnote_tc=row.get("footnote_tc"),
    )


def seed_services() -> list[Service]:
    """The seed as domain services, in catalogue order."""
    terms = _read(TERMS_FILE)["terms"]
    services = [service_from_seed(row, terms.get(row["id"])) for row in raw_seed()["services"]]
    return sorted(services, key=lambda s: (s.order, s.id))


@functools.cache
def thesaurus() -> Thesaurus:
    """The editorial synonyms and subjects handled elsewhere (``seed/synonyms.json``)."""
    return Thesaurus.from_document(_read(SYNONYMS_FILE))
