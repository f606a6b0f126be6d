"""No field beyond the consented ones ever leaves the gateway: many random cases of fields
requested, consented, and answered by providers (with extras, gaps and failures)."""

from __future__ import annotations

import random

import pytest

from iamsmart.exchange import calls, delivery
from iamsmart.exchange.models import Consent, Detail

UNIVERSE = [f"{p}.{d}.{f}" for p in ("IMMD", "TD", "RVD") for d in ("one", "two")
            for f in ("a", "b", "c", "d")]


def _answers(rng: random.Random, asked: list[str]) -> list[dict]:
    """What the providers might answer: asked fields, unasked extras, gaps, failures."""
    out = []
    for pid in ("IMMD", "TD", "RVD"):
        for ds in ("one", "two"):
            status = rng.choice(["ok", "ok", "ok", "timeout", "unavailable", "not_held"])
            fields = {}
            if status == "ok":
                for f in ("a", "b", "c", "d", "hkid", "secret"):
                    if rng.random() < 0.7:
                        fields[f] = f"{pid}-{ds}-{f}"
            out.append({"provider": pid, "dataset": ds, "status": status, "fields": fields,
                        "as_of": "2026-01-01T00:00:00Z"})
    rng.shuffle(out)
    return out


@pytest.mark.parametrize("seed", range(300))
def test_delivered_fields_are_within_asked_and_consented(seed: int) -> None:
    rng = random.Random(seed)
    consented = sorted(rng.sample(UNIVERSE, rng.randint(1, 10)))
    requested = sorted(rng.sample(UNIVERSE, rng.randint(1, 10)))
    consent = Consent(account_id="a", consent_id="c", client_id="x", department="TD",
                      purpose="licence_application", fields=tuple(consented),
                      mode="standing", retention_days=1, granted_at=0, expires_at=10**10,
                      receipt_id="r", receipt="", subs={}, sub="s")
    # The gate delivery.fetch applies before any provider is called.
    allowed = set(requested) <= set(consent.fields)
    if not allowed:
        assert set(requested) - set(consented)
        return
    # What a provider's call passes on (calls.call keeps asked fields only) ...
    answers = []
    for answer in _answers(rng, requested):
        asked = [p.split(".")[2] for p in requested
                 if p.startswith(f"{answer['provider']}.{answer['dataset']}.")]
        kept = {k: v for k, v in answer["fields"].items() if k in asked}
        answers.append({**answer, "fields": kept if rng.random() < 0.5 else answer["fields"]})
    values, provenance, missing, providers = delivery.assemble(requested, answers)
    assert set(values) <= set(requested) <= set(consented)
    assert set(values) | set(missing) == set(requested)
    assert not set(values) & set(missing)
    assert set(provenance) == set(values)
    for path, value in values.items():
        pid, ds, field = path.split(".")
        assert value == f"{pid}-{ds}-{field}"  # from the right provider and dataset


def test_provider_answer_is_cut_to_the_asked_fields() -> None:
    assert calls._plain({"a": [1, {"b": None}]})
    assert not calls._plain({"a": [[[[[1]]]]]})


def test_detail_rules() -> None:
    with pytest.raises(ValueError):
        Detail.model_validate({"type": "urn:iamsmart:data-exchange", "fields": ["x"],
                               "purpose": "p", "mode": "one_time"})
    with pytest.raises(ValueError):  # standing needs a duration
        Detail.model_validate({"type": "urn:iamsmart:data-exchange",
                               "fields": ["IMMD.a.b"], "purpose": "p", "mode": "standing"})
    d = Detail.model_validate({"type": "urn:iamsmart:data-exchange",
                               "fields": ["TD.a.b", "IMMD.a.b", "TD.a.b"],
                               "purpose": "p", "mode": "standing", "duration_days": 3})
    assert d.fields == ("IMMD.a.b", "TD.a.b") and d.lifetime_seconds() == 3 * 86400
