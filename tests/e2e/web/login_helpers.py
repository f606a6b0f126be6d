"""Helpers shared by the login end-to-end tests: the sandbox department service's address, the
device simulator CLI (``python -m tools.device``) as a citizen's app, and plain-HTTP steps
of a login (a module of its own: ``conftest`` is not importable by name)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from infra.names import ROOT

TIMEOUT = 10


def department_url(local_platform: dict[str, Any]) -> str:
    """The sandbox department service's URL, as the local platform printed it."""
    for line in local_platform["startup"]:
        match = re.match(r"Sandbox department service: (http://\S+)", line)
        if match:
            return match.group(1)
    raise AssertionError("the local platform did not print the sandbox department service")


class DeviceSimulator:
    """A sandbox citizen's app: the device simulator CLI with its own state file."""

    def __init__(self, base_url: str, state: Path) -> None:
        self.base_url, self.state = base_url, state

    def run(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "tools.device", "--base-url", self.base_url,
             "--state", str(self.state), *args],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, f"device {args[0]} failed: {done.stdout}{done.stderr}"
        return done.stdout

    def enrol(self, code: str) -> str:
        return self.run("enrol", "--code", code, "--label", "e2e test phone")

    def approve(self, qr: str, number: int) -> str:
        return self.run("approve", "--qr", qr, "--number", str(number))

    def deny(self, qr: str) -> str:
        return self.run("deny", "--qr", qr)


def txn_of(url: str) -> str:
    """The login (or consent) transaction id in a /login.html?txn=... or /consent.html URL."""
    return parse_qs(urlsplit(url).query)["txn"][0]


def wait_for_status(http: requests.Session, base_url: str, txn: str, wanted: str,
                    timeout: float = 10.0) -> dict[str, Any]:
    """Poll GET /v1/login/{txn} (as the login page does) until it reaches ``wanted``."""
    deadline = time.monotonic() + timeout
    while True:
        answer = http.get(f"{base_url}/v1/login/{txn}", timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        if body["status"] == wanted:
            return dict(body)
        assert body["status"] == "pending", body
        assert time.monotonic() < deadline, f"login still {body['status']}"
        time.sleep(0.3)
