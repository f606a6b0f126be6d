"""The local platform, started as the README starts it, for end-to-end tests over HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import NoReturn

import pytest

from infra.names import ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthz(port: int) -> tuple[int, str | None] | None:
    """/healthz's status and Retry-After, or None while nothing listens."""
    try:
        with urllib.request.urlopen(  # noqa: S310 - loopback
                f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
            return int(resp.status), resp.headers["Retry-After"]
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.headers["Retry-After"]
    except OSError:
        return None  # not listening yet


@pytest.fixture(scope="session")
def local_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """``python -m infra.local`` as ``make dev`` starts it, its output in a file.

    Waited for as a script would: /healthz polled from the start until it answers 200. What it
    answered before, and what the platform had printed when it first said 200, are kept in
    "readiness" (test_dev_readiness.py checks them: readiness means ready)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PORT"] = str(port)
    # Every browser of the whole e2e session is one source address (127.0.0.1), unlike citizens:
    # the registration tests together send more than the default 10 applications an hour from
    # it. The per-source limit itself is tested in tests/integration (test_registration_*).
    env["REGISTRATION_SOURCE_HOURLY_LIMIT"] = "500"
    log = tmp_path_factory.mktemp("platform") / "output.txt"
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own launcher
            [sys.executable, "-m", "infra.local"], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT, text=True)

    def fail(why: str) -> NoReturn:
        proc.kill()
        proc.wait(timeout=15)
        pytest.fail(f"local platform {why}:\n" + "\n".join(
            log.read_text(encoding="utf-8").splitlines()[-40:]))

    answers: list[tuple[int, str | None]] = []  # /healthz's answers before 200
    printed = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        answer = _healthz(port)
        if answer is not None and answer[0] == 200:
            printed = log.read_text(encoding="utf-8")  # written before /healthz said ready
            break
        if answer is not None:
            answers.append(answer)
        if proc.poll() is not None:
            fail("stopped")
        time.sleep(0.05)
    if printed is None:
        fail("did not become ready")
    url = None
    while url is None and time.monotonic() < deadline:
        lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
        for i, line in enumerate(lines):
            match = re.match(r"Ready: (http://\S+)", line)
            if match:
                url, lines = match.group(1), lines[:i + 1]
                break
        else:
            time.sleep(0.05)
    if url is None:
        fail("did not print its address")
    keys = {}
    for line in lines:
        if line.startswith("Sandbox department API keys"):
            keys = dict(p.split("=", 1) for p in line.split(": ", 1)[1].strip().split(", "))
    # "startup": what it printed up to Ready (addresses and keys); "log": the file with all of
    # its output since.
    yield {"url": url, "keys": keys, "process": proc, "log": log, "startup": lines,
           "readiness": {"answers": answers, "printed": printed}}
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def platform_url(local_platform: dict[str, object]) -> str:
    return str(local_platform["url"])
