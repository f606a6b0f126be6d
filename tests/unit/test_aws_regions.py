"""Clients go to the platform's region, except Rekognition (not offered in Hong Kong)."""

from __future__ import annotations

import pytest

from iamsmart import aws
from iamsmart.settings import settings
from infra.names import FACES_REGION, REGION


@pytest.fixture(autouse=True)
def fresh_clients():
    aws.reset()
    settings.cache_clear()
    yield
    aws.reset()
    settings.cache_clear()


def test_rekognition_calls_cross_to_its_region_and_nothing_else_does() -> None:
    assert settings().rekognition_region == FACES_REGION
    assert aws.client("rekognition").meta.region_name == FACES_REGION
    for service in ("dynamodb", "kms", "s3", "stepfunctions"):
        assert aws.client(service).meta.region_name == REGION
