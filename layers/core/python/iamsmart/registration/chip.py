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
a fixed word for logs and tests): the DS certificate was issued by one of the trusted
country signing CAs (CSCA: issuer name and signature), both are within their validity period
at ``at``, the DS key usage is digital signature only (not a CA) and the key ECDSA P-256; the
signed attributes' message digest is the SHA-256 of the security object and their signature
verifies with the DS key; every data group read from the card is listed and its hash
matches, and DG1 and DG2 are present. Only then is DG1 parsed (HKID format and check digit first).

Trust: the CSCA certificates come from configuration (``iamsmart.registration.trust``: the
master list parameter): the Immigration Department's public CSCA certificates in production,
the sandbox CSCA (``sandbox/csca.pem``, refused in prod) on the local platform. The sandbox
CSCA's private key was discarded when the sandbox was generated, and the DS private key
lives outside every Lambda asset (``infra/sandbox``). Not verified here, as in basic passive
authentication: certificate revocation lists, and chip authenticity (active or chip
authentication), which need the card in a reader.

``build_sod`` writes the same structure (for the sandbox card issuer and tests).
``asn1crypto`` parses and builds the structures (``cryptography`` cannot take CMS apart);
``cryptography`` verifies the certificates and signatures. The parse is strict: the SOD and
the security object must be DER, re-encoding to the bytes received, and anything asn1crypto
cannot parse is ``ChipNotAuthentic`` with the reason ``malformed``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from asn1crypto import algos, cms, core, parser

from iamsmart import errors
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


# --- the ICAO security object (Doc 9303 part 10, LDSSecurityObject) ---------------------

class DataGroupHash(core.Sequence):
    _fields = [
        ("data_group_number", core.Integer),
        ("data_group_hash_value", core.OctetString),
    ]


class DataGroupHashValues(core.SequenceOf):
    _child_spec = DataGroupHash


class LDSVersionInfo(core.Sequence):
    _fields = [
        ("lds_version", core.PrintableString),
        ("unicode_version", core.PrintableString),
    ]


class LDSSecurityObject(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LDSVersionInfo, {"optional": True}),  # version 1 only
    ]


# --- writing (sandbox card issuer) ------------------------------------------------------

def _sha256() -> Any:
    return algos.DigestAlgorithm({"algorithm": "sha256", "parameters": core.Null()})


def lds_security_object(data_groups: Mapping[int, bytes]) -> bytes:
    return bytes(LDSSecurityObject({
        "version": 0,
        "hash_algorithm": _sha256(),
        "data_group_hash_values": [
            {"data_group_number": number, "data_group_hash_value": hashlib.sha256(data).digest()}
            for number, data in sorted(data_groups.items())
        ],
    }).dump())


def build_sod(data_groups: Mapping[int, bytes], ds_certificate: Any, ds_key: Any) -> bytes:
    """Sign the data groups' hashes as the document signer: CMS SignedData DER."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    content = lds_security_object(data_groups)
    attributes = cms.CMSAttributes([  # a SET OF: asn1crypto sorts it (DER)
        {"type": "content_type", "values": [OID_LDS_SECURITY_OBJECT]},
        {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
    ])
    # Signed as the SET it is, carried as [0] IMPLICIT (RFC 5652 §5.4).
    signature = ds_key.sign(attributes.dump(), ec.ECDSA(hashes.SHA256()))
    certificate = asn1_x509.Certificate.load(
        ds_certificate.public_bytes(serialization.Encoding.DER))
    signer = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": certificate.issuer, "serial_number": certificate.serial_number}}),
        "digest_algorithm": _sha256(),
        "signed_attrs": attributes,
        "signature_algorithm": {"algorithm": "sha256_ecdsa"},
        "signature": signature,
    })
    signed_data = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [_sha256()],
        "encap_content_info": {"content_type": OID_LDS_SECURITY_OBJECT, "content": content},
        "certificates": [certificate],
        "signer_infos": [signer],
    })
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


# --- reading and verifying --------------------------------------------------------------

# What asn1crypto may raise on bytes it cannot parse (it parses lazily: see ``_load``).
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError,
                 UnicodeDecodeError, RecursionError)


def _load(spec: Any, data: bytes) -> Any:
    """``data`` as exactly one ``spec`` value in DER, parsed through now.

    asn1crypto accepts BER and parses nested values only when they are used: reading
    ``.native`` parses everything, and re-encoding as DER must give back the very same bytes
    (definite minimal lengths, sorted SET OF, no encoded DEFAULT values).
    """
    try:
        value = spec.load(data, strict=True)
        value.native  # noqa: B018 (parses every nested value)
        if value.dump(force=True) != data:
            raise ValueError("not DER")
    except _PARSE_ERRORS as exc:
        raise _fail("malformed") from exc
    return value


def _int(value: Any) -> int:
    """An INTEGER's value, refused unless minimally encoded (asn1crypto reads any form)."""
    number = int.from_bytes(value.contents, "big", signed=True)
    if core.Integer(number).contents != value.contents:
        raise _fail("malformed")
    return number


