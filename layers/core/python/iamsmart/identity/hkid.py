"""Hong Kong Identity Card numbers: parse, normalise, validate, and hash for lookups.

Format: 1-2 letters, 6 digits and a check character 0-9 or ``A``, printed ``A123456(3)``.
Check: a 1-letter prefix is padded with a space worth 36; letters A-Z are 10-35, digits
themselves; weights 9..2 over the 8 characters; check = (11 - sum mod 11) mod 11, 10 is ``A``.

The number is personal data: it is never logged, never put in an exception or an error
message (errors say what is wrong, never echo the input), and never stored in clear.
``keyed_hash`` gives the value to store and look up by: HMAC-SHA-256 with a KMS HMAC key
(the secret never leaves KMS), so a leaked table cannot be reversed by enumerating the
~10^9 possible numbers.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass

from iamsmart import errors

# After normalisation: prefix, six digits, check character, in brackets or compact.
_FORMAT = re.compile(r"([A-Z]{1,2})([0-9]{6})(?:\(([0-9A])\)|([0-9A]))")
_MAX_INPUT = 32  # longer input is not an HKID number; don't spend work on it
_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)
# Domain separation and versioning of what is MACed (changing it changes every stored hash).
_MAC_CONTEXT = b"iamsmart:hkid:v1:"


class InvalidHKID(errors.InvalidInput):
    """Not an HKID number. ``details['category']`` is ``format`` or ``check_digit``; the
    message says which (a number in the right shape whose check character is wrong is a
    typing slip the applicant can find, not a format problem)."""

    code = "invalid_hkid"
    en = ("The HKID number is not valid. Please enter it as on the card: 1 or 2 letters, "
          "6 digits and the character in brackets.")
    tc = "香港身份證號碼無效。請按身份證上所示輸入：1至2個英文字母、6個數字及括號內的字元。"

    def __init__(self, category: str = "format") -> None:
        if category == "check_digit":
            super().__init__(
                "The HKID number and the character in brackets do not go together. Please "
                "check each digit and the character in brackets against your card.",
                "香港身份證號碼與括號內的字元不相符。請對照身份證，逐一檢查每個數字及括號內的字元。",
                category=category)
        else:
            super().__init__(category="format")


@dataclass(frozen=True)
class HKID:
    """A validated HKID number. ``repr``/``str`` are masked so it cannot leak into logs."""

    prefix: str
    digits: str
    check: str

    @property
    def canonical(self) -> str:
        """The printed form, ``A123456(3)``."""
        return f"{self.prefix}{self.digits}({self.check})"

    @property
    def compact(self) -> str:
        """``A1234563``: what is MACed."""
        return f"{self.prefix}{self.digits}{self.check}"

    def __repr__(self) -> str:
        return "HKID(***)"

    __str__ = __repr__


def _value(char: str) -> int:
    if char == " ":
        return 36
    if char.isdigit():
        return int(char)
    return ord(char) - ord("A") + 10


def check_character(prefix: str, digits: str) -> str:
    """The check character for ``prefix`` (1-2 letters, upper case) and 6 ``digits``."""
    body = prefix.rjust(2) + digits
    total = sum(w * _value(c) for w, c in zip(_WEIGHTS, body, strict=True))
    check = (11 - total % 11) % 11
    return "A" if check == 10 else str(check)


def normalise(text: str) -> str:
    """Full-width to ASCII (NFKC), no whitespace, upper case (no validation)."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).upper()


def parse(text: object) -> HKID:
    """Validate and normalise; raises ``InvalidHKID`` (never echoing the input)."""
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        raise InvalidHKID(category="format")
    match = _FORMAT.fullmatch(normalise(text))
    if match is None:
        raise InvalidHKID(category="format")
    prefix, digits, bracketed, compact = match.groups()
    check = bracketed or compact
    if check_character(prefix, digits) != check:
        raise InvalidHKID(category="check_digit")
    return HKID(prefix, digits, check)


def is_valid(text: object) -> bool:
    try:
        parse(text)
    except InvalidHKID:
        return False
    return True


def keyed_hash(hkid: str | HKID) -> str:
    """HMAC-SHA-256 (KMS ``GenerateMac``) of the normalised number, base64url without padding.

    The same number in any accepted formatting gives the same value. Raises ``InvalidHKID``
    for a malformed number and ``errors.Unavailable`` when KMS is throttled or down.
    """
    number = hkid if isinstance(hkid, HKID) else parse(hkid)
    mac = _generate_mac(_MAC_CONTEXT + number.compact.encode("ascii"))
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def _generate_mac(message: bytes) -> bytes:
    from iamsmart import aws
    from iamsmart.settings import settings

    # Guarded: only the error code is ever logged, never the request holding the number.
    answer = aws.call("kms", "generate_mac", KeyId=settings().hkid_hmac_key_alias,
                      Message=message, MacAlgorithm="HMAC_SHA_256")
    return answer["Mac"]
