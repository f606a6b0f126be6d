"""Warm caches of the login contexts, reset between tests (``conftest.login_aws``)."""

from __future__ import annotations


def reset_login_caches() -> None:
    """Every warm cache of the login contexts (settings, clients, keys, nonces)."""
    from iamsmart import aws, parameters
    from iamsmart.oidc import client_auth, clients, dpop, signing
    from iamsmart.settings import settings

    settings.cache_clear()
    aws.reset()
    parameters.reset()
    signing.reset()
    clients.reset_cache()
    client_auth.reset()
    dpop.reset()
