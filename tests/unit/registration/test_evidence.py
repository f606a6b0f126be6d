"""The evidence step: chip or card photo, Immigration record, particulars; and its logs."""

from __future__ import annotations

import base64
import logging
import re

import pytest

from iamsmart import errors
from iamsmart.identity import hkid
from iamsmart.identity.hkid import InvalidHKID
from iamsmart.registration import card, chip, evidence, immigration, sandbox
from iamsmart.registration.particulars import from_mapping
from iamsmart.settings import Settings

CFG = Settings(face_engine="local")
CHAN_FORM = {"hkid": "A123456(3)", "name_en": "Chan Tai Man", "name_zh": "陳大文",
             "date_of_birth": "1975-03-14", "sex": "M"}


class CountingImmigration:
    """The sandbox records, counting lookups (to prove what happens before any lookup)."""

    def __init__(self) -> None:
        self.lookups = 0
        self.inner = immigration.SandboxImmigration()

    def lookup(self, number: hkid.HKID) -> immigration.ImmigrationRecord | None:
        self.lookups += 1
        return self.inner.lookup(number)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def chip_payload(number: str) -> dict[str, object]:
    sod, groups = card.sandbox_card(number)
    return {"kind": "chip", "sod": b64(sod),
            "data_groups": {str(k): b64(v) for k, v in groups.items()}}


def card_photo_payload(form: dict[str, object], photo: bytes | None = None) -> dict[str, object]:
    return {"kind": "card_photo", "photo": b64(photo or sandbox.photo("obama.jpg")),
            "particulars": form}


def check(payload: dict[str, object], provider: CountingImmigration | None = None):
    return evidence.check_evidence(evidence.parse_evidence(payload), provider, cfg=CFG)


def test_chip_with_agreeing_record_is_verified():
    provider = CountingImmigration()
    result = check(chip_payload("A123456(3)"), provider)
    assert result.outcome == "verified" and result.evidence == "chip"
    assert result.checks == ("hkid_format", "document_signer_trusted", "security_object_signed",
                             "data_group_hashes", "immigration_record_found",
                             "particulars_agree")
    assert result.reasons == () and result.mismatches == ()
    assert result.particulars.hkid.canonical == "A123456(3)"
    assert result.reference_photo == sandbox.photo("obama.jpg")
    assert result.reference_source == immigration.SANDBOX_SOURCE
    assert provider.lookups == 1


def test_card_photo_goes_to_manual_review():
    result = check(card_photo_payload(CHAN_FORM))
    assert result.outcome == "needs_manual_review" and result.reasons == ("card_photo",)
    assert "card_photo_valid" in result.checks and "particulars_agree" in result.checks
    assert result.reference_photo == sandbox.photo("obama.jpg")


def test_chip_particulars_disagreeing_with_the_record_are_rejected():
    result = check(chip_payload("AB987654(3)"))  # the card's Chinese name is outdated
    assert result.outcome == "rejected" and result.reasons == ("particulars_mismatch",)
    assert result.mismatches == ("name_zh",)
    assert "particulars_agree" not in result.checks


def test_declared_particulars_disagreeing_are_rejected():
    result = check(card_photo_payload({**CHAN_FORM, "date_of_birth": "1975-04-14"}))
    assert result.outcome == "rejected" and result.mismatches == ("date_of_birth",)


def test_authentic_chip_without_a_record_is_rejected():
    particulars = from_mapping({**CHAN_FORM, "hkid": "M999999(5)",
                                "date_of_issue": "2020-01-01"}, issue_required=True)
    sod, groups = card.issue_card(particulars, sandbox.photo("obama.jpg"), card.sandbox_signer())
    result = evidence.check_evidence(evidence.ChipEvidence(sod, groups), cfg=CFG)
    assert result.outcome == "rejected" and result.reasons == ("no_record",)
    assert result.reference_photo is None and result.reference_source is None


