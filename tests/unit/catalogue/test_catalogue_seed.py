"""The packaged seed: complete, consistent with the vocabularies, provenance kept."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from iamsmart.catalogue import source, vocabulary


def test_seed_has_the_51_annex_rows_in_order(seed_services):
    assert [s.order for s in seed_services] == list(range(1, 52))
    assert len({s.id for s in seed_services}) == 51
    assert all(s.login_url is None for s in seed_services)


def test_vocabularies_match_the_seed_and_are_bilingual():
    raw = source.raw_seed()
    assert list(vocabulary.THEMES) == raw["theme_vocabulary"]
    assert list(vocabulary.AUDIENCES) == raw["audience_vocabulary"]
    for label in [*vocabulary.THEMES.values(), *vocabulary.AUDIENCES.values()]:
        assert label.en and label.tc and label.en != label.tc


def test_every_service_uses_known_themes_and_audiences(seed_services):
    for s in seed_services:
        assert s.themes and set(s.themes) <= set(vocabulary.THEMES), s.id
        assert s.audiences and set(s.audiences) <= set(vocabulary.AUDIENCES), s.id


def test_every_service_links_to_its_department_site(seed_services):
    for s in seed_services:
        parts = urlsplit(s.url)
        assert parts.scheme == "https" and parts.hostname, s.id
        assert s.url == vocabulary.DEPARTMENT_SITES[s.department.abbr.upper()], s.id
    by_abbr = {s.department.abbr: s.url for s in seed_services}
    assert by_abbr["ImmD"] == "https://www.immd.gov.hk"
    assert by_abbr["TD"] == "https://www.td.gov.hk"


def test_unknown_department_falls_back_to_a_govhk_search():
    url = vocabulary.service_url("XYZ", "Dog Licence & Tag")
    assert url.startswith("https://www.search.gov.hk/result?query=")
    assert "Dog%20Licence%20%26%20Tag" in url


def test_translations_are_marked(seed_services):
    official = [s for s in seed_services if s.name_en_basis == "official"]
    assert len(official) == 10
    assert {s.name_en_basis for s in seed_services} == {"official", "translated"}


def test_search_terms_refer_to_seeded_services(seed_services):
    terms = json.loads(source.TERMS_FILE.read_text(encoding="utf-8"))
    assert "EDITORIAL" in terms["note"]
    ids = {s.id for s in seed_services}
    assert set(terms["terms"]) <= ids
    with_terms = {s.id: s for s in seed_services if s.keywords_en or s.keywords_tc}
    assert set(with_terms) == set(terms["terms"])
    assert "駕駛執照" in with_terms["iamsmart-2023-51"].keywords_tc


def test_provenance_readme_sits_beside_the_seed():
    readme = (source.SEED_DIR / "README.md").read_text(encoding="utf-8")
    assert "20 March 2023" in readme and "translated" in readme and "editorial" in readme
