import hashlib

import pytest
from registration_helpers import FACES

from iamsmart.identity import hkid
from iamsmart.registration import immigration, sandbox
from iamsmart.registration.particulars import from_form

CHAN = {"hkid": "A123456(3)", "name_en": "CHAN, Tai Man", "name_zh": "陳大文",
        "date_of_birth": "1975-03-14", "sex": "M"}


@pytest.fixture(scope="module")
def chan_record() -> immigration.ImmigrationRecord:
    record = immigration.SandboxImmigration().lookup(hkid.parse("A123456(3)"))
    assert record is not None
    return record


def test_lookup_by_number_in_any_formatting(chan_record):
    again = immigration.provider().lookup(hkid.parse(" a1234563 "))
    assert again == chan_record
    assert chan_record.particulars.name_zh == "陳大文"
    assert chan_record.photo == sandbox.photo("obama.jpg")
    assert chan_record.source == immigration.SANDBOX_SOURCE
    assert "陳" not in repr(chan_record) and "A123456" not in repr(chan_record)


def test_unknown_number_has_no_record():
    assert immigration.SandboxImmigration().lookup(hkid.parse("M999999(5)")) is None


def test_lookup_takes_only_a_parsed_number():
    with pytest.raises(TypeError):
        immigration.SandboxImmigration().lookup("A123456(3)")  # type: ignore[arg-type]


def test_sandbox_has_four_to_six_people_with_usable_records():
    people = sandbox.people()
    assert 4 <= len(people) <= 6
    for number in people:
        record = immigration.SandboxImmigration().lookup(hkid.parse(number))
        assert record is not None and record.photo.startswith(b"\xff\xd8\xff")


def test_sandbox_photos_are_unchanged_copies_of_the_fixtures():
    for photo in sorted(sandbox.PHOTOS.glob("*.jpg")):
        original = (FACES / photo.name).read_bytes()
        assert hashlib.sha256(photo.read_bytes()).digest() == hashlib.sha256(original).digest()
    assert (sandbox.PHOTOS / "LICENSE").read_text() == (FACES / "LICENSE").read_text()
    with pytest.raises(ValueError):
        sandbox.photo("../people.json")


@pytest.mark.parametrize("variant", [
    {"name_en": "chan tai man"}, {"name_en": "CHAN Tai-Man"}, {"name_en": "Chan,Tai  Man"},
    {"hkid": "a1234563"}, {"name_zh": " 陳大文 "}, {},
])
def test_agreeing_particulars_after_normalisation(chan_record, variant):
    assert immigration.particulars_agree(from_form({**CHAN, **variant}), chan_record) == []


@pytest.mark.parametrize("variant,fields", [
    ({"name_en": "CHAN, Tai Ming"}, ["name_en"]),
    ({"name_en": "TAI MAN CHAN"}, ["name_en"]),
    ({"name_zh": "陳大聞"}, ["name_zh"]),
    ({"name_zh": "陈大文"}, ["name_zh"]),  # simplified 陈 is not the card's 陳
    ({"name_zh": None}, ["name_zh"]),
    ({"date_of_birth": "1975-03-15", "sex": "F"}, ["date_of_birth", "sex"]),
    ({"hkid": "WX123456(9)"}, ["hkid"]),
    ({"date_of_issue": "2023-01-01"}, ["date_of_issue"]),
])
def test_disagreeing_fields_are_named(chan_record, variant, fields):
    assert immigration.particulars_agree(from_form({**CHAN, **variant}), chan_record) == fields


def test_no_chinese_name_on_either_side_agrees():
    record = immigration.SandboxImmigration().lookup(hkid.parse("XB000000(0)"))
    assert record is not None and record.particulars.name_zh is None
    form = {"hkid": "XB000000(0)", "name_en": "smith john paul", "name_zh": "",
            "date_of_birth": "1948-02-29", "sex": "M"}
    assert immigration.particulars_agree(from_form(form), record) == []