def _oid(value: Any) -> str:
    """An OBJECT IDENTIFIER, dotted, refused unless minimally encoded."""
    dotted = str(value.dotted)
    if core.ObjectIdentifier(dotted).contents != value.contents:
        raise _fail("malformed")
    return dotted


def _algorithm_oid(algorithm: Any) -> str:
    """The algorithm of an AlgorithmIdentifier whose parameters are absent or NULL."""
    parameters = algorithm["parameters"]
    if not isinstance(parameters, core.Void) and parameters.dump() != core.Null().dump():
        raise _fail("malformed")
    return _oid(algorithm["algorithm"])


@dataclass(frozen=True)
class _Parsed:
    content: bytes
    certificates: list[bytes]
    signer: Any  # asn1crypto.cms.SignerInfo


def _unwrap(sod: bytes) -> bytes:
    """The SignedData of EF.SOD, whose application tag 23 (``0x77``) is optional here."""
    if sod[0] != EF_SOD_TAG:
        return sod
    try:
        class_, method, tag, _, inner, _ = parser.parse(sod, strict=True)
    except _PARSE_ERRORS as exc:
        raise _fail("malformed") from exc
    if parser.emit(class_, method, tag, inner) != sod:  # DER header, no indefinite length
        raise _fail("malformed")
    return bytes(inner)


def _parse_signed_data(sod: bytes) -> _Parsed:
    info = _load(cms.ContentInfo, _unwrap(sod))
    if _oid(info["content_type"]) != OID_SIGNED_DATA:
        raise _fail("not_signed_data")
    signed_data = info["content"]
    if not isinstance(signed_data, cms.SignedData) or _int(signed_data["version"]) not in (1, 3):
        raise _fail("malformed")
    if any(_algorithm_oid(a) != OID_SHA256 for a in signed_data["digest_algorithms"]):
        raise _fail("digest_algorithm")
    encapsulated = signed_data["encap_content_info"]
    if _oid(encapsulated["content_type"]) != OID_LDS_SECURITY_OBJECT:
        raise _fail("content_type")
    if isinstance(encapsulated["content"], core.Void):
        raise _fail("malformed")
    certificates: list[bytes] = []
    for choice in _present(signed_data["certificates"]):
        if choice.name != "certificate":
            raise _fail("malformed")
        certificates.append(bytes(choice.chosen.dump()))
    # CRLs, if any, are not used by passive authentication.
    signers = signed_data["signer_infos"]
    if not signers:
        raise _fail("unsigned")
    if len(signers) != 1:
        raise _fail("signer_count")
    signer = signers[0]
    if _int(signer["version"]) not in (1, 3):
        raise _fail("malformed")
    if _algorithm_oid(signer["digest_algorithm"]) != OID_SHA256:
        raise _fail("digest_algorithm")
    if isinstance(signer["signed_attrs"], core.Void):
        raise _fail("no_signed_attributes")
    if _algorithm_oid(signer["signature_algorithm"]) != OID_ECDSA_SHA256:
        raise _fail("signature_algorithm")
    return _Parsed(bytes(encapsulated["content"].native), certificates, signer)


def _present(value: Any) -> Any:
    return () if isinstance(value, core.Void) else value


