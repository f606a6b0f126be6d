"""The sandbox card issuer: a country signing CA, document signers, and smart HKID card chips.

Sandbox only. The local platform's card simulator and the tests "read a card" with
``sandbox_card(hkid)``: the chip data (``sod``, data groups) of a sandbox person, signed by the
sandbox document signer: its certificate is ``sandbox/ds.pem``, its private key the file that
``settings.sandbox_card_key_file`` names (``infra/sandbox/ds-key.pem`` on developers' machines,
outside every Lambda asset; empty in AWS, where ``sandbox_card`` raises ``NoSandboxSigner``).
``infra/sandbox/generate_pki.py`` made them with ``new_pki``; the CSCA's private key was
discarded then, so only its public certificate (``sandbox/csca.pem``) remains, which the local
platform installs as its chip trust anchor. Production holds no key at all: it only verifies
chips with the Immigration Department's public CSCA certificates.

``new_pki`` and ``issue_card`` also make throw-away authorities and cards for tests (an
untrusted CA, an expired signer, re-signed chips).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from iamsmart.identity import hkid as hkid_mod
from iamsmart.registration import sandbox
from iamsmart.registration.chip import build_sod
from iamsmart.registration.particulars import Particulars, encode_dg1, from_mapping
from iamsmart.registration.trust import SANDBOX_ORGANISATION

DataGroups = dict[int, bytes]


@dataclass(frozen=True)
class Authority:
    """A certificate with its private key (sandbox and test authorities only)."""

    certificate: Any
    key: Any

    def __repr__(self) -> str:
        return f"Authority({self.certificate.subject.rfc4514_string()})"


@dataclass(frozen=True)
class PKI:
    csca: Authority
    document_signer: Authority


def _name(common_name: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "HK"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, SANDBOX_ORGANISATION),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _usage(*, signature: bool, cert_sign: bool) -> Any:
    from cryptography import x509

    return x509.KeyUsage(digital_signature=signature, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=cert_sign, crl_sign=cert_sign, encipher_only=False,
                         decipher_only=False)


def make_csca(not_before: datetime, not_after: datetime,
              common_name: str = "Sandbox HKID Country Signing CA") -> Authority:
    """A self-signed country signing CA (ECDSA P-256)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signature=False, cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(cert, key)


def make_document_signer(csca: Authority, not_before: datetime, not_after: datetime,
                         common_name: str = "Sandbox HKID Document Signer 1",
                         usage_signature: bool = True) -> Authority:
    """A document signer certificate issued by ``csca`` (key usage: digital signature)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    ski = csca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name)).issuer_name(csca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(_usage(signature=usage_signature, cert_sign=not usage_signature),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                       critical=False)
        .sign(csca.key, hashes.SHA256())
    )
    return Authority(cert, key)


def new_pki(csca_from: datetime, csca_until: datetime, ds_from: datetime | None = None,
            ds_until: datetime | None = None) -> PKI:
    csca = make_csca(csca_from, csca_until)
    return PKI(csca, make_document_signer(csca, ds_from or csca_from, ds_until or csca_until))


def issue_card(particulars: Particulars, photo: bytes,
               signer: Authority) -> tuple[bytes, DataGroups]:
    """The chip data of a card: DG1 (particulars), DG2 (photo) and the signed SOD."""
    groups: DataGroups = {1: encode_dg1(particulars), 2: photo}
    return build_sod(groups, signer.certificate, signer.key), groups


class NoSandboxSigner(LookupError):
    """No sandbox document signer key is configured here (every AWS stage)."""


def sandbox_signer() -> Authority:
    """The sandbox document signer (its private key exists only on developers' machines)."""
    from iamsmart.settings import settings

    return _signer(settings().sandbox_card_key_file)


@functools.cache
def _signer(key_file: str) -> Authority:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if not key_file:
        raise NoSandboxSigner("no sandbox document signer key configured")
    try:
        key_pem = Path(key_file).read_bytes()
    except OSError as exc:
        raise NoSandboxSigner("the sandbox document signer key cannot be read") from exc
    cert = x509.load_pem_x509_certificate((sandbox.DIR / "ds.pem").read_bytes())
    return Authority(cert, serialization.load_pem_private_key(key_pem, None))


def _card(number: hkid_mod.HKID) -> tuple[Particulars, str] | None:
    """What the sandbox person's card says (as of its issue: may differ from the record)."""
    person = sandbox.person(number)
    if person is None:
        return None
    card = person["card"]
    values = {**person["particulars"], **card.get("changes", {}), "hkid": number.canonical}
    return from_mapping(values, issue_required=True), card["photo"]


def sandbox_card(number: str | hkid_mod.HKID) -> tuple[bytes, DataGroups]:
    """Read the card of a sandbox person: ``(sod, {1: dg1, 2: photo})``.

    Raises ``InvalidHKID`` for a malformed number, ``LookupError`` when no sandbox person
    has it, and ``NoSandboxSigner`` (a ``LookupError``) where no sandbox signer is configured.
    """
    parsed = number if isinstance(number, hkid_mod.HKID) else hkid_mod.parse(number)
    card = _card(parsed)
    if card is None:
        raise LookupError("no sandbox person with this number")
    particulars, photo = card
    return issue_card(particulars, sandbox.photo(photo), sandbox_signer())
