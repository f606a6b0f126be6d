"""Smart HKID card chip data, verified the way ICAO Doc 9303 (part 11) passive authentication
verifies an e-passport: trust anchor → document signer certificate → signed hashes → data.

The structures are ICAO 9303 part 10's, with two simplifications for the sandbox card:

- ``sod`` (the Document Security Object) is a CMS ``SignedData`` (RFC 5652) as DER, without
  EF.SOD's outer application tag ``0x77`` (accepted if present). Its encapsulated content,
  type ``id-icao-mrtd-security-ldsSecurityObject`` (2.23.136.1.1.1), is an
  ``LDSSecurityObject``: version 0, SHA-256, and the hash of every data group. There is exactly
  one ``SignerInfo``, identified by issuer and serial number (or subject key identifier), with
  the signed attributes ``contentType`` and ``messageDigest``, signed with ECDSA P-256 /
  SHA-256 (ICAO's ``ecdsa-with-SHA256``) by the document signer (DS), whose certificate travels
  in ``certificates``.
- Data groups: DG1 is the particulars as canonical JSON (``particulars.encode_dg1``) where a
  passport has the MRZ; DG2 is the face photo as plain JPEG bytes where a passport wraps it in
  ISO/IEC 19794-5 and CBEFF. The hashes cover exactly these bytes.

``verify_chip`` checks, and any failure is ``ChipNotAuthentic`` (bilingual; ``details['reason']``
a fixed word for logs and tests): the DS certificate was issued by the pinned country signing
CA (CSCA: issuer name and signature), both are within their validity period at ``at``, the DS
key usage is digital signature only (not a CA) and the key ECDSA P-256; the signed attributes'
message digest is the SHA-256 of the security object and their signature verifies with the DS
key; every data group read from the card is listed and its hash matches, and DG1 and DG2 are
present. Only then is DG1 parsed (HKID format and check digit first).

Trust: production pins only the Immigration Department's public CSCA certificate. The sandbox
pins ``sandbox/csca.pem`` (made here, see sandbox/README.md); its private key was discarded when
the sandbox was generated, and the DS private key serves only the sandbox card issuer
(``iamsmart.registration.card``). Not verified here, as in basic passive authentication:
certificate revocation lists, and chip authenticity (active or chip authentication), which need
the card in a reader.

``build_sod`` writes the same structure (for the sandbox card issuer and tests).
The strict DER reader is ``iamsmart.registration.der``: ``cryptography`` cannot take CMS apart
and ``asn1crypto`` is not a dependency.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from iamsmart import errors
from iamsmart.registration import der
from iamsmart.registration.particulars import Particulars, decode_dg1

OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
OID_SHA256 = "2.16.840.1.101.3.4.2.1"
OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
EF_SOD_TAG = 0x77

MAX_SOD_BYTES = 16 * 1024
MAX_DG_BYTES = {1: 2048, 2: 2 * 1024 * 1024}
REQUIRED_GROUPS = frozenset({1, 2})
SANDBOX_CSCA = Path(__file__).resolve().parent / "sandbox" / "csca.pem"


class ChipNotAuthentic(errors.InvalidInput):
    """The chip data is not what the Immigration Department signed (or cannot be checked)."""

    code = "chip_not_authentic"
    en = ("The identity card's chip data could not be verified. Please read the card again, "
          "or register with a photo of the card instead.")
    tc = "未能核實身份證晶片資料。請重新讀取身份證，或改用身份證相片登記。"


def _fail(reason: str) -> ChipNotAuthentic:
    return ChipNotAuthentic(reason=reason)


@dataclass(frozen=True)
class ChipData:
    """Verified chip contents. Personal data: ``repr`` shows no field."""

    particulars: Particulars
    photo: bytes
    document_signer: str  # the DS certificate's subject (an authority, not a person)
    checks: tuple[str, ...] = field(default=())

    def __repr__(self) -> str:
        return f"ChipData(***, checks={self.checks!r})"

    __str__ = __repr__


# --- writing (sandbox card issuer) ------------------------------------------------------

def _algorithm(dotted: str, with_null: bool) -> bytes:
    return der.sequence(der.oid(dotted), der.null()) if with_null else der.sequence(der.oid(dotted))


def lds_security_object(data_groups: Mapping[int, bytes]) -> bytes:
    hashes = [der.sequence(der.integer(number), der.octets(hashlib.sha256(data).digest()))
              for number, data in sorted(data_groups.items())]
    return der.sequence(der.integer(0), _algorithm(OID_SHA256, True), der.sequence(*hashes))


def build_sod(data_groups: Mapping[int, bytes], ds_certificate: Any, ds_key: Any) -> bytes:
    """Sign the data groups' hashes as the document signer: CMS SignedData DER."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    content = lds_security_object(data_groups)
    # DER orders a SET OF by encoding; signed as a SET, carried as [0] IMPLICIT.
    attributes = b"".join(sorted([
        der.sequence(der.oid(OID_CONTENT_TYPE), der.set_of(der.oid(OID_LDS_SECURITY_OBJECT))),
        der.sequence(der.oid(OID_MESSAGE_DIGEST),
                     der.set_of(der.octets(hashlib.sha256(content).digest()))),
    ]))
    signature = ds_key.sign(der.tlv(der.SET, attributes), ec.ECDSA(hashes.SHA256()))
    certificate = ds_certificate.public_bytes(serialization.Encoding.DER)
    issuer = ds_certificate.issuer.public_bytes()
    signer = der.sequence(
        der.integer(1),
        der.sequence(issuer, der.integer(ds_certificate.serial_number)),
        _algorithm(OID_SHA256, True),
        der.tlv(der.context(0), attributes),
        _algorithm(OID_ECDSA_SHA256, False),
        der.octets(signature),
    )
    signed_data = der.sequence(
        der.integer(3),
        der.set_of(_algorithm(OID_SHA256, True)),
        der.sequence(der.oid(OID_LDS_SECURITY_OBJECT), der.explicit(0, der.octets(content))),
        der.tlv(der.context(0), certificate),
        der.set_of(signer),
    )
    return der.sequence(der.oid(OID_SIGNED_DATA), der.explicit(0, signed_data))