def _signer_certificate(parsed: _Parsed) -> Any:
    from cryptography import x509

    if not parsed.certificates:
        raise _fail("no_document_signer")
    loaded = [x509.load_der_x509_certificate(c) for c in parsed.certificates]
    sid = parsed.signer["sid"]
    for cert in loaded:
        if sid.name == "issuer_and_serial_number":
            issuer, serial = sid.chosen["issuer"], sid.chosen["serial_number"]
            if issuer.dump() == cert.issuer.public_bytes() and _int(serial) == \
                    cert.serial_number:
                return cert
        elif sid.name == "subject_key_identifier":
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except x509.ExtensionNotFound:
                continue
            if hmac.compare_digest(ski.value.digest, bytes(sid.chosen.native)):
                return cert
    raise _fail("no_document_signer")


def _valid_at(cert: Any, at: datetime) -> bool:
    return bool(cert.not_valid_before_utc <= at <= cert.not_valid_after_utc)


def chain(ds: Any, anchors: Sequence[Any], at: datetime) -> Any:
    """The trusted CSCA that issued ``ds`` (a CSCA renewed under the same name may appear
    more than once: the one whose signature verifies wins); else the first failure."""
    candidates = [a for a in anchors if a.subject == ds.issuer]
    if not candidates:
        raise _fail("untrusted_document_signer")
    failure: ChipNotAuthentic | None = None
    for anchor in candidates:
        try:
            check_document_signer(ds, anchor, at)
            return anchor
        except ChipNotAuthentic as exc:
            failure = failure or exc
    assert failure is not None  # noqa: S101 - candidates is not empty
    raise failure


def check_document_signer(ds: Any, anchor: Any, at: datetime) -> None:
    """The DS certificate was issued by ``anchor`` and may sign documents at ``at``."""
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

    attributes = parsed.signer["signed_attrs"]
    values: dict[str, Any] = {}
    for attribute in attributes:
        name, entries = _oid(attribute["type"]), attribute["values"]
        if name in values or len(entries) != 1:
            raise _fail("signed_attributes")
        values[name] = entries[0]
    content_type = values.get(OID_CONTENT_TYPE)
    if not isinstance(content_type, core.ObjectIdentifier) or \
            _oid(content_type) != OID_LDS_SECURITY_OBJECT:
        raise _fail("signed_attributes")
    digest = values.get(OID_MESSAGE_DIGEST)
    expected = hashlib.sha256(parsed.content).digest()
    if not isinstance(digest, core.OctetString) or \
            not hmac.compare_digest(bytes(digest.native), expected):
        raise _fail("security_object_digest")
    # The signature covers the attributes re-tagged as the SET OF they are (RFC 5652 §5.4);
    # ``_load`` made sure these are the bytes as received.
    signed = attributes.untag().dump()
    signature = bytes(parsed.signer["signature"].native)
    try:
        ds.public_key().verify(signature, signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise _fail("signature") from exc


def _group_hashes(content: bytes) -> dict[int, bytes]:
    lds = _load(LDSSecurityObject, content)
    if _int(lds["version"]) not in (0, 1):
        raise _fail("malformed")
    if _algorithm_oid(lds["hash_algorithm"]) != OID_SHA256:
        raise _fail("digest_algorithm")
    hashes: dict[int, bytes] = {}
    for entry in lds["data_group_hash_values"]:
        number = _int(entry["data_group_number"])
        value = bytes(entry["data_group_hash_value"].native)
        if not 1 <= number <= 16 or number in hashes or len(value) != 32:
            raise _fail("malformed")
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
    """Passive authentication of chip data against the trusted CSCAs (``trust.anchors()``,
    or only ``anchor`` when given: tests).

    Raises ``ChipNotAuthentic``; ``InvalidHKID`` if the signed DG1 holds a malformed number;
    ``errors.Unavailable`` (503) when no CSCA is configured.
    """
    from iamsmart.registration import trust

    anchors = (anchor,) if anchor is not None else trust.anchors()
    at = at or datetime.now(UTC)
    if not isinstance(sod, bytes) or not sod or len(sod) > MAX_SOD_BYTES:
        raise _fail("sod_size")
    try:
        parsed = _parse_signed_data(sod)
        ds = _signer_certificate(parsed)
        chain(ds, anchors, at)
        _check_signature(parsed, ds)
        hashes = _group_hashes(parsed.content)
    except ValueError as exc:  # certificates cryptography cannot load
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
