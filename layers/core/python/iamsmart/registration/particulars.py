"""Personal particulars as on an HKID card: one model for chip data, forms and records.

The chip's data group 1 (DG1) holds them as canonical JSON (UTF-8, sorted keys, no spaces;
``encode_dg1``), read back strictly (``decode_dg1``: size bounded, duplicate or unknown keys
refused). Forms are read with ``from_form``. The HKID number is parsed (format and check
digit) before anything else, and ``repr`` never shows a field: these are personal data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

from iamsmart import errors
from iamsmart.identity import hkid as hkid_mod

Sex = Literal["M", "F"]
FIELDS = ("hkid", "name_en", "name_zh", "date_of_birth", "sex", "date_of_issue")
MAX_DG1_BYTES = 2048
MAX_NAME_EN = 100
MAX_NAME_ZH = 20
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NAME_EN = re.compile(r"[A-Za-z][A-Za-z ,.'\-]*")


class InvalidParticulars(errors.InvalidInput):
    """A field is missing or malformed; ``details['field']`` names it (never its value)."""

    code = "invalid_particulars"
    en = "Some personal particulars are missing or not valid. Please check them."
    tc = "部分個人資料缺漏或無效，請檢查。"


_MESSAGES: dict[str, tuple[str, str]] = {
    "name_en": ("Please enter your English name as on your HKID card.",
                "請按香港身份證所示輸入英文姓名。"),
    "name_zh": ("Please enter your Chinese name as on your HKID card, or leave it empty.",
                "請按香港身份證所示輸入中文姓名，或留空。"),
    "date_of_birth": ("Please enter your date of birth as YYYY-MM-DD.",
                      "請以 YYYY-MM-DD 格式輸入出生日期。"),
    "sex": ("Please choose the sex shown on your HKID card (M or F).",
            "請選擇香港身份證上所示的性別（M 或 F）。"),
    "date_of_issue": ("Please enter the date of issue on your HKID card as YYYY-MM-DD.",
                      "請以 YYYY-MM-DD 格式輸入香港身份證的簽發日期。"),
}


# (field, problem) -> message, where the field's general message above would mislead.
_PROBLEMS: dict[tuple[str, str], tuple[str, str]] = {
    ("name_en", "missing"): ("Please enter your English name as on your HKID card.",
                             "請按香港身份證所示輸入英文姓名。"),
    ("name_en", "format"): ("Please enter your English name in English letters as on your "
                            "HKID card (letters, spaces, commas, full stops, apostrophes and "
                            "hyphens only).",
                            "請按香港身份證所示，以英文字母輸入英文姓名（只可包括字母、空格、"
                            "逗號、句號、撇號及連字號）。"),
    ("date_of_birth", "future"): ("Your date of birth cannot be a date in the future.",
                                  "出生日期不可以是將來的日子。"),
    ("date_of_birth", "too_early"): ("Please check the year of your date of birth.",
                                     "請檢查出生日期的年份。"),
    ("date_of_issue", "future"): ("The date of issue cannot be a date in the future.",
                                  "簽發日期不可以是將來的日子。"),
    ("date_of_issue", "too_early"): ("The date of issue cannot be before your date of birth.",
                                     "簽發日期不可以早於出生日期。"),
}
# Dates are checked against the date in Hong Kong (UTC+8, no daylight saving).
HONG_KONG = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class FieldProblem:
    """One field's problem: its name, what is wrong (``missing``, ``format``,
    ``check_digit``, ``future``, ``too_early``, ``unknown``) and what to tell the applicant."""

    field: str
    problem: str
    en: str
    tc: str

    def as_dict(self, prefix: str = "") -> dict[str, Any]:
        return {"field": f"{prefix}{self.field}", "problem": self.problem,
                "message": {"en": self.en, "tc": self.tc}}


def _bad(field: str, problem: str = "format") -> InvalidParticulars:
    words = _PROBLEMS.get((field, problem)) or _MESSAGES.get(field)
    en, tc = words if words else (None, None)
    return InvalidParticulars(en, tc, field=field, problem=problem)


def today() -> date:
    return datetime.now(HONG_KONG).date()


@dataclass(frozen=True)
class Particulars:
    hkid: hkid_mod.HKID
    name_en: str
    name_zh: str | None
    date_of_birth: date
    sex: Sex
    date_of_issue: date | None = None

    def __repr__(self) -> str:
        return "Particulars(***)"

    __str__ = __repr__

    def as_dict(self) -> dict[str, str | None]:
        """Plain values (dates ISO, HKID printed form): personal data, never to be logged."""
        return {
            "hkid": self.hkid.canonical,
            "name_en": self.name_en,
            "name_zh": self.name_zh,
            "date_of_birth": self.date_of_birth.isoformat(),
            "sex": self.sex,
            "date_of_issue": self.date_of_issue.isoformat() if self.date_of_issue else None,
        }


def _date(value: object, field: str, *, required: bool,
          earliest: date = date(1900, 1, 1)) -> date | None:
    if (value is None or value == "") and not required:
        return None
    if value is None or value == "":
        raise _bad(field, "missing")
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise _bad(field)
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise _bad(field) from exc
    if day > today():
        raise _bad(field, "future")
    if day < earliest:
        raise _bad(field, "too_early")
    return day


def _name_en(value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _bad("name_en", "missing")
    if not isinstance(value, str):
        raise _bad("name_en")
    name_en = " ".join(value.split())
    if not 0 < len(name_en) <= MAX_NAME_EN or not _NAME_EN.fullmatch(name_en):
        raise _bad("name_en")
    return name_en


def problems(values: dict[str, Any]) -> list[FieldProblem]:
    """Every field's problem at once (the HKID number's first), for a form to show beside
    each field; ``[]`` when ``from_mapping`` would accept ``values``."""
    found: list[FieldProblem] = []

    def check(field: str, run: Any) -> Any:
        try:
            return run()
        except errors.InvalidInput as exc:
            problem = str(exc.details.get("problem") or exc.details.get("category") or "format")
            found.append(FieldProblem(field, problem, exc.en, exc.tc))
            return None

    check("hkid", lambda: hkid_mod.parse(values.get("hkid")))
    check("name_en", lambda: _name_en(values.get("name_en")))
    check("name_zh", lambda: _name_zh(values.get("name_zh")))
    check("sex", lambda: _sex(values.get("sex")))
    born = check("date_of_birth", lambda: _date(values.get("date_of_birth"), "date_of_birth",
                                                 required=True))
    check("date_of_issue", lambda: _date(values.get("date_of_issue"), "date_of_issue",
                                         required=False, earliest=born or date(1900, 1, 1)))
    return found


def _name_zh(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value.strip()) > MAX_NAME_ZH:
        raise _bad("name_zh")
    return value.strip() or None


def _sex(value: object) -> Sex:
    if value not in ("M", "F"):
        raise _bad("sex", "missing" if value in (None, "") else "format")
    return value  # type: ignore[return-value]


def from_mapping(values: dict[str, Any], *, issue_required: bool = False) -> Particulars:
    """Validate field by field, the HKID number first; unknown keys are the caller's concern."""
    number = hkid_mod.parse(values.get("hkid"))  # InvalidHKID before anything else
    name_en = _name_en(values.get("name_en"))
    name_zh = _name_zh(values.get("name_zh"))
    sex = _sex(values.get("sex"))
    born = _date(values.get("date_of_birth"), "date_of_birth", required=True)
    if born is None:  # unreachable: a required date is never None
        raise _bad("date_of_birth")
    issued = _date(values.get("date_of_issue"), "date_of_issue", required=issue_required,
                   earliest=born)
    return Particulars(number, name_en, name_zh, born, sex, issued)


def from_form(values: object) -> Particulars:
    """Particulars typed by an applicant (or an officer): a JSON object of ``FIELDS``."""
    if not isinstance(values, dict):
        raise InvalidParticulars()
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise InvalidParticulars(field="unknown")
    return from_mapping(values)


def encode_dg1(particulars: Particulars) -> bytes:
    return json.dumps(particulars.as_dict(), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def decode_dg1(data: bytes) -> Particulars:
    """DG1 bytes → particulars; ``ValueError`` (or ``InvalidInput``) when malformed.

    Only called on data whose hash the document signer signed, but parsed strictly anyway.
    """
    if not isinstance(data, bytes) or len(data) > MAX_DG1_BYTES:
        raise ValueError("DG1 size")
    values = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates,
                        parse_constant=_refuse_constant)
    if not isinstance(values, dict) or set(values) != set(FIELDS):
        raise ValueError("DG1 fields")
    return from_mapping(values, issue_required=True)


def _refuse_constant(name: str) -> None:
    raise ValueError("NaN or Infinity")
