"""Passive authentication of sandbox chip data, and the attacks it must stop."""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import cms, parser
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from registration_helpers import NOW, rebuild, tampered_card

from iamsmart.identity.hkid import InvalidHKID
from iamsmart.registration import card, chip, sandbox, trust
from iamsmart.registration.particulars import decode_dg1, encode_dg1
from infra.sandbox import DOCUMENT_SIGNER_KEY

CHAN = "A123456(3)"


@pytest.fixture(scope="module")
def chan() -> tuple[bytes, dict[int, bytes]]:
    return card.sandbox_card(CHAN)


def reason(exc: pytest.ExceptionInfo[chip.ChipNotAuthentic]) -> object:
    return exc.value.details["reason"]


def test_sandbox_card_verifies_against_the_pinned_csca(chan):
    sod, groups = chan
    data = chip.verify_chip(sod, groups)
    assert data.particulars.hkid.canonical == CHAN
    assert data.particulars.name_zh == "陳大文"
    assert data.photo == sandbox.photo("obama2.jpg")
    assert "Document Signer" in data.document_signer
    assert data.checks == ("document_signer_trusted", "security_object_signed",
                           "data_group_hashes")
    assert "陳大文" not in repr(data) and "A123456" not in repr(data)


def test_ef_sod_application_tag_is_accepted(chan):
    sod, groups = chan
    wrapped = parser.emit(1, 1, 23, sod)  # [APPLICATION 23], constructed
    assert wrapped[0] == chip.EF_SOD_TAG
    assert chip.verify_chip(wrapped, groups).particulars.hkid.canonical == CHAN


def test_tampered_dg1_fails(chan):
    sod, groups = chan
    dg1 = groups[1].replace(b"Tai Man", b"Tai Ming")
    assert decode_dg1(dg1).name_en == "CHAN, Tai Ming"  # well-formed, just not what was signed
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(sod, {**groups, 1: dg1})
    assert reason(exc) == "dg1_hash"
    assert exc.value.en and re.search(r"[\u4e00-\u9fff]", exc.value.tc)


def test_swapped_photo_fails(chan):
    sod, groups = chan
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(sod, {**groups, 2: sandbox.photo("biden.jpg")})
    assert reason(exc) == "dg2_hash"


def test_missing_or_unsigned_data_groups_fail(chan):
    sod, groups = chan
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(sod, {1: groups[1]})
    assert reason(exc) == "data_group_missing"
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(sod, {**groups, 3: b"fingerprints"})
    assert reason(exc) == "data_group_unsigned"


def test_hash_list_edited_without_resigning_fails(chan):
    sod, groups = chan
    forged_groups = {**groups, 2: sandbox.photo("biden.jpg")}

    def swap_content(fields):
        return {**fields, "encap_content_info": {
            "content_type": chip.OID_LDS_SECURITY_OBJECT,
            "content": chip.lds_security_object(forged_groups)}}

    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(rebuild(sod, swap_content), forged_groups)
    assert reason(exc) == "security_object_digest"


def test_unsigned_sod_fails(chan):
    sod, groups = chan
    unsigned = rebuild(sod, lambda f: {**f, "signer_infos": []})
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(unsigned, groups)
    assert reason(exc) == "unsigned"


def test_sod_without_the_document_signer_certificate_fails(chan):
    sod, groups = chan
    bare = rebuild(sod, lambda f: {k: v for k, v in f.items() if k != "certificates"})
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(bare, groups)
    assert reason(exc) == "no_document_signer"


def test_resigned_with_another_key_under_the_real_certificate_fails(chan, rogue):
    _, groups = chan
    forged = {**groups, 2: sandbox.photo("biden.jpg")}
    impostor = card.Authority(card.sandbox_signer().certificate, rogue.document_signer.key)
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(chip.build_sod(forged, impostor.certificate, impostor.key), forged)
    assert reason(exc) == "signature"


def test_document_signer_not_issued_by_the_pinned_csca_fails(chan, rogue):
    _, groups = chan
    sod = chip.build_sod(groups, rogue.document_signer.certificate, rogue.document_signer.key)
    assert rogue.csca.certificate.subject == trust.sandbox_csca().subject  # same name only
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(sod, groups)
    assert reason(exc) == "untrusted_document_signer"
    # ... and the same card verifies against the rogue CA, so the check is the anchor's.
    assert chip.verify_chip(sod, groups, anchor=rogue.csca.certificate).particulars


def test_self_signed_document_signer_fails(chan, rogue):
    _, groups = chan
    own = rogue.csca  # a CA certificate signing documents itself
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(chip.build_sod(groups, own.certificate, own.key), groups)
    assert reason(exc) == "untrusted_document_signer"


