"""Registration evidence fixtures: the chip trust anchors as the local platform configures
them (the sandbox CSCA in the master list parameter, in moto), and throw-away authorities for
attacks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from moto import mock_aws
from registration_helpers import NOW

from iamsmart import aws, parameters
from iamsmart.registration import card
from iamsmart.settings import settings
from infra import seeding


@pytest.fixture(autouse=True)
def trust_anchors() -> Iterator[None]:
    """The sandbox CSCA as the chip trust anchor, written by the seeding code (SSM in moto)."""
    settings.cache_clear()
    aws.reset()
    parameters.reset()
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        seeding.put_csca(seeding.sandbox_csca_pem(), None)
        yield
    parameters.reset()
    aws.reset()


@pytest.fixture(scope="session")
def rogue() -> card.PKI:
    """A CA nobody pinned, with a document signer of its own (same names as the sandbox's)."""
    return card.new_pki(NOW - timedelta(days=30), NOW + timedelta(days=3650))


@pytest.fixture(scope="session")
def test_pki() -> card.PKI:
    return card.new_pki(NOW - timedelta(days=30), NOW + timedelta(days=3650))
