"""Sandbox material that lives only on developers' machines, never in a Lambda asset.

``ds-key.pem``: the sandbox document signer's private key. The local platform points
``SANDBOX_CARD_KEY_FILE`` at it so the sandbox card issuer (``iamsmart.registration.card``)
can sign sandbox ID card chips; in AWS the setting is empty and there are no sandbox cards.
``generate_pki.py`` remakes the sandbox PKI (see
``layers/core/python/iamsmart/registration/sandbox/README.md``).
"""

from __future__ import annotations

from pathlib import Path

DIR = Path(__file__).resolve().parent
DOCUMENT_SIGNER_KEY = DIR / "ds-key.pem"
