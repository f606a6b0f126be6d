"""The admin CLIs (``tools``) as an operator runs them against the local emulator: moto's
server started afresh (``moto_emulator``), and each CLI a new process that reaches it only
through ``--endpoint-url`` (``run_tool``)."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from moto.server import ThreadedMotoServer

from infra.local import provision
from infra.local.platform import apply_environment, local_environment
from infra.names import ROOT, TABLES


@contextmanager
def moto_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's server with every table, this process configured for it; yields its URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        # moto's backends are process-wide: start from nothing, whatever ran before.
        urllib.request.urlopen(urllib.request.Request(  # noqa: S310 - loopback
            f"{endpoint}/moto-api/reset", method="POST"), timeout=10).close()
        env = local_environment(endpoint, {})
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        apply_environment(env)
        provision.create_tables()
        yield endpoint
    finally:
        apply_environment({})
        server.stop()


def run_tool(module: str, endpoint: str, *argv: str,
             ambient_credentials: bool = True) -> tuple[int, str, str]:
    """``python -m <module> --endpoint-url <endpoint> ...`` in a new process, without the
    table names of this one (the CLI derives them from its own options). With
    ``ambient_credentials`` False it gets no ``AWS_*`` variable at all."""
    if ambient_credentials:
        env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
        env.update({"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"})
    else:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{ROOT}/layers/core/python"
    for spec in TABLES.values():
        env.pop(spec.env, None)
    answer = subprocess.run(  # noqa: S603 - the project's own CLI
        [sys.executable, "-m", module, "--endpoint-url", endpoint, *argv],
        capture_output=True, text=True, timeout=60, check=False, cwd=ROOT, env=env)
    return answer.returncode, answer.stdout, answer.stderr
