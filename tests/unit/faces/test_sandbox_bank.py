"""The sandbox bank's own rules (infra/sandbox/bank.py): the transaction it asks for is one the
platform accepts unchanged, and it opens an account only on a face acr, a face amr, a passed
match and exactly the transaction it asked for."""

from __future__ import annotations

import json
from typing import Any

import pytest

from iamsmart.oidc import authorization_details
from infra.sandbox import bank


def _passed(asked: dict[str, str], **changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "acr": bank.ACR_FACE, "amr": ["hwk", "mca", "face"],
        "face_assurance": {"match": "passed", "liveness": "not_evaluated",
                           "confidence_band": "high", "engine": "local"},
        "authorization_details": [dict(asked)]}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.mark.parametrize("deposit,shown", [("500", "500.00"), ("0", "0.00"), ("", "0.00"),
                                           ("1000000", "1000000.00"), ("12.5", "12.50")])
def test_the_asked_transaction_is_the_platforms_canonical_form(deposit: str, shown: str) -> None:
    asked = bank.transaction("savings", deposit, "ACC-20250101-000001")
    canonical = authorization_details.parse(json.dumps([asked], ensure_ascii=False))
    assert canonical is not None
    assert json.loads(canonical) == [asked]  # what the ID token echoes compares equal
    assert asked["amount"] == shown and asked["currency"] == "HKD"
    assert asked["purpose"] == "Open a savings account / 開立儲蓄戶口"


@pytest.mark.parametrize("product,deposit", [("loan", "1"), ("savings", "-1"),
                                             ("savings", "1000000.01"), ("savings", "abc"),
                                             ("savings", "NaN"), ("savings", "Infinity")])
def test_bad_applications_are_refused_before_any_login(product: str, deposit: str) -> None:
    with pytest.raises(ValueError):
        bank.transaction(product, deposit, "ACC-1")


def test_opens_only_with_face_level_and_the_same_transaction() -> None:
    asked = bank.transaction("integrated", "500", "ACC-20250101-000002")
    assert bank.decide(asked, _passed(asked)) == []
    # Liveness not evaluated: accepted by the sandbox bank, refused by a bank requiring it.
    assert len(bank.decide(asked, _passed(asked), require_liveness=True)) == 1
    evaluated = _passed(asked, face_assurance={"match": "passed", "liveness": "evaluated"})
    assert bank.decide(asked, evaluated, require_liveness=True) == []

    refusals = {
        "plus level only": _passed(asked, acr="urn:iamsmart:acr:plus"),
        "no face amr": _passed(asked, amr=["hwk", "mca"]),
        "no assurance": _passed(asked, face_assurance=None),
        "match not passed": _passed(asked, face_assurance={"match": "failed"}),
        "no transaction": _passed(asked, authorization_details=None),
        "another amount": _passed(asked, authorization_details=[{**asked, "amount": "5.00"}]),
        "another reference": _passed(asked,
                                     authorization_details=[{**asked, "reference": "ACC-X"}]),
        "two transactions": _passed(asked, authorization_details=[asked, asked]),
    }
    for case, claims in refusals.items():
        reasons = bank.decide(asked, claims)
        assert reasons, case
        assert all(en and tc for en, tc in reasons), case
