"""Chip trust anchors from configuration: the CSCA master list parameter, the sandbox CSCA
refused when the stage is prod (at run time and by the seeding code), nothing trusted when
nothing is configured."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from registration_helpers import NOW

from iamsmart import errors, parameters
from iamsmart.registration import card, chip, trust
from iamsmart.settings import settings
from infra import seeding
from infra.names import PARAMETERS

CHAN = "A123456(3)"


@pytest.fixture
def stage(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch
    settings.cache_clear()
    parameters.reset()


def _use(monkeypatch: pytest.MonkeyPatch, stage_name: str, pem: bytes | None) -> None:
    """Write the master list as an operator would (no checks: the run-time guard is tested)."""
    from iamsmart import aws

    monkeypatch.setenv("STAGE", stage_name)
    settings.cache_clear()
    parameters.reset()
    name = PARAMETERS["csca-master-list"].name
    ssm = aws.client("ssm")
    if pem is None:
        ssm.delete_parameter(Name=name)
    else:
        ssm.put_parameter(Name=name, Value=pem.decode(), Type="String", Overwrite=True)


def _pem(*pkis: card.PKI) -> bytes:
    return b"".join(p.csca.certificate.public_bytes(Encoding.PEM) for p in pkis)


def test_the_sandbox_csca_verifies_sandbox_cards_outside_prod(stage: pytest.MonkeyPatch) -> None:
    _use(stage, "dev", seeding.sandbox_csca_pem())
    sod, groups = card.sandbox_card(CHAN)
    assert chip.verify_chip(sod, groups).particulars.hkid.canonical == CHAN


def test_a_prod_stage_refuses_the_sandbox_csca_at_run_time(stage: pytest.MonkeyPatch) -> None:
    _use(stage, "prod", seeding.sandbox_csca_pem())
    sod, groups = card.sandbox_card(CHAN)
    with pytest.raises(errors.Unavailable) as refused:  # 503, never "your card is fake"
        chip.verify_chip(sod, groups)
    assert type(refused.value) is errors.Unavailable  # the name the workflow retries
    assert refused.value.details["reason"] == "no_trust_anchors"
    assert refused.value.en == trust.NO_ANCHORS_EN and refused.value.tc


def test_a_prod_stage_trusts_the_real_cscas_of_a_mixed_bundle_only(
        stage: pytest.MonkeyPatch) -> None:
    # A CSCA standing in for the Immigration Department's: not named as a sandbox authority.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(card, "SANDBOX_ORGANISATION", "Immigration Department (test)")
        csca = card.make_csca(NOW - timedelta(days=1), NOW + timedelta(days=365),
                              "Test HK CSCA")
        signer = card.make_document_signer(csca, NOW - timedelta(days=1),
                                           NOW + timedelta(days=365))
    assert not trust.is_sandbox(csca.certificate)
    bundle = seeding.sandbox_csca_pem() + csca.certificate.public_bytes(Encoding.PEM)
    _use(stage, "prod", bundle)
    assert trust.anchors() == (csca.certificate,)
    sod, groups = card.sandbox_card(CHAN)
    with pytest.raises(chip.ChipNotAuthentic) as untrusted:
        chip.verify_chip(sod, groups)
    assert untrusted.value.details["reason"] == "untrusted_document_signer"
    particulars = chip.verify_chip(sod, groups, anchor=trust.sandbox_csca()).particulars
    real_sod, real_groups = card.issue_card(particulars, groups[2], signer)
    assert chip.verify_chip(real_sod, real_groups).particulars.hkid.canonical == CHAN


def test_a_renewed_csca_under_the_same_name_is_found(stage: pytest.MonkeyPatch,
                                                     rogue: card.PKI) -> None:
    # rogue's CSCA has the sandbox CSCA's name but another key: listed first, it must not
    # hide the one that really issued the document signer.
    _use(stage, "dev", _pem(rogue) + seeding.sandbox_csca_pem())
    sod, groups = card.sandbox_card(CHAN)
    assert chip.verify_chip(sod, groups).particulars.hkid.canonical == CHAN


def test_nothing_is_trusted_without_a_master_list(stage: pytest.MonkeyPatch) -> None:
    _use(stage, "dev", seeding.sandbox_csca_pem())
    _use(stage, "dev", None)
    sod, groups = card.sandbox_card(CHAN)
    with pytest.raises(errors.Unavailable):
        chip.verify_chip(sod, groups)
    _use(stage, "dev", b"not a certificate")
    with pytest.raises(errors.Unavailable):
        chip.verify_chip(sod, groups)


def test_the_seeding_code_refuses_the_sandbox_csca_for_prod(test_pki: card.PKI) -> None:
    with pytest.raises(seeding.SeedError, match="sandbox CSCA"):
        seeding.check_csca(seeding.sandbox_csca_pem(), "prod")
    with pytest.raises(seeding.SeedError, match="sandbox CSCA"):
        seeding.check_csca(_pem(test_pki), "prod")  # any authority the sandbox makes
    assert seeding.check_csca(seeding.sandbox_csca_pem(), "dev") == 1
    ds = test_pki.document_signer.certificate.public_bytes(Encoding.PEM)
    with pytest.raises(seeding.SeedError, match="not a CA"):
        seeding.check_csca(ds, "dev")
    with pytest.raises(seeding.SeedError, match="PEM bundle"):
        seeding.check_csca(b"-----BEGIN NOTHING-----", "dev")
