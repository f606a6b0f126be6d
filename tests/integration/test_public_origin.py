"""The public origin (OIDC issuer, WebAuthn origin) is right on the first deploy: the own
domain from configuration, or else the SSM parameter the web stack writes, read lazily and
cached; until it exists the provider answers 503 in both languages, never a wrong issuer.
The local platform writes the same parameter in the emulator (``provision.create_parameters``)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from chalice.test import Client
from moto import mock_aws

from iamsmart import aws, errors, origin, parameters
from iamsmart.settings import settings
from infra.local import provision
from infra.local.api import API_DIR, chalice_app
from infra.local.platform import local_environment
from infra.names import PARAMETERS

NAME = PARAMETERS["public-url"].name


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for key, value in local_environment(None, {}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    settings.cache_clear()
    aws.reset()
    parameters.reset()
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        yield monkeypatch
    settings.cache_clear()
    aws.reset()
    parameters.reset()


def _discovery() -> tuple[int, dict]:
    with Client(chalice_app(), project_dir=str(API_DIR), stage_name="local") as client:
        answer = client.http.get("/.well-known/openid-configuration")
    return answer.status_code, json.loads(answer.body)


def test_503_in_both_languages_until_the_web_stack_writes_the_origin(
        ssm: pytest.MonkeyPatch) -> None:
    status, body = _discovery()
    assert status == 503 and body["error"] == "temporarily_unavailable"
    assert "set up" in body["message"]["en"] and "設定" in body["message"]["tc"]
    provision.create_parameters("https://d111111abcdef8.cloudfront.net")  # the web stack
    status, body = _discovery()
    assert status == 200 and body["issuer"] == "https://d111111abcdef8.cloudfront.net"
    assert body["token_endpoint"] == "https://d111111abcdef8.cloudfront.net/v1/oidc/token"
    assert origin.rp_id() == "d111111abcdef8.cloudfront.net"


def test_a_missing_parameter_is_asked_again_soon_a_value_is_cached(
        ssm: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = aws.client("ssm").get_parameter

    def counting(**kwargs: object) -> object:
        calls.append(str(kwargs["Name"]))
        return real(**kwargs)

    ssm.setattr(aws.client("ssm"), "get_parameter", counting)
    for _ in range(3):
        with pytest.raises(errors.Unavailable) as refused:
            origin.public_url()
        assert refused.value.details["reason"] == "public_origin_not_configured"
    assert calls == [NAME]  # negative answers are cached too (MISSING_SECONDS)
    ssm.setattr(parameters, "MISSING_SECONDS", 0.0)
    parameters.reset()
    aws.client("ssm").put_parameter(Name=NAME, Value="https://portal.example.hk/",
                                    Type="String")
    assert origin.public_url() == "https://portal.example.hk"  # trailing slash dropped
    assert origin.public_url() == "https://portal.example.hk"
    assert len(calls) == 2


def test_the_own_domain_needs_no_parameter(ssm: pytest.MonkeyPatch) -> None:
    ssm.setenv("PUBLIC_URL", "https://login.example.gov.hk")
    settings.cache_clear()
    status, body = _discovery()
    assert status == 200 and body["issuer"] == "https://login.example.gov.hk"


@pytest.mark.parametrize("value", ["http://portal.example.hk", "https://x.example/path",
                                   "https://x.example?q=1", "ftp://x.example", "not a url",
                                   "https://user@x.example"])
def test_an_unusable_origin_is_never_the_issuer(ssm: pytest.MonkeyPatch, value: str) -> None:
    aws.client("ssm").put_parameter(Name=NAME, Value=value, Type="String")
    status, body = _discovery()
    assert status == 503 and body["message"]["tc"]


def test_loopback_http_is_an_origin_for_the_local_platform() -> None:
    assert origin.parse("http://localhost:8000/") == "http://localhost:8000"
    assert origin.parse("http://127.0.0.1:9000") == "http://127.0.0.1:9000"
    assert origin.parse("http://localhost.evil.example") is None


def test_links_in_notifications_use_the_origin_read_at_run_time(ssm: pytest.MonkeyPatch) -> None:
    from iamsmart.registration import notify

    provision.create_parameters("https://d111111abcdef8.cloudfront.net")
    assert notify.status_link("app_x") == (
        "https://d111111abcdef8.cloudfront.net/register.html?application=app_x")
