"""client_secret_basic: only for clients registered on the basic profile, the secret checked
against a stored scrypt hash in constant time; refused for fapi2 clients."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote_plus

import pytest
from client_auth_helpers import (
    assertion,
    fapi_client,
    form,
    new_key,
    registry,  # noqa: F401 - fixture
)

from iamsmart import aws
from iamsmart.oidc import client_auth, clients
from iamsmart.oidc.errors import InvalidClient
from iamsmart.settings import settings

pytestmark = pytest.mark.usefixtures("registry")

SECRET = "s3cr3t:with%odd+chars"


def basic(client_id: str, secret: str) -> str:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(raw).decode()


@pytest.fixture
def basic_client():
    client = fapi_client("basic-app", profile="basic",
                         token_endpoint_auth_method="client_secret_basic",
                         client_secret_hash=clients.hash_secret(SECRET))
    clients.put(client)
    return client


def refused(data: dict[str, str], authorization: str | None) -> InvalidClient:
    with pytest.raises(InvalidClient) as caught:
        client_auth.authenticate(data, authorization)
    return caught.value


def test_basic_client_authenticates(basic_client) -> None:
    assert client_auth.authenticate({}, basic("basic-app", SECRET)).client_id == "basic-app"
    assert client_auth.authenticate({"client_id": "basic-app"},
                                    basic("basic-app", SECRET)).client_id == "basic-app"


def test_wrong_secret_is_refused_with_a_basic_challenge(basic_client) -> None:
    for secret in ("wrong", SECRET + "x", SECRET[:-1], ""):
        error = refused({}, basic("basic-app", secret))
        assert error.headers["WWW-Authenticate"].startswith("Basic ")


def test_unknown_client_is_refused_the_same_way(basic_client) -> None:
    error = refused({}, basic("nobody-app", SECRET))
    assert error.headers["WWW-Authenticate"].startswith("Basic ")


@pytest.mark.parametrize("header", ["Basic", "Basic !!!", "Basic " + base64.b64encode(
    b"no-colon").decode(), "Basic " + base64.b64encode(b"\xff\xfe:x").decode(), "Bearer x",
    "Digest abc"])
def test_malformed_authorization(basic_client, header: str) -> None:
    refused({}, header)


def test_client_id_parameter_must_match(basic_client) -> None:
    refused({"client_id": "other-app"}, basic("basic-app", SECRET))


def test_basic_is_refused_for_fapi2_clients() -> None:
    """A fapi2 client cannot authenticate with a secret, even one whose hash was slipped
    into its stored registration (bypassing ``put``'s validation)."""
    key = new_key()
    clients.put(fapi_client("fapi-app", key))
    record = fapi_client("fapi-app", key).model_dump(mode="json")
    record["client_secret_hash"] = clients.hash_secret(SECRET)
    aws.client("dynamodb").put_item(TableName=settings().clients_table, Item={
        "client_id": {"S": "fapi-app"}, "doc": {"S": json.dumps(record)}})
    clients.reset_cache()
    assert clients.get("fapi-app").client_secret_hash
    refused({}, basic("fapi-app", SECRET))
    # fapi2 with the secret method slipped in: the profile alone refuses it.
    record["token_endpoint_auth_method"] = "client_secret_basic"
    aws.client("dynamodb").put_item(TableName=settings().clients_table, Item={
        "client_id": {"S": "fapi-app"}, "doc": {"S": json.dumps(record)}})
    clients.reset_cache()
    refused({}, basic("fapi-app", SECRET))
    # Profile basic but method private_key_jwt: still refused.
    record["token_endpoint_auth_method"] = "private_key_jwt"
    record["profile"] = "basic"
    aws.client("dynamodb").put_item(TableName=settings().clients_table, Item={
        "client_id": {"S": "fapi-app"}, "doc": {"S": json.dumps(record)}})
    clients.reset_cache()
    refused({}, basic("fapi-app", SECRET))


def test_basic_client_cannot_use_an_assertion(basic_client) -> None:
    key = new_key()
    token = assertion(key, "basic-app")
    refused(form(token), None)


def test_both_methods_at_once_are_refused(basic_client) -> None:
    key = new_key()
    token = assertion(key, "basic-app")
    refused(form(token), basic("basic-app", SECRET))


def test_secret_post_is_refused(basic_client) -> None:
    refused({"client_id": "basic-app", "client_secret": SECRET}, None)


def test_the_secret_is_never_stored(basic_client) -> None:
    item = aws.client("dynamodb").get_item(TableName=settings().clients_table,
                                           Key={"client_id": {"S": "basic-app"}})["Item"]
    assert SECRET not in json.dumps(item)
    assert quote_plus(SECRET) not in json.dumps(item)
