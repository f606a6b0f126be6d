"""private_key_jwt with keys published at the client's jwks_uri: fetched with a size cap and
a timeout, cached, refetched (rate-limited) for an unknown kid; every failure is
InvalidClient, never a 500."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from client_auth_helpers import (
    assertion,
    fapi_client,
    form,
    new_key,
    public_jwk,
    registry,  # noqa: F401 - fixture
)

from iamsmart.oidc import client_auth, clients
from iamsmart.oidc.errors import InvalidClient

pytestmark = pytest.mark.usefixtures("registry")


class JwksServer:
    def __init__(self) -> None:
        self.status = 200
        self.body: bytes = b'{"keys": []}'
        self.delay = 0.0
        self.hits = 0
        self.location: str | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.hits += 1
                time.sleep(server.delay)
                self.send_response(server.status)
                if server.location:
                    self.send_header("Location", server.location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                try:
                    self.wfile.write(server.body)
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def publish(self, *keys: Any) -> None:
        self.body = json.dumps({"keys": [public_jwk(k) for k in keys]}).encode()


@pytest.fixture
def server() -> Iterator[JwksServer]:
    srv = JwksServer()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def key(server: JwksServer):
    k = new_key(kid="r1")
    server.publish(k)
    clients.put(fapi_client("remote-app", jwks_uri=server.url))
    return k


def refused(token: str) -> None:
    with pytest.raises(InvalidClient):
        client_auth.authenticate(form(token), None)


def test_keys_from_jwks_uri_are_fetched_once_and_cached(server, key) -> None:
    for _ in range(3):
        assert client_auth.authenticate(form(assertion(key, "remote-app")),
                                        None).client_id == "remote-app"
    assert server.hits == 1


def test_unknown_kid_refetches_once_for_rotation(server, key, monkeypatch) -> None:
    client_auth.authenticate(form(assertion(key, "remote-app")), None)
    rotated = new_key(kid="r2")
    server.publish(key, rotated)
    monkeypatch.setattr(client_auth, "JWKS_REFETCH_SECONDS", 0.0)
    assert client_auth.authenticate(form(assertion(rotated, "remote-app")), None)
    assert server.hits == 2


def test_unknown_kid_refetch_is_rate_limited(server, key) -> None:
    client_auth.authenticate(form(assertion(key, "remote-app")), None)
    attacker = new_key(kid="zz")
    for _ in range(5):
        refused(assertion(attacker, "remote-app"))
    assert server.hits == 1  # within JWKS_REFETCH_SECONDS of the first fetch


def test_a_key_not_published_is_refused(server, key) -> None:
    refused(assertion(new_key(kid="r1"), "remote-app"))  # same kid, other key


@pytest.mark.parametrize("status,body", [
    (500, b"{}"), (404, b"not found"), (200, b"not json"), (200, b'{"keys": "x"}'),
    (200, b"[1, 2]"), (200, b"[" * 30000 + b"]" * 30000),
])
def test_bad_jwks_documents_are_invalid_client(server, key, status, body) -> None:
    server.status, server.body = status, body
    refused(assertion(key, "remote-app"))


def test_redirects_are_not_followed(server, key) -> None:
    server.status, server.location = 302, "http://attacker.example/jwks.json"
    refused(assertion(key, "remote-app"))


def test_oversized_document_is_refused(server, key) -> None:
    doc = {"keys": [public_jwk(key)], "padding": "x" * (client_auth.JWKS_MAX_BYTES + 10)}
    server.body = json.dumps(doc).encode()
    refused(assertion(key, "remote-app"))


def test_slow_server_times_out(server, key, monkeypatch) -> None:
    monkeypatch.setattr(client_auth, "JWKS_TIMEOUT_SECONDS", 0.2)
    server.delay = 1.0
    started = time.monotonic()
    refused(assertion(key, "remote-app"))
    assert time.monotonic() - started < 1.0


def test_unreachable_is_invalid_client(key) -> None:
    clients.put(fapi_client("gone-app", jwks_uri="http://127.0.0.1:9/jwks.json"))
    refused(assertion(key, "gone-app"))
