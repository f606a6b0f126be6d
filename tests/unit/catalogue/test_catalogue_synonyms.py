"""Everyday words in the catalogue search (issue 11 item 9): synonyms in both languages and
Simplified input, subjects handled outside the catalogue, and the helpful empty answer."""

from __future__ import annotations

import pytest

from iamsmart.catalogue import logic, search, source
from iamsmart.catalogue.models import ServiceQuery
from iamsmart.catalogue.thesaurus import Thesaurus

E_LICENCE, IDP, TICKETS = "iamsmart-2023-50", "iamsmart-2023-51", "iamsmart-2023-17"


@pytest.fixture
def find(snapshot):
    words = source.thesaurus()

    def run(q, **filters):
        return [s.id for s in search.search(snapshot, q, thesaurus=words, **filters)]

    return run


def test_the_pages_own_example_finds_both_td_licence_services(find):
    # 「駕駛執照」 is renewed on TD's Electronic Licence Online Platform (row 50) and needed
    # for an International Driving Permit (row 51).
    assert set(find("駕駛執照")[:2]) == {E_LICENCE, IDP}


@pytest.mark.parametrize("q", ["驾照", "駕照", "车牌", "driving license", "Driver's License",
                               "drivers licence"])
def test_everyday_words_for_a_driving_licence(find, q):
    assert set(find(q)) >= {E_LICENCE, IDP}
    assert set(find(q)) <= {E_LICENCE, IDP, "iamsmart-2023-47", "iamsmart-2023-48",
                            "iamsmart-2023-49"}  # TD only: never FEHD or police licences


@pytest.mark.parametrize("q", ["告票", "罚单", "牛肉乾", "parking ticket"])
def test_everyday_words_for_a_traffic_ticket(find, q):
    assert find(q)[0] == TICKETS


def test_without_the_thesaurus_the_colloquial_words_find_nothing(ids):
    # What the search answered before the synonym table (the test's own control).
    assert ids("驾照") == [] and ids("罚单") == []


def test_words_typed_rank_before_words_found_through_a_synonym(find):
    # "licence" is in row 51's name; 「牌照」-only rows come through the synonym "license".
    found = find("licence")
    assert found.index(IDP) < len(found)
    direct = search.search(search.Snapshot(tuple(source.seed_services())), "licence")
    assert found[:len(direct)] == [s.id for s in direct]


@pytest.mark.parametrize("q", ["passport", "Passports", "護照", "护照", "特區護照"])
def test_passport_finds_no_service_but_names_the_immigration_department(q, seed_services,
                                                                        monkeypatch):
    monkeypatch.setattr(logic, "snapshot", lambda: search.Snapshot(tuple(seed_services)))
    for lang, name in (("en", "Immigration Department"), ("tc", "入境事務處")):
        answer = logic.list_services(ServiceQuery(q=q, lang=lang))
        assert answer.count == 0 and answer.items == []
        assert [(e.department.name, e.url) for e in answer.elsewhere] == [
            (name, "https://www.immd.gov.hk")]
        assert answer.search_elsewhere is not None
        assert answer.search_elsewhere.startswith("https://www.search.gov.hk/result?query=")


def test_no_query_no_suggestions(seed_services, monkeypatch):
    monkeypatch.setattr(logic, "snapshot", lambda: search.Snapshot(tuple(seed_services)))
    answer = logic.list_services(ServiceQuery(lang="en"))
    assert answer.count == 51 and answer.elsewhere == [] and answer.search_elsewhere is None


def test_english_terms_match_whole_words_only():
    words = Thesaurus.from_document({
        "synonyms": [["car", "vehicle"]],
        "elsewhere": [{"terms": ["tax"], "url": "https://www.ird.gov.hk",
                       "department": {"en": "IRD", "tc": "稅務局", "abbr": "IRD"},
                       "about": {"en": "Tax", "tc": "稅"}}]})
    assert words.alternatives("carpark") == []
    assert words.alternatives("car park") == ["vehicle park"]
    assert words.elsewhere(["taxi"]) == []
    assert [p.abbr for p in words.elsewhere(["salaries tax"])] == ["IRD"]


def test_the_longest_term_wins_a_span():
    words = Thesaurus.from_document({"synonyms": [["駕駛執照", "駕照"], ["執照", "牌照"]]})
    assert words.alternatives("駕駛執照") == ["駕照"]
    assert words.alternatives("食物執照") == ["食物牌照"]


def test_the_table_lists_traditional_terms_only():
    # Simplified input is converted before matching; a Simplified term would never match.
    doc = source._read(source.SYNONYMS_FILE)
    terms = [t for g in doc["synonyms"] for t in g] + [
        t for e in doc["elsewhere"] for t in e["terms"]]
    assert [t for t in terms if search.has_cjk(t) and search.to_traditional(t) != t] == []