def test_expired_document_signer_fails(chan, test_pki):
    _, groups = chan
    expired = card.make_document_signer(test_pki.csca, NOW - timedelta(days=400),
                                        NOW - timedelta(days=1))
    sod = chip.build_sod(groups, expired.certificate, expired.key)
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(sod, groups, anchor=test_pki.csca.certificate)
    assert reason(exc) == "document_signer_expired"
    # Valid while it was valid: the failure is the validity period, nothing else.
    assert chip.verify_chip(sod, groups, anchor=test_pki.csca.certificate,
                            at=NOW - timedelta(days=2)).particulars


def test_sandbox_signer_expires_too(chan):
    sod, groups = chan
    later = card.sandbox_signer().certificate.not_valid_after_utc + timedelta(seconds=1)
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(sod, groups, at=later)
    assert reason(exc) == "document_signer_expired"


def test_signer_without_digital_signature_usage_fails(chan, test_pki):
    _, groups = chan
    wrong = card.make_document_signer(test_pki.csca, NOW - timedelta(days=1),
                                      NOW + timedelta(days=30), usage_signature=False)
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(chip.build_sod(groups, wrong.certificate, wrong.key), groups,
                         anchor=test_pki.csca.certificate)
    assert reason(exc) == "document_signer_key_usage"


@pytest.mark.parametrize("mangle", [
    lambda sod: sod[:-1],
    lambda sod: sod + b"\x00",
    lambda sod: b"\x30\x80" + sod[2:],
    lambda sod: b"not a security object",
])
def test_malformed_sod_fails(chan, mangle):
    sod, groups = chan
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(mangle(sod), groups)
    assert reason(exc) == "malformed"


def test_oversized_or_empty_sod_fails(chan):
    _, groups = chan
    for sod in (b"", b"\x30" * (chip.MAX_SOD_BYTES + 1)):
        with pytest.raises(chip.ChipNotAuthentic) as exc:
            chip.verify_chip(sod, groups)
        assert reason(exc) == "sod_size"


def test_signed_number_with_wrong_check_digit_is_refused(chan):
    _, groups = chan
    dg1 = groups[1].replace(b"A123456(3)", b"A123456(4)")
    forged = {**groups, 1: dg1}
    signer = card.sandbox_signer()
    with pytest.raises(InvalidHKID) as exc:
        chip.verify_chip(chip.build_sod(forged, signer.certificate, signer.key), forged)
    assert exc.value.details["category"] == "check_digit"


def test_card_issuer_knows_only_sandbox_people():
    with pytest.raises(LookupError):
        card.sandbox_card("M999999(5)")
    with pytest.raises(InvalidHKID):
        card.sandbox_card("A123456(4)")


def test_every_sandbox_person_has_a_verifiable_card():
    for number in sandbox.people():
        sod, groups = card.sandbox_card(number)
        data = chip.verify_chip(sod, groups)
        assert data.particulars.hkid.compact == number
        assert encode_dg1(data.particulars) == groups[1]


def test_pinned_csca_is_a_public_ca_certificate_and_issued_the_sandbox_signer():
    anchor = trust.sandbox_csca()
    assert anchor.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert anchor.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    card.sandbox_signer().certificate.verify_directly_issued_by(anchor)
    assert b"PRIVATE" not in trust.SANDBOX_CSCA.read_bytes()
    # No private key in the layer's sandbox folder; the document signer's (outside every
    # Lambda asset, in infra/sandbox) matches ds.pem.
    keys = [p.name for p in sandbox.DIR.rglob("*") if p.is_file() and b"PRIVATE KEY" in
            p.read_bytes()]
    assert keys == []
    signer = card.sandbox_signer()
    assert signer.key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == signer.certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert datetime.now(UTC) < signer.certificate.not_valid_after_utc


# --- interoperability: OpenSSL's CMS implementation, both ways --------------------------

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl CLI")


@needs_openssl
def test_openssl_verifies_our_sod(chan, tmp_path):
    sod, groups = chan
    (tmp_path / "sod.der").write_bytes(sod)
    run = subprocess.run(
        ["openssl", "cms", "-verify", "-inform", "DER", "-in", str(tmp_path / "sod.der"),
         "-CAfile", str(trust.SANDBOX_CSCA), "-purpose", "any", "-out", str(tmp_path / "lds")],
        capture_output=True, check=False)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "lds").read_bytes() == chip.lds_security_object(groups)


