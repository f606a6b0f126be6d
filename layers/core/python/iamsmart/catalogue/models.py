"""Catalogue models: the domain's ``Service`` and the wire models of the HTTP API.

The stored item (PynamoDB) lives in ``dal`` only and is converted to ``Service`` there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import ConfigDict, Field

from iamsmart.common.model import Model

Lang = Literal["en", "tc"]


# --- domain ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Department:
    tc: str
    en: str
    abbr: str

    def name(self, lang: str) -> str:
        return self.tc if lang == "tc" else self.en


@dataclass(frozen=True)
class Service:
    """One government online service, as the catalogue knows it."""

    id: str
    order: int  # catalogue (display) order: the annex row for the 2023 seed
    department: Department
    name_tc: str
    name_en: str
    name_en_basis: str  # "official" | "translated"
    themes: tuple[str, ...]
    audiences: tuple[str, ...]
    url: str
    login_url: str | None = None
    keywords_en: tuple[str, ...] = ()
    keywords_tc: tuple[str, ...] = ()
    note: str | None = None
    footnote_tc: str | None = None

    def name(self, lang: str) -> str:
        return self.name_tc if lang == "tc" else self.name_en

    def seed_fields(self) -> dict[str, object]:
        """What the seed owns (everything except the department-managed login link)."""
        return {
            "order": self.order,
            "department": self.department,
            "name_tc": self.name_tc,
            "name_en": self.name_en,
            "name_en_basis": self.name_en_basis,
            "themes": self.themes,
            "audiences": self.audiences,
            "url": self.url,
            "keywords_en": self.keywords_en,
            "keywords_tc": self.keywords_tc,
            "note": self.note,
            "footnote_tc": self.footnote_tc,
        }


# --- wire --------------------------------------------------------------------------------

class ServiceQuery(Model):
    """``GET /v1/services`` query string (theme/audience/q are checked in ``logic`` so that
    their errors can say exactly what is wrong, in both languages)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    theme: str | None = Field(default=None, description="A theme id (see `themes`).")
    audience: str | None = Field(default=None, description="An audience id (see `audiences`).")
    q: str | None = Field(default=None, description="Search text, English or Chinese "
                          "(Traditional or Simplified), at most 100 characters.")
    lang: Lang = Field(default="en", description="Language of names: en or tc.")


class LangQuery(Model):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    lang: Lang = Field(default="en", description="Language of names: en or tc.")


class VocabularyItem(Model):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str


class DepartmentOut(Model):
    model_config = ConfigDict(defer_build=True)

    name: str
    abbr: str


class ServiceItem(Model):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    department: DepartmentOut
    themes: list[str]
    audiences: list[str]
    url: str = Field(description="Where to learn about the service (department website).")
    login_url: str | None = Field(description="One-click login link (OIDC initiate_login_uri)"
                                  ", set by the department; null until then.")


class ElsewhereItem(Model):
    """A subject named in the search that no service of this catalogue handles."""

    model_config = ConfigDict(defer_build=True)

    about: str = Field(description="The subject, e.g. \"Passports and travel documents\".")
    department: DepartmentOut
    url: str = Field(description="The department's website.")


class ServiceList(Model):
    model_config = ConfigDict(defer_build=True)

    lang: Lang
    count: int
    themes: list[VocabularyItem]
    audiences: list[VocabularyItem]
    items: list[ServiceItem]
    elsewhere: list[ElsewhereItem] = Field(
        default_factory=list, description="Subjects named in `q` that departments handle "
        "outside this catalogue (e.g. passports: Immigration Department).")
    search_elsewhere: str | None = Field(
        default=None, description="With `q`: the same words searched on the Government's "
        "site search (GovHK), for when nothing here fits.")


class ServiceDetail(ServiceItem):
    lang: Lang


class LoginLinkBody(Model):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    login_url: str = Field(description="https URL, at most 2048 characters, without fragment "
                           "or credentials.")


class LoginLinkResult(Model):
    model_config = ConfigDict(defer_build=True)

    id: str
    login_url: str
