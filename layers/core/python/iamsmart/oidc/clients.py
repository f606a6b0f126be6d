"""The client registry: relying parties (OIDC clients) departments register.

``Client`` is the one shape of a registration, shared by the registry, the admin CLI, client
authentication and the authorization flow.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Client(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = Field(pattern=r"^[A-Za-z0-9._-]{3,64}$")
    name_en: str = Field(min_length=1, max_length=120)
    name_tc: str = Field(min_length=1, max_length=120)
    department: str = Field(pattern=r"^[A-Z]{2,8}$")  # owning department (catalogue abbr)
    # "fapi2": private_key_jwt + DPoP (the default); "basic": client_secret_basic allowed.
    profile: Literal["fapi2", "basic"] = "fapi2"
    token_endpoint_auth_method: Literal["private_key_jwt", "client_secret_basic"] = (
        "private_key_jwt")
    jwks: dict[str, Any] | None = None  # public keys for private_key_jwt
    jwks_uri: str | None = None
    client_secret_hash: str | None = None  # for client_secret_basic only (never the secret)
    redirect_uris: tuple[str, ...] = Field(min_length=1)
    post_logout_redirect_uris: tuple[str, ...] = ()
    initiate_login_uri: str | None = None  # OIDC third-party-initiated login (one-click)
    scopes: tuple[str, ...] = ("openid",)  # scopes it may ask for
    claims: tuple[str, ...] = ()  # identity claims it may receive beyond the scopes' own
    dpop_required: bool = True
    dpop_nonce_required: bool = False
    sector_identifier: str | None = None  # pairwise sub sector (default: redirect URIs' host)
    service_ids: tuple[str, ...] = ()  # catalogue services this client logs citizens in to
