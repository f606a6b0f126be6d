"""Make the sandbox document-signing PKI (run by hand; its outputs are committed).

    python -m infra.sandbox.generate_pki

Writes:
- ``layers/core/python/iamsmart/registration/sandbox/csca.pem``: the sandbox country signing
  CA's certificate (public; what the local platform's trust anchors hold);
- ``.../sandbox/ds.pem``: the sandbox document signer's certificate (public);
- ``infra/sandbox/ds-key.pem``: its private key, outside every Lambda asset, used only by the
  sandbox card issuer on developers' machines (``SANDBOX_CARD_KEY_FILE``).
The CSCA private key lives only in this process's memory and is discarded: a new document
signer means running this again, which replaces all three files (and every sandbox card
read afterwards is signed by the new signer). Regenerating is never needed for tests: they
make throw-away authorities with ``card.new_pki``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from iamsmart.registration import card, sandbox
from infra.sandbox import DOCUMENT_SIGNER_KEY

CSCA_FROM = datetime(2026, 1, 1, tzinfo=UTC)
CSCA_UNTIL = datetime(2046, 1, 1, tzinfo=UTC)
DS_UNTIL = datetime(2036, 1, 1, tzinfo=UTC)


def main() -> int:
    from cryptography.hazmat.primitives import serialization

    pki = card.new_pki(CSCA_FROM, CSCA_UNTIL, CSCA_FROM, DS_UNTIL)
    pem = serialization.Encoding.PEM
    (sandbox.DIR / "csca.pem").write_bytes(pki.csca.certificate.public_bytes(pem))
    (sandbox.DIR / "ds.pem").write_bytes(pki.document_signer.certificate.public_bytes(pem))
    DOCUMENT_SIGNER_KEY.write_bytes(pki.document_signer.key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    print("wrote csca.pem, ds.pem in", sandbox.DIR, "and", DOCUMENT_SIGNER_KEY)
    return 0


if __name__ == "__main__":
    sys.exit(main())
