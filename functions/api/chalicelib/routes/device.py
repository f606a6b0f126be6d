"""The mobile app's device API (enrolment, approvals with number matching)."""

from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
