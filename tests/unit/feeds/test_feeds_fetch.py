"""Fetching against a real HTTP server on loopback: good, HTTP errors, slow, oversized."""

from __future__ import annotations

import gzip
import socket
import time

import pytest

from iamsmart import errors
from iamsmart.feeds import fetch

MB = 1024 * 1024


def test_good_document(upstream):
    url = upstream.serve("/good.json", b'{"ok": true}', content_type="application/json")
    assert fetch.get(url, timeout=2, max_bytes=MB) == b'{"ok": true}'


def test_body_bytes_are_returned_untouched_for_the_parser(upstream):
    body = '<?xml version="1.0" encoding="big5"?><a>天文台</a>'.encode("big5")
    url = upstream.serve("/big5.xml", body, content_type="text/xml; charset=utf-8")
    assert fetch.get(url, timeout=2, max_bytes=MB) == body


@pytest.mark.parametrize("status", [404, 500, 503])
def test_http_errors_are_upstream_errors(upstream, status):
    url = upstream.serve("/broken", b"<html>error</html>", status=status)
    with pytest.raises(errors.UpstreamError) as caught:
        fetch.get(url, timeout=2, max_bytes=MB)
    assert not isinstance(caught.value, errors.FeedTooLarge)
    assert caught.value.details["status"] == status
    assert caught.value.en and caught.value.tc


def test_connection_refused_is_an_upstream_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(errors.UpstreamError):
        fetch.get(f"http://127.0.0.1:{port}/x", timeout=1, max_bytes=MB)


def test_slow_upstream_times_out(upstream):
    def slow(handler):
        time.sleep(1.5)
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"{}")

    upstream.routes["/slow"] = slow
    started = time.monotonic()
    with pytest.raises(errors.UpstreamError):
        fetch.get(upstream.url("/slow"), timeout=0.3, max_bytes=MB)
    assert time.monotonic() - started < 1.4


def test_dripping_upstream_hits_the_overall_deadline(upstream):
    def drip(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        for _ in range(100):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.05)

    upstream.routes["/drip"] = drip
    started = time.monotonic()
    with pytest.raises(errors.UpstreamError):
        fetch.get(upstream.url("/drip"), timeout=0.5, max_bytes=MB)
    assert time.monotonic() - started < 2


def test_oversized_declared_length_is_refused(upstream):
    url = upstream.serve("/big", b"x" * (10 * MB))
    started = time.monotonic()
    with pytest.raises(errors.FeedTooLarge) as caught:
        fetch.get(url, timeout=5, max_bytes=2 * MB)
    assert isinstance(caught.value, errors.UpstreamError)
    assert time.monotonic() - started < 3


def test_oversized_body_without_length_stops_reading(upstream):
    sent = {"bytes": 0}

    def endless(handler):
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.protocol_version = "HTTP/1.0"
        chunk = b"y" * (256 * 1024)
        for _ in range(40):  # 10 MB
            handler.wfile.write(chunk)
            sent["bytes"] += len(chunk)

    upstream.routes["/endless"] = endless
    with pytest.raises(errors.FeedTooLarge):
        fetch.get(upstream.url("/endless"), timeout=5, max_bytes=1 * MB)


def test_gzip_bodies_are_decompressed(upstream):
    payload = gzip.compress(b'{"a": 1}')

    def gz(handler):
        handler.send_response(200)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    upstream.routes["/gz"] = gz
    assert fetch.get(upstream.url("/gz"), timeout=2, max_bytes=MB) == b'{"a": 1}'


def test_gzip_bomb_is_capped_after_decompression(upstream):
    payload = gzip.compress(b"\0" * (8 * MB))

    def gz(handler):
        handler.send_response(200)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    upstream.routes["/bomb"] = gz
    assert len(payload) < MB
    with pytest.raises(errors.FeedTooLarge):
        fetch.get(upstream.url("/bomb"), timeout=5, max_bytes=MB)


def test_redirects_are_followed_a_few_times(upstream):
    target = upstream.serve("/final.json", b"[]")

    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", target)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    upstream.routes["/moved"] = redirect
    assert fetch.get(upstream.url("/moved"), timeout=2, max_bytes=MB) == b"[]"

    def loop(handler):
        handler.send_response(302)
        handler.send_header("Location", upstream.url("/loop"))
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    upstream.routes["/loop"] = loop
    with pytest.raises(errors.UpstreamError):
        fetch.get(upstream.url("/loop"), timeout=2, max_bytes=MB)
    assert upstream.hits["/loop"] <= fetch.MAX_REDIRECTS + 1


def test_truncated_body_is_an_upstream_error(upstream):
    def short(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(b"only a little")
        handler.close_connection = True

    upstream.routes["/short"] = short
    with pytest.raises(errors.UpstreamError):
        fetch.get(upstream.url("/short"), timeout=2, max_bytes=MB)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x"])
def test_only_http_urls(url):
    with pytest.raises(errors.UpstreamError):
        fetch.get(url, timeout=1, max_bytes=MB)
