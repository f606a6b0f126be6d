"""Test-wide safety: no test can reach real AWS, and the Chalice app loads one way."""

from __future__ import annotations

import os

import pytest

from infra.local.platform import local_environment

# Fake credentials and region before anything creates a client.
for _key, _value in local_environment(None, {}).items():
    os.environ.setdefault(_key, _value)


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
