"""Login transactions seen by the citizen's browser (number, QR, passkey)."""

from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
