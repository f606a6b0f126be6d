"""oidc: the OpenID Provider.

- ``signing``: ES256 JWS with KMS asymmetric keys (the private key never leaves KMS), the
  published JWKS (rotation with overlap), and ``verify`` with pinned keys
"""
