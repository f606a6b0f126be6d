"""Serve a directory of feed documents over HTTP on loopback, standing in for the real
upstreams (HKO, TD, CFS, ISD), so the platform's real fetching code runs locally.

The local platform's feed configuration lives here, not in production code: which recorded
document (under ``FEED_FIXTURES``) stands in for each feed id of
``iamsmart.feeds.sources.FEEDS``, and ``feed_urls(base_url)``, the ``FEED_URLS`` that points
every feed at this server.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from infra.names import ROOT

FEED_FIXTURES = ROOT / "tests" / "fixtures" / "feeds"

# Feed id -> the recorded upstream document served in its place.
FEED_FILES: dict[str, str] = {
    **{f"hko-{kind}-{lang}": f"weather_{kind}_{lang}.json"
       for kind in ("rhrread", "flw", "fnd", "warnsum") for lang in ("en", "tc")},
    "td-news-en": "traffic_news_en.xml",
    "td-news-tc": "traffic_news_tc.xml",
    # One bilingual document serves both languages of the second-generation feed.
    "td-incidents-en": "traffic_incidents_v2.xml",
    "td-incidents-tc": "traffic_incidents_v2.xml",
    "cfs-alerts-en": "food_alerts_en.xml",
    "cfs-alerts-tc": "food_alerts_tc.xml",
    "gia-press-en": "press_releases_en.xml",
    "gia-press-tc": "press_releases_tc.xml",
}


def feed_urls(base_url: str) -> dict[str, str]:
    """Feed id -> ``base_url/<document>`` (``FEED_URLS``) for a server of ``FEED_FIXTURES``."""
    base = base_url.rstrip("/")
    return {feed_id: f"{base}/{name}" for feed_id, name in FEED_FILES.items()}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve_directory(directory: Path, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    handler = functools.partial(_Quiet, directory=str(directory))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="upstream", daemon=True).start()
    return server


def base_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"
