"""The OpenID Provider's metadata (OpenID Connect Discovery 1.0, RFC 8414, RFC 9126, RFC 9207,
RFC 9449): what a certified client library needs to talk to us unchanged."""

from __future__ import annotations

from typing import Any

from iamsmart import origin
from iamsmart.identity import assurance
from iamsmart.oidc import claims

PATHS = {
    "authorization_endpoint": "/v1/oidc/authorize",
    "pushed_authorization_request_endpoint": "/v1/oidc/par",
    "token_endpoint": "/v1/oidc/token",
    "userinfo_endpoint": "/v1/oidc/userinfo",
    "jwks_uri": "/v1/oidc/jwks",
    "revocation_endpoint": "/v1/oidc/revoke",
    "introspection_endpoint": "/v1/oidc/introspect",
    "end_session_endpoint": "/v1/oidc/logout",
}
DPOP_ALGS = ["ES256", "PS256", "EdDSA"]
CLIENT_AUTH_METHODS = ["private_key_jwt", "client_secret_basic"]
CLIENT_AUTH_ALGS = ["ES256", "PS256", "EdDSA"]
PROMPTS = ["none", "login", "consent", "select_account"]


def issuer() -> str:
    """The OpenID issuer: the platform's public origin (``iamsmart.origin``; 503 until set)."""
    return origin.public_url()


def url(endpoint: str) -> str:
    """The absolute URL of one of our endpoints (``PATHS`` key): DPoP ``htu`` checks use it."""
    return issuer() + PATHS[endpoint]


def document() -> dict[str, Any]:
    iss = issuer()
    doc: dict[str, Any] = {"issuer": iss}
    doc.update({name: iss + path for name, path in PATHS.items()})
    doc.update({
        "require_pushed_authorization_requests": True,
        "request_uri_parameter_supported": False,
        "request_parameter_supported": False,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": CLIENT_AUTH_ALGS,
        "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": CLIENT_AUTH_ALGS,
        "introspection_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "introspection_endpoint_auth_signing_alg_values_supported": CLIENT_AUTH_ALGS,
        "dpop_signing_alg_values_supported": DPOP_ALGS,
        "id_token_signing_alg_values_supported": ["ES256"],
        "authorization_response_iss_parameter_supported": True,
        "subject_types_supported": ["pairwise"],
        "acr_values_supported": list(assurance.ORDER),
        "scopes_supported": list(claims.SCOPES_SUPPORTED),
        "claims_supported": list(claims.CLAIMS_SUPPORTED),
        "claims_parameter_supported": True,
        "claim_types_supported": ["normal"],
        "prompt_values_supported": PROMPTS,
        "ui_locales_supported": ["en", "zh-Hant-HK"],
        "claims_locales_supported": ["en", "zh-Hant"],
        "frontchannel_logout_supported": False,
        "backchannel_logout_supported": False,
    })
    # An empty list says nothing a client can use (and some read [] as "any"): leave it out.
    return {name: value for name, value in doc.items() if value != []}