# --- reading and verifying --------------------------------------------------------------

@functools.cache
def sandbox_anchor() -> Any:
    """The pinned sandbox CSCA certificate (public; committed)."""
    from cryptography import x509

    return x509.load_pem_x509_certificate(SANDBOX_CSCA.read_bytes())


def _algorithm_oid(node: der.Node) -> str:
    parts = node.expect(der.SEQUENCE).children()
    if not 1 <= len(parts) <= 2 or (len(parts) == 2 and parts[1].raw != der.null()):
        raise der.DERError("algorithm parameters")
    return der.read_oid(parts[0])


@dataclass(frozen=True)
class _Parsed:
    content: bytes
    certificates: list[bytes]
    signer_id: der.Node
    signed_attributes: der.Node
    signature: bytes


def _parse_signed_data(sod: bytes) -> _Parsed:
    root = der.parse(sod)
    if root.tag == EF_SOD_TAG:
        root = der.parse(root.content)
    info = root.expect(der.SEQUENCE).children()
    if len(info) != 2 or der.read_oid(info[0]) != OID_SIGNED_DATA:
        raise ChipNotAuthentic(reason="not_signed_data")
    (signed_data,) = info[1].expect(der.context(0)).children()
    parts = signed_data.expect(der.SEQUENCE).children()
    if len(parts) < 4 or der.read_int(parts[0]) not in (1, 3):
        raise der.DERError("SignedData")
    digest_algorithms = parts[1].expect(der.SET).children()
    if any(_algorithm_oid(a) != OID_SHA256 for a in digest_algorithms):
        raise _fail("digest_algorithm")
    encapsulated = parts[2].expect(der.SEQUENCE).children()
    if len(encapsulated) != 2 or der.read_oid(encapsulated[0]) != OID_LDS_SECURITY_OBJECT:
        raise _fail("content_type")
    (content,) = encapsulated[1].expect(der.context(0)).children()
    rest = parts[3:]
    certificates: list[bytes] = []
    if rest and rest[0].tag == der.context(0):
        certificates = [c.expect(der.SEQUENCE).raw for c in rest.pop(0).children()]
    if rest and rest[0].tag == der.context(1):  # CRLs: not used by passive authentication
        rest.pop(0)
    if len(rest) != 1:
        raise der.DERError("SignedData fields")
    signers = rest[0].expect(der.SET).children()
    if not signers:
        raise _fail("unsigned")
    if len(signers) != 1:
        raise _fail("signer_count")
    signer = signers[0].expect(der.SEQUENCE).children()
    if len(signer) not in (6, 7) or der.read_int(signer[0]) not in (1, 3):
        raise der.DERError("SignerInfo")
    if _algorithm_oid(signer[2]) != OID_SHA256:
        raise _fail("digest_algorithm")
    if signer[3].tag != der.context(0):
        raise _fail("no_signed_attributes")
    if _algorithm_oid(signer[4]) != OID_ECDSA_SHA256:
        raise _fail("signature_algorithm")
    return _Parsed(der.read_octets(content), certificates, signer[1], signer[3],
                   der.read_octets(signer[5]))


def _attribute_values(signed_attributes: der.Node) -> dict[str, bytes]:
    values: dict[str, bytes] = {}
    for attribute in signed_attributes.children():
        kind, value_set = attribute.expect(der.SEQUENCE).children()
        name = der.read_oid(kind)
        entries = value_set.expect(der.SET).children()
        if name in values or len(entries) != 1:
            raise _fail("signed_attributes")
        values[name] = entries[0].raw
    return values


