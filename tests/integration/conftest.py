"""moto-backed fixtures: AWS in-process, state machines executed for real by moto with our
real handlers (infra/local/lambdas.py), resources built from infra/names.py."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from login_caches import reset_login_caches
from moto import mock_aws
from oidc_helpers import RP, Browser, Http, remember_consent, sso_session

from infra.local import lambdas, provision, upstream
from infra.local.platform import FEED_FIXTURES, apply_environment, local_environment

MOTO_CONFIG = {
    "stepfunctions": {"execute_state_machine": True},
    "core": {"reset_boto3_session": False},
}


@pytest.fixture
def upstream_dir(tmp_path: Path) -> Path:
    """A private copy of the feed fixtures, served over HTTP: tests may break feeds in it."""
    target = tmp_path / "upstream"
    shutil.copytree(FEED_FIXTURES, target)
    return target


@pytest.fixture
def upstream_url(upstream_dir: Path) -> Iterator[str]:
    server = upstream.serve_directory(upstream_dir)
    yield upstream.base_url(server)
    server.shutdown()
    server.server_close()


@pytest.fixture
def feed_urls(upstream_url: str) -> dict[str, str]:
    return upstream.feed_urls(upstream_url)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, feed_urls: dict[str, str]) -> Iterator[dict[str, str]]:
    """moto in-process, with the local functions' environment applied."""
    env = local_environment(None, feed_urls)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    apply_environment(env)
    lambdas.install()
    with mock_aws(config=MOTO_CONFIG):
        yield env
    apply_environment({})


@pytest.fixture
def platform(aws: dict[str, str]) -> provision.Platform:
    """Everything provisioned and seeded, as the local platform has it (fast waits)."""
    return provision.provision(aws, fast=True)





@pytest.fixture
def login_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto in-process for the login contexts: every table and key of infra.names and the
    sandbox citizens (like ``platform`` without the feed functions and state machines, so a
    test sets up in a fraction of a second)."""
    env = local_environment(None, {})
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    reset_login_caches()
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        provision.create_tables()
        provision.create_keys()
        provision.create_parameters("http://localhost:8000")
        from iamsmart.identity import accounts

        accounts.seed_sandbox_citizens()
        yield env
    reset_login_caches()
    apply_environment({})


# --- the OpenID Provider's tests (test_oidc_*, test_round_trips, test_token_transaction) ---
# A module that needs another ``http`` (a department's keyed client) defines its own.

@pytest.fixture
def http(api_app: Any) -> Http:
    """The real API app behind chalice's local gateway."""
    return Http(api_app)


@pytest.fixture
def rp(http: Http) -> RP:
    """The sandbox relying party (PAR, private_key_jwt, DPoP)."""
    return RP(http)


@pytest.fixture
def browser(http: Http, rp: RP) -> Browser:
    """A browser with a live SSO session whose citizen already consented to the relying
    party: a login there is one click."""
    signed_in = Browser(http)
    sso_session(signed_in)
    remember_consent(rp)
    return signed_in
