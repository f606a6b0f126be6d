import json
import re
from datetime import date

import pytest

from iamsmart.identity.hkid import InvalidHKID
from iamsmart.registration.particulars import (
    FIELDS,
    InvalidParticulars,
    decode_dg1,
    encode_dg1,
    from_form,
    problems,
)

FORM = {"hkid": "a123456 (3)", "name_en": "  CHAN,  Tai Man ", "name_zh": " 陳大文 ",
        "date_of_birth": "1975-03-14", "sex": "M"}


def test_form_is_validated_and_normalised():
    p = from_form(FORM)
    assert p.hkid.canonical == "A123456(3)"
    assert p.name_en == "CHAN, Tai Man" and p.name_zh == "陳大文"
    assert p.date_of_birth == date(1975, 3, 14) and p.date_of_issue is None
    assert repr(p) == "Particulars(***)" and "陳" not in str(p)


def test_hkid_is_checked_before_any_other_field():
    # Every other field is wrong too: the number is what gets reported.
    with pytest.raises(InvalidHKID) as exc:
        from_form({"hkid": "A123456(4)", "name_en": 7, "sex": "X"})
    assert exc.value.details["category"] == "check_digit"
    assert "A123456" not in exc.value.en + exc.value.tc + repr(exc.value.details)


@pytest.mark.parametrize("field,value", [
    ("name_en", ""), ("name_en", "陳大文"), ("name_en", "x" * 101), ("name_en", None),
    ("name_zh", 5), ("name_zh", "陳" * 21), ("date_of_birth", "14/03/1975"),
    ("date_of_birth", "1975-02-30"), ("date_of_birth", "2999-01-01"), ("sex", "male"),
    ("date_of_issue", "yesterday"),
])
def test_bad_fields_are_named_in_a_bilingual_error(field, value):
    with pytest.raises(InvalidParticulars) as exc:
        from_form({**FORM, field: value})
    assert exc.value.details["field"] == field and set(exc.value.details) == {"field", "problem"}
    assert exc.value.en and re.search(r"[\u4e00-\u9fff]", exc.value.tc)


def test_each_problem_is_told_in_its_own_words_and_all_at_once():
    # A future birth date is not "use YYYY-MM-DD"; an issue date before birth says so.
    found = problems({"hkid": "A123456(4)", "name_en": "", "name_zh": None, "sex": "X",
                      "date_of_birth": "2999-01-01", "date_of_issue": "1960-01-01"})
    assert [(p.field, p.problem) for p in found] == [
        ("hkid", "check_digit"), ("name_en", "missing"), ("sex", "format"),
        ("date_of_birth", "future")]
    assert "future" in found[-1].en and "YYYY" not in found[-1].en
    later = problems({**FORM, "date_of_birth": "1975-03-14", "date_of_issue": "1970-01-01"})
    assert [(p.field, p.problem) for p in later] == [("date_of_issue", "too_early")]
    assert problems(FORM) == []
    assert problems({**FORM, "hkid": "Ａ１２３４５６（３）"}) == []  # full-width input


def test_unknown_fields_and_non_objects_are_refused():
    with pytest.raises(InvalidParticulars):
        from_form({**FORM, "nationality": "HK"})
    with pytest.raises(InvalidParticulars):
        from_form(["A123456(3)"])


def test_dg1_round_trip_is_canonical():
    p = from_form({**FORM, "date_of_issue": "2019-06-03"})
    dg1 = encode_dg1(p)
    assert json.loads(dg1) == {"hkid": "A123456(3)", "name_en": "CHAN, Tai Man",
                               "name_zh": "陳大文", "date_of_birth": "1975-03-14", "sex": "M",
                               "date_of_issue": "2019-06-03"}
    assert b" " not in dg1.replace(b"Tai Man", b"").replace(b"CHAN, ", b"")
    assert decode_dg1(dg1) == p and encode_dg1(decode_dg1(dg1)) == dg1


@pytest.mark.parametrize("dg1", [
    b'{"hkid":"A123456(3)","hkid":"A123456(3)"}',
    b'{"hkid":"A123456(3)"}',
    b"[1, 2]",
    b"\xff\xfe",
    b'{"hkid":NaN}',
    b"{" + b" " * 3000 + b"}",
])
def test_malformed_dg1_is_refused(dg1):
    with pytest.raises(ValueError):
        decode_dg1(dg1)


def test_dg1_needs_every_field():
    values = json.loads(encode_dg1(from_form({**FORM, "date_of_issue": "2019-06-03"})))
    assert set(values) == set(FIELDS)
    values["date_of_issue"] = None
    with pytest.raises(InvalidParticulars):
        decode_dg1(json.dumps(values).encode())