def test_wrong_check_digit_is_refused_before_any_lookup_or_decoding():
    provider = CountingImmigration()
    bad = card_photo_payload({**CHAN_FORM, "hkid": "A123456(4)"})
    bad["photo"] = "not base64!"
    with pytest.raises(InvalidHKID) as exc:
        check(bad, provider)
    assert exc.value.details["category"] == "check_digit"
    # Signed by the sandbox signer, but the number's check digit is wrong.
    sod, groups = card.sandbox_card("A123456(3)")
    groups = {**groups, 1: groups[1].replace(b"A123456(3)", b"A123456(4)")}
    signer = card.sandbox_signer()
    forged = evidence.ChipEvidence(chip.build_sod(groups, signer.certificate, signer.key), groups)
    with pytest.raises(InvalidHKID):
        evidence.check_evidence(forged, provider, cfg=CFG)
    assert provider.lookups == 0


def test_tampered_chip_is_refused_before_any_lookup():
    provider = CountingImmigration()
    payload = chip_payload("A123456(3)")
    payload["data_groups"]["2"] = b64(sandbox.photo("biden.jpg"))  # type: ignore[index]
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        check(payload, provider)
    assert exc.value.details["reason"] == "dg2_hash"
    assert isinstance(exc.value, errors.InvalidInput)
    assert provider.lookups == 0


def test_unusable_card_photo_is_refused():
    with pytest.raises(errors.InvalidImage):
        check(card_photo_payload(CHAN_FORM, b"GIF89a" + b"\x00" * 64))


@pytest.mark.parametrize("payload", [
    None, [], {}, {"kind": "passport"},
    {"kind": "chip", "sod": "AAAA"},
    {"kind": "chip", "sod": "AAAA", "data_groups": {"1": "AAAA"}, "extra": 1},
    {"kind": "chip", "sod": "!!!", "data_groups": {"1": "AAAA"}},
    {"kind": "chip", "sod": "AAAA", "data_groups": {"one": "AAAA"}},
    {"kind": "chip", "sod": "AAAA", "data_groups": {}},
    {"kind": "chip", "sod": "AAAA", "data_groups": {"1": 5}},
    {"kind": "card_photo", "photo": "", "particulars": CHAN_FORM},
])
def test_malformed_evidence_gets_a_bilingual_refusal(payload):
    with pytest.raises(evidence.InvalidEvidence) as exc:
        evidence.parse_evidence(payload)
    assert exc.value.en and re.search(r"[\u4e00-\u9fff]", exc.value.tc)


def test_no_personal_data_in_logs_metrics_results_or_errors(capfd):
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep(level=logging.DEBUG)
    logging.getLogger("iamsmart").addHandler(keep)
    texts: list[str] = []
    try:
        results = [check(chip_payload("A123456(3)")), check(chip_payload("AB987654(3)")),
                   check(card_photo_payload(CHAN_FORM))]
        texts += [repr(r) + repr(r.summary()) for r in results]
        for bad in (card_photo_payload({**CHAN_FORM, "hkid": "A123456(4)"}),
                    {**chip_payload("A123456(3)"), "sod": b64(b"\x30\x03\x02\x01\x00")}):
            with pytest.raises(errors.DomainError) as exc:
                check(bad)
            texts += [str(exc.value), repr(exc.value), exc.value.en, exc.value.tc,
                      repr(exc.value.details)]
    finally:
        logging.getLogger("iamsmart").removeHandler(keep)
    out, err = capfd.readouterr()
    assert any(r.getMessage() == "registration evidence checked" for r in records)
    assert "RegistrationEvidence" in out  # the metric was written
    blob = "\n".join([out, err, *texts, *(repr(r.__dict__) for r in records)])
    for personal in ("123456", "987654", "1234563", "CHAN", "Chan", "Tai Man", "陳大文",
                     "何詠傑", "何永傑", "HO, Wing", "1975", "1983-12-05"):
        assert personal not in blob, personal
