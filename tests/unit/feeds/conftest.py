"""Fixtures of the feeds tests: fixture documents, a moto ``feeds`` table built from
infra.names, and a tiny HTTP upstream on loopback."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from infra.names import TABLES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def fixture() -> Callable[[str], bytes]:
    return fixture_bytes


def _reset() -> None:
    from iamsmart import aws
    from iamsmart.feeds import dal, fetch
    from iamsmart.settings import settings

    settings.cache_clear()
    aws.reset()
    dal.reset()
    fetch._pool.cache_clear()


@pytest.fixture
def feeds_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The feeds table on moto (in-process), created from its spec in infra/names.py."""
    from moto import mock_aws

    spec = TABLES["feeds"]
    monkeypatch.setenv(spec.env, spec.name)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    _reset()
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        from iamsmart import aws

        ddb = aws.client("dynamodb")
        ddb.create_table(
            TableName=spec.name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": spec.partition_key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": spec.partition_key, "AttributeType": "S"}],
        )
        ddb.update_time_to_live(TableName=spec.name, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": spec.ttl_attribute})
        yield spec.name
    _reset()


Route = Callable[[BaseHTTPRequestHandler], None]


class Upstream:
    """An HTTP server on 127.0.0.1 whose paths are answered by test-defined functions."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        routes, hits = self.routes, self.hits

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path.split("?")[0]
                hits[path] = hits.get(path, 0) + 1
                route = routes.get(path)
                if route is None:
                    self.send_error(404)
                    return
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (size cap): expected

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def serve(self, path: str, body: bytes, status: int = 200,
              content_type: str = "application/octet-stream") -> str:
        def route(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        self.routes[path] = route
        return self.url(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.close()
