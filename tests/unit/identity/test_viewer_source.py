"""Per-source limits count the viewer CloudFront saw (``CloudFront-Viewer-Address``), else the
gateway's ``sourceIp``; never ``X-Forwarded-For`` (THREATS 30)."""

from __future__ import annotations

from typing import Any

import pytest

from iamsmart.identity import limits


class Request:
    def __init__(self, headers: dict[str, str], source_ip: str | None = "192.0.2.1") -> None:
        # chalice lower-cases header names (a case-insensitive mapping in AWS and locally)
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.context: dict[str, Any] = {"identity": {"sourceIp": source_ip}}


@pytest.mark.parametrize(("value", "expected"), [
    ("198.51.100.10:46532", "198.51.100.10"),
    ("2001:db8::7:443", "2001:db8::7"),  # IPv6 as CloudFront writes it (no brackets)
    ("[2001:db8::7]:443", "2001:db8::7"),
])
def test_the_viewer_address_cloudfront_sets_is_the_source(value: str, expected: str) -> None:
    assert limits.source_of(Request({"CloudFront-Viewer-Address": value})) == expected


@pytest.mark.parametrize("value", ["", "198.51.100.10", "evil:80", "198.51.100.10:x",
                                   "1.2.3.4:5, 6.7.8.9:10", "x" * 100 + ":1"])
def test_a_malformed_viewer_address_falls_back_to_the_gateway(value: str) -> None:
    assert limits.source_of(Request({"CloudFront-Viewer-Address": value})) == "192.0.2.1"


def test_x_forwarded_for_is_never_read() -> None:
    request = Request({"X-Forwarded-For": "203.0.113.5"})
    assert limits.source_of(request) == "192.0.2.1"
    assert limits.source_of(Request({"X-Forwarded-For": "203.0.113.5"}, None)) == "unknown"
