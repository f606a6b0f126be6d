"""Trust anchors for smart HKID chip data: the CSCA master list, from configuration.

The SSM parameter named by ``CSCA_MASTER_LIST_PARAMETER`` (``infra.names.PARAMETERS``) holds
the country signing CA certificates chips may chain to, as a PEM bundle: in production the
Immigration Department's CSCA certificates (current, and older ones whose document signers
still sign valid cards), as published in the ICAO master list; the seeding CLI writes it
(``python -m tools.seed --csca FILE``). The local platform writes the sandbox CSCA
(``sandbox/csca.pem``) to the same parameter in the emulator, so the same code runs.

``anchors()`` answers the usable certificates (cached like every parameter). Each must be a
CA certificate allowed to sign certificates. When ``settings.stage`` is ``prod``, sandbox
authorities (the committed sandbox CSCA, and every authority the sandbox card issuer makes)
are refused: dropped, with an error in the log. With no usable anchor, chip verification
cannot run: ``errors.Unavailable`` (reason ``no_trust_anchors``: 503, and the workflow's
``Unavailable`` retry), never a verdict on the card.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from iamsmart import errors, parameters
from iamsmart.settings import settings

SANDBOX_CSCA = Path(__file__).resolve().parent / "sandbox" / "csca.pem"
# The organisation of every sandbox authority (iamsmart.registration.card names them so).
SANDBOX_ORGANISATION = "iAM Smart sandbox (synthetic, not a government authority)"
PROD_STAGES = ("prod",)


NO_ANCHORS_EN = "Identity card chips cannot be checked at the moment. Please try again later."
NO_ANCHORS_TC = "暫時未能核實身份證晶片，請稍後再試。"


@functools.cache
def sandbox_csca() -> Any:
    """The sandbox CSCA certificate (public; committed)."""
    from cryptography import x509

    return x509.load_pem_x509_certificate(SANDBOX_CSCA.read_bytes())


def _fingerprint(cert: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return hashlib.sha256(cert.public_bytes(Encoding.DER)).digest()


def is_sandbox(cert: Any) -> bool:
    """The sandbox CSCA itself, or any authority named as the sandbox's."""
    from cryptography.x509.oid import NameOID

    if _fingerprint(cert) == _fingerprint(sandbox_csca()):
        return True
    names = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return any(str(n.value).startswith("iAM Smart sandbox") for n in names)


def parse_bundle(pem: bytes | str) -> list[Any]:
    """The certificates of a PEM bundle; ``ValueError`` unless every one is a signing CA."""
    from cryptography import x509

    data = pem.encode() if isinstance(pem, str) else pem
    certs = x509.load_pem_x509_certificates(data)  # ValueError when there is none
    for cert in certs:
        try:
            ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
            usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound as exc:
            raise ValueError(f"{cert.subject.rfc4514_string()}: not a CA certificate") from exc
        if not ca or not usage.key_cert_sign:
            raise ValueError(f"{cert.subject.rfc4514_string()}: not a CA certificate")
    return certs


def refused(certs: list[Any], stage: str) -> list[Any]:
    """The certificates a stage may not trust (sandbox authorities in prod)."""
    return [c for c in certs if is_sandbox(c)] if stage in PROD_STAGES else []


@functools.lru_cache(maxsize=4)
def _usable(bundle: str, stage: str) -> tuple[Any, ...]:
    from iamsmart.observability import logger

    try:
        certs = parse_bundle(bundle)
    except ValueError as exc:
        logger().error("CSCA master list is not a PEM bundle of CA certificates",
                       extra={"reason": str(exc)[:200]})
        return ()
    bad = refused(certs, stage)
    if bad:
        logger().error("sandbox CSCA refused in a production stage",
                       extra={"refused": [c.subject.rfc4514_string() for c in bad]})
    return tuple(c for c in certs if c not in bad)


def anchors() -> tuple[Any, ...]:
    """The CSCA certificates chips may chain to (see module docs)."""
    cfg = settings()
    bundle = parameters.get(cfg.csca_master_list_parameter) \
        if cfg.csca_master_list_parameter else None
    usable = _usable(bundle, cfg.stage) if bundle else ()
    if not usable:
        raise errors.Unavailable(en=NO_ANCHORS_EN, tc=NO_ANCHORS_TC, reason="no_trust_anchors")
    return usable
