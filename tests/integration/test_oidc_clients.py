"""The client registry on the moto ``clients`` table, and the replay guard on ``grants``."""

from __future__ import annotations

import time

import pytest
from client_auth_helpers import fapi_client, new_key, public_jwk, registry  # noqa: F401

from iamsmart import aws
from iamsmart.common import replay
from iamsmart.oidc import clients
from iamsmart.oidc.clients import InvalidRegistration
from iamsmart.oidc.errors import InvalidClient
from iamsmart.settings import settings

pytestmark = pytest.mark.usefixtures("registry")


def test_put_get_list_delete() -> None:
    a = fapi_client("app-a", new_key(kid="a"), scopes=("openid", "profile"),
                    dpop_nonce_required=True, service_ids=("td-licence",))
    b = fapi_client("app-b", new_key(kid="b"))
    clients.put(b)
    clients.put(a)
    assert clients.get("app-a") == a
    assert [c.client_id for c in clients.list_all()] == ["app-a", "app-b"]
    assert clients.delete("app-a") is True
    assert clients.delete("app-a") is False
    with pytest.raises(InvalidClient):
        clients.get("app-a")
    assert [c.client_id for c in clients.list_all()] == ["app-b"]


@pytest.mark.parametrize("client_id", ["nobody", "", "a", "x" * 65, "bad id", "é-app", None])
def test_unknown_or_malformed_ids_are_invalid_client(client_id) -> None:
    with pytest.raises(InvalidClient):
        clients.get(client_id)


def test_warm_cache_serves_within_client_cache_seconds(monkeypatch) -> None:
    calls: list[str] = []
    ddb = aws.client("dynamodb")
    ddb.meta.events.register("before-call.dynamodb.GetItem",
                             lambda event_name, **_: calls.append(event_name))
    try:
        clients.put(fapi_client("app-a", new_key()))
        clients.get("app-a")
        clients.get("app-a")
        assert len(calls) == 1
        # put() through this process drops the cached entry at once.
        clients.put(fapi_client("app-a", new_key(), name_en="Renamed"))
        assert clients.get("app-a").name_en == "Renamed"
        assert len(calls) == 2
        # Expired cache entries are read again.
        monkeypatch.setenv("CLIENT_CACHE_SECONDS", "0")
        settings.cache_clear()
        clients.reset_cache()
        clients.get("app-a")
        clients.get("app-a")
        assert len(calls) == 4
    finally:
        ddb.meta.events.unregister("before-call.dynamodb.GetItem")


def test_delete_is_seen_after_cache_reset() -> None:
    clients.put(fapi_client("app-a", new_key()))
    clients.get("app-a")
    clients.delete("app-a")
    with pytest.raises(InvalidClient):
        clients.get("app-a")


# --- registration rules ----------------------------------------------------------------

def bad(**changes) -> None:
    with pytest.raises(InvalidRegistration):
        clients.put(fapi_client("app-x", **changes))
    with pytest.raises(InvalidClient):
        clients.get("app-x")


def test_fapi2_clients_cannot_register_a_secret() -> None:
    bad(jwks={"keys": [public_jwk(new_key())]}, token_endpoint_auth_method="client_secret_basic",
        client_secret_hash=clients.hash_secret("s"))


def test_private_key_jwt_needs_exactly_one_key_source() -> None:
    bad()
    bad(jwks={"keys": [public_jwk(new_key())]}, jwks_uri="https://dept.example/jwks")
    bad(jwks={"keys": []})
    bad(jwks={"nope": 1})


def test_private_keys_are_never_registered() -> None:
    key = new_key()
    bad(jwks={"keys": [key.as_dict(private=True)]})
    bad(jwks={"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})


def test_basic_clients_store_a_hash_never_the_secret() -> None:
    bad(profile="basic", token_endpoint_auth_method="client_secret_basic",
        client_secret_hash="plain-secret")
    bad(profile="basic", token_endpoint_auth_method="client_secret_basic")
    clients.put(fapi_client("app-x", profile="basic",
                            token_endpoint_auth_method="client_secret_basic",
                            client_secret_hash=clients.hash_secret("s")))


@pytest.mark.parametrize("uri", ["http://dept.example/cb", "https://dept.example/cb#frag",
                                 "javascript:alert(1)", "dept.example/cb"])
def test_redirect_uris_are_https_except_loopback(uri: str) -> None:
    bad(jwks={"keys": [public_jwk(new_key())]}, redirect_uris=(uri,))


def test_jwks_uri_is_https_except_loopback() -> None:
    bad(jwks_uri="http://dept.example/jwks")
    clients.put(fapi_client("app-y", jwks_uri="https://dept.example/jwks"))
    clients.put(fapi_client("app-z", jwks_uri="http://127.0.0.1:9000/jwks"))


def test_openid_scope_required() -> None:
    bad(jwks={"keys": [public_jwk(new_key())]}, scopes=("profile",))


def test_secret_hash_is_salted_and_verifies_in_constant_time() -> None:
    first, second = clients.hash_secret("same"), clients.hash_secret("same")
    assert first != second and "same" not in first
    assert clients.verify_secret("same", first) and clients.verify_secret("same", second)
    assert not clients.verify_secret("Same", first)
    assert not clients.verify_secret("same", None)
    assert not clients.verify_secret("same", "scrypt$1$1$1$x$y")
    assert not clients.verify_secret("same", "garbage")


# --- replay guard ------------------------------------------------------------------------

def test_first_use_then_replayed() -> None:
    later = int(time.time()) + 60
    assert replay.first_use("jti", "app#1", later) is True
    assert replay.first_use("jti", "app#1", later) is False
    assert replay.first_use("jti", "app#2", later) is True
    assert replay.first_use("dpop", "app#1", later) is True  # kinds are separate


def test_expired_record_is_free_again() -> None:
    """moto never deletes TTL-expired items (and DynamoDB only eventually): an expired
    record must not block a new use."""
    assert replay.first_use("device", "k", int(time.time()) - 1) is True
    item = aws.client("dynamodb").get_item(TableName=settings().grants_table,
                                           Key={"pk": {"S": "device#k"}})["Item"]
    assert int(item["expires_at"]["N"]) < time.time()
    assert replay.first_use("device", "k", int(time.time()) + 60) is True
    assert replay.first_use("device", "k", int(time.time()) + 60) is False


@pytest.mark.parametrize("kind,key", [("", "k"), ("a#b", "k"), ("jti", ""),
                                      ("jti", "x" * 600)])
def test_malformed_keys_are_a_bug(kind: str, key: str) -> None:
    with pytest.raises(ValueError):
        replay.first_use(kind, key, int(time.time()) + 60)


def test_dynamodb_throttled_fails_closed() -> None:
    from botocore.stub import Stubber

    from iamsmart import errors

    with Stubber(aws.client("dynamodb")) as stub:
        stub.add_client_error("put_item", "ProvisionedThroughputExceededException")
        with pytest.raises(errors.Unavailable):
            replay.first_use("jti", "k", int(time.time()) + 60)
