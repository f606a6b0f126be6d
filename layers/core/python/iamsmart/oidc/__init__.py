"""oidc: the OpenID Provider (OpenID Connect under FAPI 2.0 Security Profile rules).

- ``clients``: the client registry (relying parties), warm-cached
- ``client_auth``: ``private_key_jwt`` (and ``client_secret_basic`` for basic-profile clients)
- ``dpop``: DPoP proofs (RFC 9449) and server nonces (single-use ``jti``: ``common.replay``)
- ``grants``: one item per authorization, from the pushed request to its tokens
- the front channel, one module per endpoint: ``par`` (pushed requests), ``authorize``
  (authorize and the return from the login page), ``consent_page``, ``logout``; ``codes``
  ends every login with a code; ``front`` holds what they share
- ``detail_types``: authorization-details types the contexts above register (data exchange);
  ``authorization_details``: the provider's own (face step-up transactions)
- ``jose``: JWS of client-held keys (algorithm allowlist, key checks, signature check)
- ``tokens``: token endpoint (code + PKCE, refresh rotation), userinfo, introspection, revocation
- ``consents``: remembered consent and the pairwise subject; ``claims``: scopes to claims
- ``discovery``: the metadata document; ``pages``: the provider's own HTML pages
- ``signing``: ES256 JWS with KMS asymmetric keys (the private key never leaves KMS), the
  published JWKS (rotation with overlap), and ``verify`` with pinned keys
- ``errors``: OAuth 2.0 / OIDC protocol errors
"""
