"""identity: who a citizen is, without keeping their identifiers in clear.

- ``hkid``: parse, normalise and validate HKID numbers; ``keyed_hash`` (KMS HMAC) for lookups
"""