@needs_openssl
@pytest.mark.parametrize("options", [[], ["-keyid"]])
def test_our_verifier_accepts_openssl_signed_sod(chan, tmp_path, options):
    _, groups = chan
    (tmp_path / "lds").write_bytes(chip.lds_security_object(groups))
    run = subprocess.run(
        ["openssl", "cms", "-sign", "-binary", "-nodetach", "-md", "sha256",
         "-econtent_type", chip.OID_LDS_SECURITY_OBJECT, "-in", str(tmp_path / "lds"),
         "-signer", str(sandbox.DIR / "ds.pem"), "-inkey", str(DOCUMENT_SIGNER_KEY),
         "-outform", "DER", "-out", str(tmp_path / "sod"), *options],
        capture_output=True, check=False)
    assert run.returncode == 0, run.stderr
    sod = (tmp_path / "sod").read_bytes()
    assert chip.verify_chip(sod, groups).particulars.hkid.canonical == CHAN
    with pytest.raises(chip.ChipNotAuthentic):
        chip.verify_chip(sod, {**groups, 1: groups[1].replace(b"1975", b"1976")})


def test_security_object_lists_sha256_of_each_group(chan):
    _, groups = chan
    lds = chip.LDSSecurityObject.load(chip.lds_security_object(groups)).native
    assert lds["version"] == 0 and lds["hash_algorithm"]["algorithm"] == "sha256"
    listed = {e["data_group_number"]: e["data_group_hash_value"]
              for e in lds["data_group_hash_values"]}
    assert listed == {k: hashlib.sha256(v).digest() for k, v in groups.items()}


@pytest.mark.parametrize("forgery,why", [
    ("dg1", "dg1_hash"), ("dg2", "dg2_hash"), ("untrusted", "untrusted_document_signer"),
    ("unsigned", "unsigned"),
])
def test_tampered_sandbox_cards_fail(forgery, why):
    for number in ("A123456(3)", "WX123456(9)"):
        sod, groups = tampered_card(number, forgery)
        with pytest.raises(chip.ChipNotAuthentic) as exc:
            chip.verify_chip(sod, groups)
        assert reason(exc) == why


# --- strict DER: asn1crypto reads BER too, the verifier must not ----------------------------

def _indefinite(tlv: bytes) -> bytes:
    """The same value with an indefinite (BER) length."""
    _, _, _, header, contents, _ = parser.parse(tlv, strict=True)
    return header[:1] + b"\x80" + contents + b"\x00\x00"


def _ber_variants(sod: bytes) -> dict[str, bytes]:
    contents = parser.parse(sod, strict=True)[4]
    split = parser.peek(contents)  # contentType | [0] SignedData
    content_type, wrapped = contents[:split], contents[split:]
    assert sod[1] == 0x82  # a two-byte length
    return {
        "indefinite ContentInfo": _indefinite(sod),
        "indefinite [0]": parser.emit(0, 1, 16, content_type + _indefinite(wrapped)),
        "non-minimal length": b"\x30\x83\x00" + sod[2:],
        "EF.SOD non-minimal length": b"\x77\x83\x00" + len(sod).to_bytes(2, "big") + sod,
        "EF.SOD indefinite": _indefinite(parser.emit(1, 1, 23, sod)),
        "EF.SOD with trailing bytes inside": parser.emit(1, 1, 23, sod + b"\x05\x00"),
        "EF.SOD with trailing bytes after": parser.emit(1, 1, 23, sod) + b"\x00",
    }


@pytest.mark.parametrize("variant", [
    "indefinite ContentInfo", "indefinite [0]", "non-minimal length", "EF.SOD non-minimal length",
    "EF.SOD indefinite", "EF.SOD with trailing bytes inside", "EF.SOD with trailing bytes after",
])
def test_ber_encodings_of_a_genuine_sod_are_refused(chan, variant):
    sod, groups = chan
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(_ber_variants(sod)[variant], groups)
    assert reason(exc) == "malformed"


def test_non_minimal_integer_outside_the_signature_is_refused(chan):
    sod, groups = chan

    def pad_version(fields):
        signer = fields["signer_infos"][0]
        signer["version"] = cms.CMSVersion.load(b"\x02\x02\x00\x01")  # 1, in two bytes
        return {**fields, "signer_infos": [signer]}

    padded = rebuild(sod, pad_version)
    assert cms.ContentInfo.load(padded)["content"]["signer_infos"][0]["version"].native == "v1"
    with pytest.raises(chip.ChipNotAuthentic) as exc:
        chip.verify_chip(padded, groups)
    assert reason(exc) == "malformed"


def test_damaged_sods_only_ever_fail_as_not_authentic(chan):
    """Lazily parsed bytes: any damage is ChipNotAuthentic, never another exception."""
    sod, groups = chan
    rng = random.Random(9303)
    damaged = [sod[:n] for n in range(1, len(sod), 97)]
    for _ in range(150):
        data = bytearray(sod)
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
        if data == sod:  # two changes undid each other
            continue
        damaged.append(bytes(data))
    reasons = set()
    for data in damaged:
        with pytest.raises(chip.ChipNotAuthentic) as exc:
            chip.verify_chip(data, groups)
        reasons.add(reason(exc))
    assert "malformed" in reasons and len(reasons) > 2
