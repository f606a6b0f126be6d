"""OpenID Provider endpoints (discovery, JWKS, PAR, authorize, token, userinfo, revocation, introspection, logout)."""

from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
