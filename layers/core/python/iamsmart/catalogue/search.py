"""Bilingual search over a catalogue snapshot. Pure: no I/O, no AWS.

A ``Snapshot`` holds the services and search keys normalised once (so a search costs a few
dictionary lookups, not a pass over every name). Matching:

- Text is NFKC-normalised and case-folded; Chinese variant characters are folded to one form
  (OpenCC's HK and TW variant tables, read as data) on both sides.
- English (and other alphabetic) words match whole words, then word prefixes ("DRIV"), then
  substrings of at least three letters.
- Chinese has no spaces: a run of Chinese characters matches where it occurs inside a name;
  otherwise by character bigrams (「駕駛執照」 shares 「駕駛」 with 「國際駕駛許可證」); a single
  character matches names that contain it.
- Simplified input: when the query has Chinese characters it is also converted with OpenCC
  (s2t, imported on first such query only: ~12 ms import + ~75 ms dictionary load, once per
  process; ~0.03 ms per conversion after that) and the better of both readings counts.
- Everyday words (``thesaurus``, optional): each reading is also searched with the synonyms
  of the words it contains (「驾照」 → 「駕照」 → 「駕駛執照」, "driving license"), ranked after
  what the words typed find.

Ranking (best first): exact name > name prefix > whole word in name > department >
editorial keyword > partial word in name > theme/audience label or other partial match;
then catalogue order, then id (deterministic). When some services match every query word,
only those are returned; otherwise services matching any word are returned, those matching
more words first.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from iamsmart import errors
from iamsmart.catalogue.models import Service
from iamsmart.catalogue.vocabulary import AUDIENCES, THEMES


class Synonyms(Protocol):
    """What search needs of a thesaurus (``catalogue.thesaurus.Thesaurus`` is one): each
    reading of the query with one everyday word replaced by a synonym."""

    def alternatives(self, text: str) -> list[str]: ...


MAX_QUERY_CHARS = 100

# Score levels (lower is better); partial matches add a penalty below 1.
EXACT, PREFIX, OTHER_TIER = 0, 1, 2
WORD, DEPARTMENT, KEYWORD, PARTIAL, LABEL = 2.0, 3.0, 4.0, 5.0, 6.0
# A Chinese partial match must cover this share of what the best match for that run covers.
PARTIAL_FLOOR = 0.6
# Added to the score of a service found only through a synonym of a word typed.
SYNONYM_PENALTY = 0.5

_CJK_CLASS = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f"
)
_POSSESSIVE = re.compile(r"['\u2019]s\b")
_APOSTROPHE = re.compile(r"['\u2019]")

STOPWORDS = frozenset({"a", "an", "the", "of", "for", "and", "or", "to", "in", "on", "by",
                       "with", "under", "e", "g", "eg"})


# --- normalisation -------------------------------------------------------------------------

@functools.cache
def _token_re() -> re.Pattern[str]:
    # Compiled on first use (~5 ms): keeps the API's cold import short.
    return re.compile(rf"(?P<cjk>[{_CJK_CLASS}]+)|(?P<word>(?:(?![{_CJK_CLASS}])[^\W_])+)")


@functools.cache
def _has_cjk_re() -> re.Pattern[str]:
    return re.compile(f"[{_CJK_CLASS}]")


@functools.cache
def _variant_fold() -> dict[int, str]:
    """HK/TW variant character -> OpenCC's standard Traditional form (e.g. 衞 -> 衛).

    Read from OpenCC's own data files (no import of the converter, which is slow to load).
    """
    spec = importlib.util.find_spec("opencc")
    table: dict[str, str] = {}
    if spec is None or not spec.submodule_search_locations:
        return {}
    folder = Path(next(iter(spec.submodule_search_locations))) / "dictionary"
    for name in ("HKVariants.txt", "TWVariants.txt"):
        path = folder / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) != 2 or len(parts[0]) != 1:
                continue
            standard = parts[0]
            for variant in parts[1].split():
                if len(variant) == 1 and variant != standard:
                    table.setdefault(variant, standard)
    # Resolve chains so that folding is idempotent.
    for variant, standard in list(table.items()):
        seen = {variant}
        while standard in table and standard not in seen:
            seen.add(standard)
            standard = table[standard]
        table[variant] = standard
    return {ord(k): v for k, v in table.items() if k != v}


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _POSSESSIVE.sub("", text)
    text = _APOSTROPHE.sub("", text)
    return text.translate(_variant_fold())


@dataclass(frozen=True)
class Token:
    text: str
    cjk: bool


def tokens(text: str) -> list[Token]:
    out = []
    for m in _token_re().finditer(normalize(text)):
        if m.group("cjk"):
            out.append(Token(m.group("cjk"), True))
        else:
            out.append(Token(m.group("word"), False))
    return out


def key_of(toks: Sequence[Token]) -> str:
    """Comparable form of a whole text: Chinese runs joined without spaces, words with one."""
    out: list[str] = []
    previous_word = False
    for tok in toks:
        if out and previous_word and not tok.cjk:
            out.append(" ")
        out.append(tok.text)
        previous_word = not tok.cjk
    return "".join(out)


def bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def has_cjk(text: str) -> bool:
    return _has_cjk_re().search(text) is not None


_converter_lock = threading.Lock()


@functools.cache
def _converter():  # type: ignore[no-untyped-def]
    with _converter_lock:
        import opencc  # lazy: ~12 ms import, ~75 ms to load its phrase dictionary

        return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """Simplified -> Traditional (OpenCC s2t; variants are folded afterwards by normalize)."""
    return str(_converter().convert(text))


# --- snapshot -------------------------------------------------------------------------------

@dataclass
class _Entry:
    service: Service
    key_en: str
    key_tc: str
    name_cjk: str
    dept_cjk: str
    keywords_cjk: tuple[str, ...]
    name_bigrams: frozenset[str]
    other_bigrams: frozenset[str]


def _add(post: dict[str, set[int]], words: Iterable[str], idx: int) -> None:
    for word in words:
        post.setdefault(word, set()).add(idx)


@dataclass
class Snapshot:
    """An immutable catalogue with its search keys, built once per catalogue version."""

    services: tuple[Service, ...]
    by_id: dict[str, Service] = field(init=False)
    by_theme: dict[str, frozenset[int]] = field(init=False)
    by_audience: dict[str, frozenset[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.services = tuple(sorted(self.services, key=lambda s: (s.order, s.id)))
        self.by_id = {s.id: s for s in self.services}
        themes: dict[str, set[int]] = {}
        audiences: dict[str, set[int]] = {}
        self._entries: list[_Entry] = []
        self._exact: dict[str, set[int]] = {}
        self._name_words: dict[str, set[int]] = {}
        self._dept_words: dict[str, set[int]] = {}
        self._keyword_words: dict[str, set[int]] = {}
        self._cjk_grams: dict[str, set[int]] = {}  # bigrams and single characters
        for idx, svc in enumerate(self.services):
            _add(themes, svc.themes, idx)
            _add(audiences, svc.audiences, idx)
            en, tc = tokens(svc.name_en), tokens(svc.name_tc)
            dept = tokens(svc.department.en) + tokens(svc.department.tc)
            kws = [tokens(k) for k in svc.keywords_en + svc.keywords_tc]
            key_en, key_tc = key_of(en), key_of(tc)
            _add(self._exact, {key_en, key_tc}, idx)
            _add(self._name_words, _words(en + tc), idx)
            _add(self._dept_words, _words(dept) | {normalize(svc.department.abbr)}, idx)
            _add(self._keyword_words, _words([t for k in kws for t in k]), idx)
            name_cjk = _cjk(tc + en)
            dept_cjk = _cjk(dept)
            keywords_cjk = tuple(c for c in (_cjk(k) for k in kws) if c)
            name_bg = bigrams(name_cjk)
            other_bg = bigrams(dept_cjk).union(*(bigrams(k) for k in keywords_cjk))
            _add(self._cjk_grams, name_bg | other_bg, idx)
            _add(self._cjk_grams, set(name_cjk + dept_cjk + "".join(keywords_cjk)), idx)
            self._entries.append(_Entry(svc, key_en, key_tc, name_cjk, dept_cjk, keywords_cjk,
                                        name_bg, other_bg))
        self.by_theme = {k: frozenset(v) for k, v in themes.items()}
        self.by_audience = {k: frozenset(v) for k, v in audiences.items()}
        # Theme and audience labels (both languages) point at the services tagged with them.
        self._label_words = _label_words(self.by_theme, self.by_audience)
        self._label_cjk = [
            (_cjk(tokens(label.tc)), members.get(vid, frozenset()))
            for vocab, members in ((THEMES, self.by_theme), (AUDIENCES, self.by_audience))
            for vid, label in vocab.items()
        ]
        self._vocab = {
            "name": sorted(self._name_words.items()),
            "other": sorted(_merge(self._dept_words, self._keyword_words,
                                   self._label_words).items()),
        }

    # -- queries ----------------------------------------------------------------------------

    def get(self, service_id: str) -> Service | None:
        return self.by_id.get(service_id)

    def filtered(self, theme: str | None, audience: str | None) -> set[int] | None:
        """Indices allowed by the filters (None: no filter)."""
        allowed: set[int] | None = None
        if theme is not None:
            allowed = set(self.by_theme.get(theme, ()))
        if audience is not None:
            members = set(self.by_audience.get(audience, ()))
            allowed = members if allowed is None else allowed & members
        return allowed

    def _word_scores(self, word: str) -> dict[int, float]:
        scores: dict[int, float] = {}
        _put(scores, self._name_words.get(word, ()), WORD)
        _put(scores, self._dept_words.get(word, ()), DEPARTMENT)
        _put(scores, self._keyword_words.get(word, ()), KEYWORD)
        _put(scores, self._label_words.get(word, ()), LABEL)
        if len(word) >= 2:
            for level, vocab in ((PARTIAL, self._vocab["name"]), (LABEL, self._vocab["other"])):
                for candidate, idxs in vocab:
                    if candidate == word:
                        continue
                    if candidate.startswith(word):
                        _put(scores, idxs, level)
                    elif len(word) >= 3 and word in candidate:
                        _put(scores, idxs, level + 0.5)
        return scores

    def _cjk_scores(self, run: str) -> dict[int, float]:
        """Scores of one run of Chinese characters. Partial (bigram) matches are kept only
        if they cover at least 60% as much of the run as the best match does, so that a
        query matched whole somewhere does not drag in every name sharing one bigram."""
        found: dict[int, tuple[float, float]] = {}  # idx -> (score, coverage)
        grams = bigrams(run) if len(run) > 1 else frozenset(run)
        candidates: set[int] = set()
        for gram in grams:
            candidates |= self._cjk_grams.get(gram, set())
        for idx in candidates:
            e = self._entries[idx]
            if run in e.name_cjk:
                found[idx] = (WORD, 1.0)
            elif run in e.dept_cjk:
                found[idx] = (DEPARTMENT, 1.0)
            elif any(run in k for k in e.keywords_cjk):
                found[idx] = (KEYWORD, 1.0)
            elif len(run) > 1:
                # Share of the run's bigrams found in this service (name, department,
                # keywords); a partial match in the name ranks above one elsewhere.
                in_name = grams & e.name_bigrams
                covered = len(in_name | (grams & e.other_bigrams)) / len(grams)
                if in_name:
                    found[idx] = (PARTIAL + 0.9 * (1 - covered), covered)
                elif covered:
                    found[idx] = (LABEL + 0.9 * (1 - covered), covered)
        for label, idxs in self._label_cjk:
            if run in label:
                match = (LABEL, 1.0)
            elif len(run) > 1 and grams & bigrams(label):
                covered = len(grams & bigrams(label)) / len(grams)
                match = (LABEL + 0.5 + 0.4 * (1 - covered), covered)
            else:
                continue
            for idx in idxs:
                if idx not in found or match[0] < found[idx][0]:
                    found[idx] = match
        if not found:
            return {}
        floor = max(cov for _, cov in found.values()) * PARTIAL_FLOOR
        return {idx: score for idx, (score, cov) in found.items() if cov >= floor}

    def rank(self, toks: Sequence[Token]) -> dict[int, tuple[int, int, float]]:
        """Per matching service index: (unmatched words, tier, summed word scores)."""
        qkey = key_of(toks)
        search = [t for t in toks if t.cjk or t.text not in STOPWORDS] or list(toks)
        per_token = [self._cjk_scores(t.text) if t.cjk else self._word_scores(t.text)
                     for t in search]
        exact = self._exact.get(qkey, set())
        out: dict[int, tuple[int, int, float]] = {}
        for idx in set().union(*per_token) if per_token else set():
            matched = [scores[idx] for scores in per_token if idx in scores]
            unmatched = len(per_token) - len(matched)
            e = self._entries[idx]
            if idx in exact:
                tier = EXACT
            elif qkey and (e.key_en.startswith(qkey) or e.key_tc.startswith(qkey)):
                tier = PREFIX
            else:
                tier = OTHER_TIER
            out[idx] = (unmatched, tier, round(sum(matched), 6))
        return out


def _label_words(by_theme: dict[str, frozenset[int]],
                 by_audience: dict[str, frozenset[int]]) -> dict[str, set[int]]:
    """English words of theme and audience labels -> services tagged with them."""
    out: dict[str, set[int]] = {}
    for vocab, members in ((THEMES, by_theme), (AUDIENCES, by_audience)):
        for vid, label in vocab.items():
            for word in _words(tokens(label.en)):
                out.setdefault(word, set()).update(members.get(vid, ()))
    return out


def _merge(*posts: dict[str, set[int]]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for post in posts:
        for word, idxs in post.items():
            out.setdefault(word, set()).update(idxs)
    return out


def _words(toks: Iterable[Token]) -> set[str]:
    return {t.text for t in toks if not t.cjk}


def _cjk(toks: Iterable[Token]) -> str:
    return "".join(t.text for t in toks if t.cjk)


def _put(scores: dict[int, float], idxs: Iterable[int], score: float) -> None:
    for idx in idxs:
        if score < scores.get(idx, 99.0):
            scores[idx] = score


# --- search ---------------------------------------------------------------------------------

def check_query(q: str | None) -> str:
    """The query text, stripped; refuses overlong input."""
    text = (q or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise errors.InvalidInput(
            en=f"The search text is too long (at most {MAX_QUERY_CHARS} characters).",
            tc=f"搜尋文字過長（最多 {MAX_QUERY_CHARS} 個字元）。",
            field="q", max_length=MAX_QUERY_CHARS,
        )
    return text


def readings_of(text: str) -> list[str]:
    """The normalised query, and its Traditional reading when it differs (Simplified input)."""
    out = [normalize(text)]
    if has_cjk(text):
        converted = normalize(to_traditional(text))
        if converted != out[0]:
            out.append(converted)
    return out


def search(snapshot: Snapshot, q: str | None = None, *, theme: str | None = None,
           audience: str | None = None, thesaurus: Synonyms | None = None) -> list[Service]:
    """Services matching the filters and the query, best first (see the module docstring).

    With a ``thesaurus`` the query is also searched with each synonym of the everyday words
    it contains (``thesaurus.Thesaurus.alternatives``); a service found only that way ranks
    after one found by the words typed (``SYNONYM_PENALTY`` on its score).
    Vocabulary checks of ``theme``/``audience`` are the caller's (logic) job; an unknown
    value here simply matches nothing.
    """
    text = check_query(q)
    allowed = snapshot.filtered(theme, audience)
    if not text:
        return [s for i, s in enumerate(snapshot.services) if allowed is None or i in allowed]

    typed = readings_of(text)
    readings: list[tuple[list[Token], float]] = [(tokens(r), 0.0) for r in typed]
    if thesaurus is not None:
        seen = set(typed)
        for reading in typed:
            for alternative in thesaurus.alternatives(reading):
                if alternative not in seen:
                    seen.add(alternative)
                    readings.append((tokens(alternative), SYNONYM_PENALTY))
    best: dict[int, tuple[int, int, float]] = {}
    for toks, penalty in readings:
        if not toks:
            continue
        for idx, (unmatched, tier, score) in snapshot.rank(toks).items():
            if allowed is not None and idx not in allowed:
                continue
            if penalty:  # a synonym's match is never an exact or prefix name match
                tier = max(tier, OTHER_TIER)
            key = (unmatched, tier, round(score + penalty, 6))
            if idx not in best or key < best[idx]:
                best[idx] = key
    if any(key[0] == 0 for key in best.values()):
        best = {idx: key for idx, key in best.items() if key[0] == 0}
    services = snapshot.services
    order = sorted(best, key=lambda i: (best[i], services[i].order, services[i].id))
    return [services[i] for i in order]
