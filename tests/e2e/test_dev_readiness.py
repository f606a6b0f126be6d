"""`make dev` (``python -m infra.local``): readiness means ready. A script that waits for
``/healthz`` finds the keys and addresses already printed (issue 11, item 19)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from infra.names import ROOT


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_keys_and_addresses_are_printed_before_healthz_answers() -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PORT"] = str(port)
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own launcher
            [sys.executable, "-m", "infra.local"], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(  # noqa: S310 - loopback
                            f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
                        if resp.status == 200:
                            break
                except urllib.error.HTTPError as exc:
                    assert exc.code == 503 and exc.headers["Retry-After"] == "1"
                except OSError:
                    pass  # not listening yet
                assert proc.poll() is None, "the platform stopped"
                time.sleep(0.05)
            else:
                raise AssertionError("/healthz never answered 200")
            # What is in the file now was written before /healthz said ready.
            out.seek(0)
            printed = out.read()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert "Sandbox department API keys (header x-api-key): " in printed, printed
    assert "Sandbox registration keys" in printed
    assert "Sandbox department service: http://" in printed
    assert "Sandbox bank service: http://" in printed
