"""`make dev` (``python -m infra.local``): readiness means ready. A script that waits for
``/healthz`` finds the keys and addresses already printed (issue 11, item 19).

The session's platform (tests/e2e/conftest.py, ``local_platform``) is started exactly so:
``python -m infra.local`` with its output in a file, /healthz polled from the start; the
fixture keeps what /healthz answered before 200 and what the file held when it first did."""

from __future__ import annotations

from typing import Any


def test_keys_and_addresses_are_printed_before_healthz_answers(
        local_platform: dict[str, Any]) -> None:
    readiness = local_platform["readiness"]
    # Before ready: 503 with Retry-After 1 (or nothing listening yet), never another answer.
    assert all(answer == (503, "1") for answer in readiness["answers"]), readiness["answers"]
    # What is in the file was written before /healthz said ready.
    printed = readiness["printed"]
    assert "Sandbox department API keys (header x-api-key): " in printed, printed
    assert "Sandbox registration keys" in printed
    assert "Sandbox department service: http://" in printed
    assert "Sandbox bank service: http://" in printed
