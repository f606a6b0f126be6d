"""Bilingual search: Chinese (characters, partial words, Simplified input), English
(case, partial words), ranking, filters and limits."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap

import pytest

from iamsmart import errors
from iamsmart.catalogue import search
from iamsmart.catalogue.models import Department, Service

IMMD = [f"iamsmart-2023-{n}" for n in range(21, 29)]
TRANSPORT = ["iamsmart-2023-17"] + [f"iamsmart-2023-{n}" for n in range(47, 52)]


def sid(n: int) -> str:
    return f"iamsmart-2023-{n:02d}"


# --- Chinese --------------------------------------------------------------------------------

def test_chinese_word_finds_immigration_services_name_match_first(ids):
    found = ids("入境")
    assert found[0] == sid(21)  # 「網上申請出入境紀錄證明」 contains 入境
    assert sorted(found) == sorted(IMMD)  # the others through 入境事務處
    assert found[1:] == [i for i in IMMD if i != sid(21)]  # then catalogue order


def test_chinese_partial_word_finds_driving_permit(ids):
    # The International Driving Permit by name, then TD's e-licensing platform (where
    # driving licences are renewed: an editorial search term).
    assert ids("駕駛") == [sid(51), sid(50)]


def test_department_name_in_chinese(ids):
    assert ids("入境事務處") == IMMD
    assert ids("運輸署") == TRANSPORT[1:]


def test_single_character_matches_names_containing_it(ids):
    found = ids("票")
    assert found == [sid(17), sid(32)]  # 電子交通告票平台, 城市售票網


def test_partial_matches_much_weaker_than_the_best_are_dropped(ids):
    # 「入境事務處」 is ImmD's name; 「警務處」 shares one bigram of four (務處): not listed.
    assert sid(18) not in ids("入境事務處")
    # 「執照」 alone (row 15) covers 1/3 only; both TD services list 「駕駛執照」 (editorial).
    assert ids("驾驶执照") == [sid(50), sid(51)]


def test_bigrams_find_a_name_the_query_is_not_part_of(ids):
    # 「國際駕駛證」 is not in any name; 國際/際駕/駕駛 are in 「國際駕駛許可證」.
    assert ids("國際駕駛證")[0] == sid(51)
    # 選民資料查閱: 4 of 5 bigrams in row 43; row 44 (選民, 資料: 2 of 5) is too weak.
    assert ids("選民資料查閱") == [sid(43)]
    # 選民登記資料: all five bigrams in row 44's name; row 43 has four, partly through
    # its editorial term 「選民登記冊」, so it follows.
    assert ids("選民登記資料") == [sid(44), sid(43)]


def test_bigram_coverage_orders_partial_matches(ids):
    # 選舉 only in the REO's name (department), 登記 in many names: row 44 has both.
    assert ids("選舉登記")[0] == sid(44)


def test_long_chinese_sentence_still_finds_the_service(ids):
    assert ids("我想申請新的駕駛執照")[0] == sid(51)


# --- Simplified input -----------------------------------------------------------------------

def test_simplified_input_finds_traditional_names(ids):
    assert ids("驾驶") == [sid(51), sid(50)]
    assert set(ids("驾驶执照")[:2]) == {sid(50), sid(51)}
    assert ids("出入境纪录")[0] == sid(21)
    assert ids("网上申请国际驾驶许可证")[0] == sid(51)
    assert ids("选民登记")[0] == sid(44)


def test_simplified_and_traditional_give_the_same_answer(ids):
    assert ids("入境") == ids("入境")  # identical in both scripts
    assert ids("驾驶执照") == ids("駕駛執照")
    assert ids("城市售票网") == ids("城市售票網") == [sid(32)]


def test_hong_kong_variant_characters_are_folded(ids):
    # The seed writes 衛生署; Hong Kong standard forms write 衞; Simplified is 卫.
    expected = ids("衛生署")
    assert expected[0] == sid(8)  # Department of Health
    assert ids("衞生署") == expected
    assert ids("卫生署") == expected


# --- English --------------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["driving", "Driving", "DRIVING", "DRIV", "driv", "  driving  "])
def test_english_case_and_prefix(ids, q):
    assert ids(q) == [sid(51), sid(50)]


def test_licence_whole_words_before_partial_words(ids):
    found = ids("licence")
    assert {sid(19), sid(50), sid(15)} <= set(found)
    # "Licence" in the name (19, 50) ranks above "Licences" (15, a partial word).
    assert found.index(sid(19)) < found.index(sid(15))
    assert found.index(sid(50)) < found.index(sid(15))
    assert ids("LICENCE") == found


def test_possessive_and_hyphenated_words(ids):
    assert ids("seamen's") == ids("seamen") == [sid(23)]
    assert ids("self-certification") == [sid(2)]
    assert ids("e-R23A") == [sid(37)]


def test_every_word_must_match_when_some_service_matches_all(ids):
    assert ids("online driving") == [sid(51), sid(50)]  # 50: "Licence Online", "driving licence"
    assert ids("police jobs") == [sid(20)]


def test_department_abbreviation(ids):
    assert ids("ImmD") == IMMD
    assert ids("td") == TRANSPORT[1:]


def test_editorial_terms_help_colloquial_queries(ids):
    assert ids("出世紙") == [sid(24)]
    assert ids("birth certificate")[0] == sid(24)


def test_mixed_language_query(ids):
    assert ids("TD 駕駛") == [sid(51), sid(50)]


# --- ranking --------------------------------------------------------------------------------

def _svc(n: int, name: str, dept: str = "Lands Department", themes=("housing",)) -> Service:
    return Service(id=f"t-{n}", order=n, department=Department(tc="測試署", en=dept, abbr="X"),
                   name_tc=f"測試服務{n}", name_en=name, name_en_basis="translated",
                   themes=tuple(themes), audiences=("everyone",), url="https://x.gov.hk")


def test_ranking_exact_prefix_word_department_partial_theme():
    # Catalogue order is the reverse of the expected ranking, so order alone cannot pass.
    services = [
        _svc(1, "Motor Meter Service", themes=("transport",)),  # theme label only
        _svc(2, "Guide to Parkingsites"),  # partial word in name
        _svc(3, "Meter Service", dept="Parking Department"),  # department
        _svc(4, "Permit for Parking"),  # whole word in name
        _svc(5, "Parking Permit"),  # name prefix
        _svc(6, "Parking"),  # exact name
    ]
    snap = search.Snapshot(tuple(services))
    assert [s.id for s in search.search(snap, "parking")] == ["t-6", "t-5", "t-4", "t-3", "t-2"]
    assert [s.id for s in search.search(snap, "transport")] == ["t-1"]


def test_ties_break_by_catalogue_order_then_id_whatever_the_input_order(seed_services):
    shuffled = list(seed_services)
    random.Random(7).shuffle(shuffled)
    a = search.search(search.Snapshot(tuple(seed_services)), "online application")
    b = search.search(search.Snapshot(tuple(shuffled)), "online application")
    assert [s.id for s in a] == [s.id for s in b]
    assert len(a) > 5


def test_exact_name_first(ids):
    assert ids("URBTIX") == [sid(32)]
    assert ids("Trade")[:1] == [sid(3)]  # "Trade Single Window": name prefix
    found = ids("Trade")
    assert found.index(sid(46)) < found.index(sid(14))  # TID (department) > "Trader"


# --- filters and limits -----------------------------------------------------------------------

def test_empty_query_lists_everything_in_catalogue_order(ids, seed_services):
    assert ids() == ids("") == ids("   ") == [s.id for s in seed_services]
    assert len(ids()) == 51


def test_filters(ids, seed_services):
    assert ids(theme="transport") == TRANSPORT
    elderly = [s.id for s in seed_services if "elderly" in s.audiences]
    assert ids(audience="elderly") == elderly and len(elderly) >= 3
    assert ids(theme="transport", audience="business") == [sid(48), sid(49)]
    # "Permit" (51) is a whole word; "Permits" (48, 49) a partial one.
    assert ids("permit", theme="transport") == [sid(51), sid(48), sid(49)]
    assert ids("driving", theme="housing") == []


def test_nothing_searchable_finds_nothing(ids):
    assert ids("!!!") == []
    assert ids("zzzzqqq") == []


def test_query_length_is_capped(ids):
    assert ids("駕" * search.MAX_QUERY_CHARS) is not None
    with pytest.raises(errors.InvalidInput) as exc:
        ids("a" * (search.MAX_QUERY_CHARS + 1))
    assert "100" in exc.value.en and "100" in exc.value.tc


# --- cost -----------------------------------------------------------------------------------

def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def test_opencc_is_loaded_only_for_chinese_queries():
    out = _run("""
        import sys
        from iamsmart.catalogue import search, source
        snap = search.Snapshot(tuple(source.seed_services()))
        search.search(snap, "driving licence")
        print("after-en", "opencc" in sys.modules)
        search.search(snap, "驾驶")
        print("after-zh", "opencc" in sys.modules)
    """)
    assert "after-en False" in out
    assert "after-zh True" in out
