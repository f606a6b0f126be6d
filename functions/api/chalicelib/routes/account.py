"""The logged-in citizen's own account (profile, passkeys, sessions)."""

from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
