"""identity: who a citizen is, without keeping their identifiers in clear.

- ``hkid``: parse, normalise and validate HKID numbers; ``keyed_hash`` (KMS HMAC) for lookups
- ``assurance``: the ``acr`` levels and ``amr`` values
- ``accounts``: the ``Account`` model, guard items (HKID hash, e-mail, phone, enrolment
  codes), the account a registration proved (transaction actions), OIDC claims,
  ``login_hint`` lookup, the sandbox citizens
- ``authenticators``: stored passkeys and device keys (public keys only)
- ``passkeys``: WebAuthn registration and assertions (py_webauthn)
- ``devices``: device-key enrolment and signed device requests (``Authorization: Device``)
- ``login``: login transactions (number matching, QR, passkey), ``start`` / ``result``
- ``sessions``: SSO sessions (``iamsmart_sid`` cookie), logout, logout from all devices
- ``limits``: failure limits per account and per source (the gateway's source address)
- ``dal``: the context's data access (the only module naming its tables, keys and items)
- ``store``: the shared DynamoDB helpers re-exported (being replaced by ``dal``)
"""
