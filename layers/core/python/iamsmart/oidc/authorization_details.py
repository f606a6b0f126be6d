"""``authorization_details`` (RFC 9396) for face step-ups: the transaction a service wants
the citizen to confirm with a live face check (opening an account, a payment).

Accepted at PAR only together with ``acr_values`` asking for ``urn:iamsmart:acr:face``, as a
JSON array of exactly one object of type ``iamsmart_transaction``::

    [{"type": "iamsmart_transaction", "purpose": "Open a savings account",
      "payee": "Sandbox Bank", "amount": "1000.00", "currency": "HKD",
      "reference": "APP-2025-0001"}]

``purpose`` is required; ``amount`` (a decimal string, at most 2 decimals) needs ``currency``
(ISO 4217 letters) and the other way round. Strings are bounded, one line, any script
(Chinese included). The canonical JSON is stored with the grant, shown on the step-up page,
and copied into the ID token only when the face step-up passed (the citizen saw and
confirmed it).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from iamsmart.oidc.errors import InvalidRequest

TYPE = "iamsmart_transaction"
MAX_RAW = 2048
FIELDS = {"type": 32, "purpose": 140, "payee": 140, "amount": 20, "currency": 3,
          "reference": 64}
_AMOUNT = re.compile(r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class InvalidAuthorizationDetails(InvalidRequest):
    code = "invalid_authorization_details"
    en = ("authorization_details must be one iamsmart_transaction with a purpose (and, "
          "optionally, payee, amount with currency, reference).")
    tc = ("authorization_details 必須為一項 iamsmart_transaction，並包括用途"
          "（可另附收款人、金額及貨幣、參考編號）。")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidAuthorizationDetails()
        out[key] = value
    return out


def _refuse_constant(name: str) -> Any:
    raise InvalidAuthorizationDetails()


def _one_line(value: object, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InvalidAuthorizationDetails()
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029" for c in value):
        raise InvalidAuthorizationDetails()
    return value.strip()


def parse(raw: str | None) -> str | None:
    """The canonical JSON text of valid ``authorization_details`` (None when absent)."""
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_RAW:
        raise InvalidAuthorizationDetails()
    try:
        value = json.loads(raw, object_pairs_hook=_no_duplicates,
                           parse_constant=_refuse_constant)
    except (json.JSONDecodeError, RecursionError, ValueError):
        raise InvalidAuthorizationDetails() from None
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        raise InvalidAuthorizationDetails()
    detail = value[0]
    if detail.get("type") != TYPE or not set(detail) <= set(FIELDS):
        raise InvalidAuthorizationDetails()
    out: dict[str, str] = {"type": TYPE, "purpose": _one_line(detail.get("purpose"), 140)}
    for name in ("payee", "reference"):
        if name in detail:
            out[name] = _one_line(detail[name], FIELDS[name])
    if ("amount" in detail) != ("currency" in detail):
        raise InvalidAuthorizationDetails()
    if "amount" in detail:
        amount, currency = detail["amount"], detail["currency"]
        if not isinstance(amount, str) or not _AMOUNT.match(amount):
            raise InvalidAuthorizationDetails()
        if not isinstance(currency, str) or not _CURRENCY.match(currency):
            raise InvalidAuthorizationDetails()
        try:
            normalised = Decimal(amount).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise InvalidAuthorizationDetails() from None
        out["amount"], out["currency"] = f"{normalised:f}", currency
    return json.dumps([out], ensure_ascii=False, separators=(",", ":"), sort_keys=True)
