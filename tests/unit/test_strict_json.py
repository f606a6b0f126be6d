"""The platform's one strict JSON parser (iamsmart.common.strict_json, THREATS 28) and the
three places that parse request bodies with it: the HTTP edge, registration intake and the
face routes' photo bodies. Every refusal is a bilingual domain error (400/413), never the
``ValueError`` Python raises for a 5000-digit integer."""

from __future__ import annotations

import pytest

from iamsmart import errors
from iamsmart.common import strict_json
from iamsmart.registration import intake

HOSTILE = [
    b'{"a": ' + b"9" * 5000 + b"}",
    b'{"a": -' + b"9" * 5000 + b"}",
    b"[" + b"1" * 4301 + b"]",
    b'{"a": 1.' + b"5" * 5000 + b"}",
    b'{"a": 1e999}',
    b'{"a": -1e999}',
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'{"a": -Infinity}',
    b'{"a": 1, "a": 2}',
    b'{"b": {"a": 1, "a": 1}}',
    b"[" * 100 + b"]" * 100,
    b"[" * 100_000,
    b"\xff\xfe{}",
    b"{not json",
    b"",
    None,
]


def _loads(raw):
    return strict_json.loads(raw, max_bytes=1024 * 1024, max_depth=32)


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_json_is_a_bilingual_invalid_input(raw) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        _loads(raw)
    assert caught.value.en and caught.value.tc


def test_big_integers_name_the_problem() -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        _loads(b'{"a": ' + b"9" * 5000 + b"}")
    assert "number" in caught.value.en and "數字" in caught.value.tc


def test_too_large_is_413_before_parsing_with_the_callers_words() -> None:
    with pytest.raises(errors.PayloadTooLarge):
        strict_json.loads(b"[" + b"1," * 600 + b"1]", max_bytes=1000, max_depth=4)
    mine = errors.PayloadTooLarge(en="Photo too large.", tc="相片過大。")
    with pytest.raises(errors.PayloadTooLarge) as caught:
        strict_json.loads(b"{}" + b" " * 1000, max_bytes=1000, max_depth=4, too_large=mine)
    assert caught.value is mine


def test_ordinary_json_round_trips() -> None:
    raw = '{"n": 12345678901234567890, "f": -1.5e10, "s": "陳大文", "l": [true, null]}'
    assert _loads(raw.encode()) == {"n": 12345678901234567890, "f": -1.5e10, "s": "陳大文",
                                    "l": [True, None]}
    assert _loads(raw) == _loads(raw.encode())


def test_depth_limit_is_exact() -> None:
    assert strict_json.loads(b"[[[1]]]", max_bytes=100, max_depth=4) == [[[1]]]
    with pytest.raises(errors.InvalidInput):
        strict_json.loads(b"[[[[1]]]]", max_bytes=100, max_depth=4)


@pytest.mark.parametrize("raw", [r for r in HOSTILE if r])
def test_registration_intake_uses_it(raw) -> None:
    with pytest.raises(errors.InvalidInput):
        intake.parse_body(raw)


@pytest.mark.parametrize("raw", [r for r in HOSTILE if r])
def test_the_http_edge_uses_it(raw) -> None:
    from chalicelib import http  # noqa: I001 - functions/api is on sys.path via conftest

    with pytest.raises(errors.InvalidInput):
        http.parse_json(raw)
