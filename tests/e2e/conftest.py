"""The local platform, started as the README starts it, for end-to-end tests over HTTP."""

from __future__ import annotations

import collections
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from infra.names import ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def local_platform() -> Iterator[dict[str, object]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PORT"] = str(port)
    # Every browser of the whole e2e session is one source address (127.0.0.1), unlike citizens:
    # the registration tests together send more than the default 10 applications an hour from
    # it. The per-source limit itself is tested in tests/integration (test_registration_*).
    env["REGISTRATION_SOURCE_HOURLY_LIMIT"] = "500"
    proc = subprocess.Popen(  # noqa: S603 - our own launcher
        [sys.executable, "-m", "infra.local"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 90
    url = None
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = re.match(r"Ready: (http://\S+)", line)
        if match:
            url = match.group(1)
            break
    if url is None:
        proc.kill()
        pytest.fail("local platform did not become ready:\n" + "".join(lines[-40:]))
    # Keep draining the platform's output so it never blocks on a full pipe.
    tail: collections.deque[str] = collections.deque(lines, maxlen=200)
    threading.Thread(target=lambda: tail.extend(proc.stdout), daemon=True).start()
    keys = {}
    for line in lines:
        if line.startswith("Sandbox department API keys"):
            keys = dict(p.split("=", 1) for p in line.split(": ", 1)[1].strip().split(", "))
    # "startup": what it printed up to Ready (addresses and keys), kept whole; "output": the
    # latest lines since (a rolling tail: a long run's noise never pushes the addresses out).
    yield {"url": url, "keys": keys, "process": proc, "output": tail, "startup": list(lines)}
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def platform_url(local_platform: dict[str, object]) -> str:
    return str(local_platform["url"])
