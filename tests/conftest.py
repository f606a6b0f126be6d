"""Test-wide safety: no test can reach real AWS, and the Chalice app loads one way."""

from __future__ import annotations

import os

import pytest

from infra.local.dynamodb import serialise as serialise_dynamodb
from infra.local.platform import local_environment

# Fake credentials and region before anything creates a client.
for _key, _value in local_environment(None, {}).items():
    os.environ.setdefault(_key, _value)
# What the functions log and count, whichever test first imports the logger (an admin CLI run
# in-process quietens its own logs only where these are unset).
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "false")

# Workflows run on moto's threads beside a test's own calls: one DynamoDB request at a time,
# as on the local platform (moto's transactions are not thread-safe; infra/local/dynamodb.py).
serialise_dynamodb()


@pytest.fixture
def api_app():
    """The Chalice app, loaded from functions/api the way Lambda loads it."""
    from infra.local.api import chalice_app

    return chalice_app()


@pytest.fixture
def api_client(api_app):
    from chalice.test import Client

    from infra.local.api import API_DIR

    with Client(api_app, project_dir=str(API_DIR), stage_name="local") as client:
        yield client