def _signer_certificate(parsed: _Parsed) -> Any:
    from cryptography import x509

    if not parsed.certificates:
        raise _fail("no_document_signer")
    loaded = [x509.load_der_x509_certificate(c) for c in parsed.certificates]
    sid = parsed.signer_id
    for cert in loaded:
        if sid.tag == der.SEQUENCE:
            issuer, serial = sid.children()
            if issuer.raw == cert.issuer.public_bytes() and der.read_int(serial) == \
                    cert.serial_number:
                return cert
        elif sid.tag == der.context(0, constructed=False):
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except x509.ExtensionNotFound:
                continue
            if hmac.compare_digest(ski.value.digest, sid.content):
                return cert
    raise _fail("no_document_signer")


def _valid_at(cert: Any, at: datetime) -> bool:
    return bool(cert.not_valid_before_utc <= at <= cert.not_valid_after_utc)


def check_document_signer(ds: Any, anchor: Any, at: datetime) -> None:
    """The DS certificate chains to the pinned CSCA and may sign documents at ``at``."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        ds.verify_directly_issued_by(anchor)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise _fail("untrusted_document_signer") from exc
    if not _valid_at(anchor, at):
        raise _fail("csca_expired")
    if not _valid_at(ds, at):
        raise _fail("document_signer_expired")
    try:
        usage = ds.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise _fail("document_signer_key_usage") from exc
    if not usage.digital_signature or usage.key_cert_sign:
        raise _fail("document_signer_key_usage")
    try:
        if ds.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise _fail("document_signer_key_usage")
    except x509.ExtensionNotFound:
        pass
    key = ds.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise _fail("document_signer_key")


def _check_signature(parsed: _Parsed, ds: Any) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    attributes = _attribute_values(parsed.signed_attributes)
    if attributes.get(OID_CONTENT_TYPE) != der.oid(OID_LDS_SECURITY_OBJECT):
        raise _fail("signed_attributes")
    digest = attributes.get(OID_MESSAGE_DIGEST)
    expected = der.octets(hashlib.sha256(parsed.content).digest())
    if digest is None or not hmac.compare_digest(digest, expected):
        raise _fail("security_object_digest")
    # The signature covers the attributes re-tagged as the SET OF they are (RFC 5652 §5.4).
    signed = bytes([der.SET]) + parsed.signed_attributes.raw[1:]
    try:
        ds.public_key().verify(parsed.signature, signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise _fail("signature") from exc


def _group_hashes(content: bytes) -> dict[int, bytes]:
    parts = der.parse(content).expect(der.SEQUENCE).children()
    if len(parts) not in (3, 4) or der.read_int(parts[0]) not in (0, 1):
        raise der.DERError("LDSSecurityObject")
    if _algorithm_oid(parts[1]) != OID_SHA256:
        raise _fail("digest_algorithm")
    hashes: dict[int, bytes] = {}
    for entry in parts[2].expect(der.SEQUENCE).children():
        number_node, value_node = entry.expect(der.SEQUENCE).children()
        number, value = der.read_int(number_node), der.read_octets(value_node)
        if not 1 <= number <= 16 or number in hashes or len(value) != 32:
            raise der.DERError("DataGroupHash")
        hashes[number] = value
    return hashes


def _check_groups(hashes: dict[int, bytes], data_groups: Mapping[int, bytes]) -> None:
    if not REQUIRED_GROUPS <= set(hashes) or not REQUIRED_GROUPS <= set(data_groups):
        raise _fail("data_group_missing")
    for number, data in data_groups.items():
        if number not in hashes:
            raise _fail("data_group_unsigned")
        if not isinstance(data, bytes) or len(data) > MAX_DG_BYTES.get(number, 64 * 1024):
            raise _fail("data_group_size")
        if not hmac.compare_digest(hashlib.sha256(data).digest(), hashes[number]):
            raise _fail(f"dg{number}_hash")


def verify_chip(sod: bytes, data_groups: Mapping[int, bytes], *, anchor: Any = None,
                at: datetime | None = None) -> ChipData:
    """Passive authentication of chip data against the pinned CSCA (sandbox by default).

    Raises ``ChipNotAuthentic``; ``InvalidHKID`` if the signed DG1 holds a malformed number.
    """
    anchor = anchor if anchor is not None else sandbox_anchor()
    at = at or datetime.now(UTC)
    if not isinstance(sod, bytes) or not sod or len(sod) > MAX_SOD_BYTES:
        raise _fail("sod_size")
    try:
        parsed = _parse_signed_data(sod)
        ds = _signer_certificate(parsed)
        check_document_signer(ds, anchor, at)
        _check_signature(parsed, ds)
        hashes = _group_hashes(parsed.content)
    except (der.DERError, ValueError) as exc:  # also certificates cryptography cannot load
        raise _fail("malformed") from exc
    _check_groups(hashes, data_groups)
    try:
        particulars = decode_dg1(data_groups[1])
    except errors.InvalidInput:
        raise
    except ValueError as exc:  # signed, yet not DG1 as we define it
        raise _fail("dg1_malformed") from exc
    return ChipData(
        particulars=particulars,
        photo=data_groups[2],
        document_signer=ds.subject.rfc4514_string(),
        checks=("document_signer_trusted", "security_object_signed", "data_group_hashes"),
    )
