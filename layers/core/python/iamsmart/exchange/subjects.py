"""The citizen's pairwise subject at a data provider: each provider (sector
``exchange:<PROVIDER>``) gets its own identifier, so providers cannot link their records
through the gateway, and none sees the platform's account id."""

from __future__ import annotations


def sector(provider_id: str) -> str:
    return f"exchange:{provider_id}"


def provider_sub(provider_id: str, account_id: str) -> str:
    """One KMS GenerateMac (the token-hmac key), as for relying parties' pairwise subs."""
    from iamsmart.oidc.consents import pairwise_sub

    return pairwise_sub(sector(provider_id), account_id)
