"""Bounded HTTP GET of an upstream feed document.

- ``timeout``: connect and per-read timeout, and a deadline for the whole body (a server that
  drips bytes cannot hold the function until its own timeout);
- ``max_bytes``: a declared Content-Length above it is refused without reading, and reading
  stops as soon as the (decompressed) body exceeds it -> ``FeedTooLarge``;
- HTTP errors, connection errors, timeouts -> ``UpstreamError`` (retried by the workflow).

urllib3 is imported lazily (it comes with botocore), so importing this module is cheap.
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from iamsmart import errors

if TYPE_CHECKING:  # pragma: no cover
    import urllib3

USER_AGENT = "iamsmart-feeds/1 (+https://www.iamsmart.gov.hk/)"
CHUNK = 64 * 1024
MAX_REDIRECTS = 3


@functools.cache
def _pool() -> urllib3.PoolManager:
    import urllib3

    return urllib3.PoolManager(num_pools=8, maxsize=4, headers={"User-Agent": USER_AGENT})


def _upstream_error(url: str, problem: str, **details: Any) -> errors.UpstreamError:
    host = urlsplit(url).netloc
    return errors.UpstreamError(en=f"The upstream {host} could not be read: {problem}.",
                                tc=f"未能讀取來源 {host}：{problem}。", host=host, **details)


def _too_large(url: str, max_bytes: int) -> errors.FeedTooLarge:
    host = urlsplit(url).netloc
    return errors.FeedTooLarge(en=f"The document from {host} is larger than {max_bytes} bytes.",
                               tc=f"來自 {host} 的文件超過 {max_bytes} 位元組。", host=host,
                               max_bytes=max_bytes)


def get(url: str, *, timeout: float, max_bytes: int) -> bytes:
    """The body of ``GET url`` (status 200 only), at most ``max_bytes`` long."""
    import urllib3

    if urlsplit(url).scheme not in ("http", "https"):
        raise _upstream_error(url, "only http(s) URLs are fetched")
    deadline = time.monotonic() + timeout
    try:
        response = _pool().request(
            "GET", url, preload_content=False, decode_content=True,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=urllib3.Retry(total=MAX_REDIRECTS, connect=0, read=0, status=0, other=0,
                                  redirect=MAX_REDIRECTS, raise_on_redirect=True),
            headers={"Accept": "application/json, application/xml, text/xml;q=0.9, */*;q=0.5"},
        )
    except urllib3.exceptions.MaxRetryError as exc:
        reason = type(exc.reason).__name__ if exc.reason else "too many redirects"
        raise _upstream_error(url, f"connection failed ({reason})") from None
    except urllib3.exceptions.HTTPError as exc:
        raise _upstream_error(url, f"connection failed ({type(exc).__name__})") from None

    try:
        if response.status != 200:
            raise _upstream_error(url, f"HTTP {response.status}", status=response.status)
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise _too_large(url, max_bytes)
        body = bytearray()
        while chunk := response.read1(CHUNK):  # whatever has arrived, so deadlines are kept
            body.extend(chunk)
            if len(body) > max_bytes:
                raise _too_large(url, max_bytes)
            if time.monotonic() > deadline:
                raise _upstream_error(url, f"no complete answer within {timeout:g} s")
        return bytes(body)
    except urllib3.exceptions.HTTPError as exc:  # read timeout, broken or truncated body
        raise _upstream_error(url, f"reading failed ({type(exc).__name__})") from None
    finally:
        # Never drain an oversized or failed body: close the connection instead.
        response.close()
        response.release_conn()
