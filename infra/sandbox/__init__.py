"""The sandbox: the third parties the local platform starts beside the emulator, and sandbox
material. It lives only on developers' machines, never in a Lambda asset or the CDK app.

- ``department``: the sandbox Transport Department service, an OIDC relying party with
  one-click login from the catalogue and an application form filled by e-ME form filling.
- ``bank``: the sandbox bank, a relying party that opens accounts after a face step-up.
- ``relying_party``: what both do as relying parties, written once (PAR, ``private_key_jwt``,
  PKCE, DPoP, ID token validation, callback, sessions, logout, client registration).
- ``site``: what every sandbox site on loopback shares (server, cookie, headers, bilingual
  page frame, routing).
- ``providers`` and ``sandbox_data.json``: four departments' record systems behind the
  provider contract, with synthetic records of the four sandbox citizens.
- ``ds-key.pem``: the sandbox document signer's private key. The local platform points
  ``SANDBOX_CARD_KEY_FILE`` at it so the sandbox card issuer (``iamsmart.registration.card``)
  can sign sandbox ID card chips; in AWS the setting is empty and there are no sandbox cards.
  ``generate_pki.py`` remakes the sandbox PKI (see
  ``layers/core/python/iamsmart/registration/sandbox/README.md``).

The emulator (``infra.local``) starts these services; nothing here reaches AWS except through
the platform's own modules (``iamsmart``) on the emulator, as the sandbox registers itself.
"""

from __future__ import annotations

from pathlib import Path

DIR = Path(__file__).resolve().parent
DOCUMENT_SIGNER_KEY = DIR / "ds-key.pem"
