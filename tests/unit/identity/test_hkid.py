"""HKID parsing, normalisation and check digit against tests/fixtures/hkid_examples.json.

The fixture (synthetic, patterned numbers; copied from the project's shared fixtures, where
each value was computed and re-checked by a second implementation) lists worked sums, valid
and invalid examples with reasons, and normalisation cases.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamsmart import errors
from iamsmart.identity import hkid

FIXTURE = json.loads(
    (Path(__file__).resolve().parents[2] / "fixtures" / "hkid_examples.json").read_text("utf-8")
)
VALID = FIXTURE["valid"]
INVALID = FIXTURE["invalid"]
NORMALISATION = FIXTURE["normalisation_examples"]


@pytest.mark.parametrize("case", VALID, ids=lambda c: c["compact"])
def test_valid_examples_parse_to_their_parts(case: dict) -> None:
    number = hkid.parse(case["hkid"])
    assert (number.prefix, number.digits, number.check) == (
        case["prefix"], case["digits"], case["check_character"])
    assert number.canonical == case["hkid"]
    assert number.compact == case["compact"]
    assert hkid.parse(case["compact"]) == number
    assert hkid.is_valid(case["hkid"])


@pytest.mark.parametrize("case", VALID, ids=lambda c: c["compact"])
def test_check_character_matches_the_worked_sum(case: dict) -> None:
    assert case["weighted_sum"] % 11 == case["sum_mod_11"]
    assert hkid.check_character(case["prefix"], case["digits"]) == case["check_character"]


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c["hkid"] or "empty")
def test_invalid_examples_are_refused_with_their_category(case: dict) -> None:
    with pytest.raises(hkid.InvalidHKID) as caught:
        hkid.parse(case["hkid"])
    assert isinstance(caught.value, errors.InvalidInput)
    assert caught.value.details["category"] == case["category"]
    assert not hkid.is_valid(case["hkid"])
    if "expected_valid_form" in case:
        assert hkid.is_valid(case["expected_valid_form"])


@pytest.mark.parametrize("case", NORMALISATION, ids=lambda c: c["note"][:20])
def test_normalisation_examples(case: dict) -> None:
    assert hkid.parse(case["input"]).canonical == case["canonical"]


@pytest.mark.parametrize("text", [
    "A123456（3）", "Ａ１２３４５６（３）", "a 123 456 (3)", "\tA123456(3)\n", "A123456\u3000(3)",
])
def test_full_width_and_spacing_variants(text: str) -> None:
    assert hkid.parse(text).canonical == "A123456(3)"


@pytest.mark.parametrize("text", [
    "A123456(3", "A1234563)", "A123456[3]", "A123456((3))", "A-123456(3)", "A123456(3)x",
    "A" * 40, "Ａ１２３４５６（Ｂ）", "A١٢٣٤٥٦(3)",
])
def test_malformed_variants_are_format_errors(text: str) -> None:
    with pytest.raises(hkid.InvalidHKID) as caught:
        hkid.parse(text)
    assert caught.value.details["category"] == "format"


@pytest.mark.parametrize("value", [None, 1234563, b"A1234563", ["A1234563"]])
def test_non_strings_are_format_errors(value: object) -> None:
    with pytest.raises(hkid.InvalidHKID):
        hkid.parse(value)


def test_errors_are_bilingual_and_never_echo_the_number() -> None:
    for text in ("A123456(4)", "AB987654(2)", "A12345(6)"):
        with pytest.raises(hkid.InvalidHKID) as caught:
            hkid.parse(text)
        exc = caught.value
        assert exc.en and exc.tc and exc.en != exc.tc
        shown = " ".join([str(exc), repr(exc), exc.en, exc.tc, repr(exc.details)])
        for fragment in (text, "123456", "98765", "12345"):
            assert fragment not in shown


def test_repr_and_str_are_masked() -> None:
    number = hkid.parse("A123456(3)")
    assert "123456" not in repr(number)
    assert "123456" not in str(number)
    assert "123456" not in f"{number} {[number]}"
