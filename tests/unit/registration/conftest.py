"""Registration evidence fixtures: throw-away authorities for attacks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from registration_helpers import NOW

from iamsmart.registration import card


@pytest.fixture(scope="session")
def rogue() -> card.PKI:
    """A CA nobody pinned, with a document signer of its own (same names as the sandbox's)."""
    return card.new_pki(NOW - timedelta(days=30), NOW + timedelta(days=3650))


@pytest.fixture(scope="session")
def test_pki() -> card.PKI:
    return card.new_pki(NOW - timedelta(days=30), NOW + timedelta(days=3650))
