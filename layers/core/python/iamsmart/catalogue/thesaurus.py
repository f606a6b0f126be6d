"""Everyday words for the catalogue search: synonyms that widen a query, and subjects that
no service in the catalogue handles (answered with the department that does). Pure: no I/O.

``Thesaurus.from_document(doc)`` reads the editorial table (``seed/synonyms.json``, loaded
by ``source.thesaurus()``): ``synonyms`` is a list of groups of terms meaning the same thing
in either language; ``elsewhere`` a list of ``{terms, department, about, url}``.

Terms are matched in a query after ``search.normalize`` (NFKC, case-folded, Chinese variants
folded) on both sides; the caller also passes the Traditional reading of Simplified input, so
the table lists Traditional terms only. An English term matches whole words only ("car" is
not in "carpark"); a Chinese term matches anywhere in the text. Longer terms are tried first
and a span once matched is not matched again: 「駕駛執照」 is the driving-licence group, not
「執照」 as well.

- ``alternatives(text)``: the query with one matched term replaced by each other term of its
  group (at most ``MAX_ALTERNATIVES``), to be searched after the query itself;
- ``elsewhere(text)``: the subjects named in the query that are handled outside the
  catalogue (e.g. "passport" → Immigration Department).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from iamsmart.catalogue.search import has_cjk, normalize

MAX_ALTERNATIVES = 40


@dataclass(frozen=True)
class Elsewhere:
    """A subject handled by a department outside this catalogue."""

    department_en: str
    department_tc: str
    abbr: str
    about_en: str
    about_tc: str
    url: str

    def department(self, lang: str) -> str:
        return self.department_tc if lang == "tc" else self.department_en

    def about(self, lang: str) -> str:
        return self.about_tc if lang == "tc" else self.about_en


@functools.cache
def _word_re(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![^\W_]){re.escape(term)}(?![^\W_])")


def _spans(text: str, term: str) -> Iterable[tuple[int, int]]:
    if has_cjk(term):
        start = text.find(term)
        while start >= 0:
            yield start, start + len(term)
            start = text.find(term, start + 1)
    else:
        for match in _word_re(term).finditer(text):
            yield match.span()


@dataclass(frozen=True)
class Thesaurus:
    groups: tuple[tuple[str, ...], ...]
    places: tuple[tuple[tuple[str, ...], Elsewhere], ...]

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Thesaurus:
        groups = []
        for group in doc.get("synonyms", ()):
            terms = tuple(dict.fromkeys(normalize(t).strip() for t in group if t.strip()))
            if len(terms) > 1:
                groups.append(terms)
        places = []
        for entry in doc.get("elsewhere", ()):
            dept, about = entry["department"], entry["about"]
            place = Elsewhere(dept["en"], dept["tc"], dept["abbr"], about["en"], about["tc"],
                              entry["url"])
            places.append((tuple(normalize(t).strip() for t in entry["terms"]), place))
        return cls(tuple(groups), tuple(places))

    def _matches(self, text: str, entries: Iterable[tuple[tuple[str, ...], int]]
                 ) -> list[tuple[int, int, str, int]]:
        """Non-overlapping (start, end, term, entry index), longest terms first."""
        terms = sorted(((term, idx) for terms, idx in entries for term in terms),
                       key=lambda pair: (-len(pair[0]), pair[0]))
        taken: list[tuple[int, int]] = []
        found = []
        for term, idx in terms:
            for start, end in _spans(text, term):
                if any(start < e and s < end for s, e in taken):
                    continue
                taken.append((start, end))
                found.append((start, end, term, idx))
        return sorted(found)

    def alternatives(self, text: str) -> list[str]:
        """``text`` (normalised) with one synonym replaced by each other one of its group."""
        out: list[str] = []
        for start, end, term, idx in self._matches(
                text, ((g, i) for i, g in enumerate(self.groups))):
            for other in self.groups[idx]:
                if other == term:
                    continue
                glue = "" if has_cjk(term) and has_cjk(other) else " "
                alternative = " ".join(f"{text[:start]}{glue}{other}{glue}{text[end:]}".split())
                if alternative not in out:
                    out.append(alternative)
                if len(out) >= MAX_ALTERNATIVES:
                    return out
        return out

    def elsewhere(self, texts: Iterable[str]) -> list[Elsewhere]:
        """Subjects handled elsewhere named in any of ``texts`` (normalised), once each."""
        out: list[Elsewhere] = []
        for text in texts:
            for _, _, _, idx in self._matches(
                    text, ((terms, i) for i, (terms, _) in enumerate(self.places))):
                place = self.places[idx][1]
                if place not in out:
                    out.append(place)
        return out


EMPTY = Thesaurus((), ())
