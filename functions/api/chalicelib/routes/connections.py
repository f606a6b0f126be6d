"""Connected services: what the citizen agreed to share, and revoking it."""

from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
