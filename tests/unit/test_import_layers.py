"""The import-linter contracts in pyproject.toml hold for the code, and fail when a circle is
introduced (in a copy of the package: one import added, even inside a function)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "layers" / "core" / "python" / "iamsmart"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(tmp_path: Path, mutate: tuple[str, str] | None = None) -> subprocess.CompletedProcess:
    """lint-imports with the project's configuration on a copy of iamsmart; ``mutate``
    appends a function with one import to a module of the copy (relative path, module)."""
    src = tmp_path / "src"
    shutil.copytree(SOURCE, src / "iamsmart",
                    ignore=shutil.ignore_patterns("__pycache__", "*.json", "*.pem", "*.jpg"))
    if mutate is not None:
        path, imported = mutate
        with (src / "iamsmart" / path).open("a", encoding="utf-8") as module:
            module.write(f"\n\ndef _added_for_the_test() -> None:\n    import {imported}  # noqa\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, env=env,  # noqa: S603
                          capture_output=True, text=True, timeout=300)


def test_the_code_keeps_every_contract(tmp_path):
    run = _lint(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.mark.parametrize(("path", "imported", "contract"), [
    # the OpenID Provider reaching up into data exchange (the circle issue 12 removed)
    ("oidc/grants.py", "iamsmart.exchange.login", "Contexts in layers"),
    # identity reaching up into the OpenID Provider
    ("identity/devices.py", "iamsmart.oidc.dpop", "Contexts in layers"),
    # a shared mechanism reaching up into a context
    ("common/replay.py", "iamsmart.identity.sessions", "Contexts in layers"),
    # the face-engine port importing an adapter (which imports the port): a module circle
    ("faces/engine.py", "iamsmart.faces.local", "No circle between sibling"),
    # a module beside its context's data-access module reaching DynamoDB itself
    ("identity/login.py", "iamsmart.dynamo", "Only a context's data-access module"),
    ("catalogue/search.py", "pynamodb.models", "Only a context's data-access module"),
    # production code importing the local platform
    ("oidc/tokens.py", "infra.local", "never imports the platform"),
    # ... or the command-line tools (the admin CLIs, the app simulator)
    ("registration/card.py", "tools.device", "never imports the platform"),
])
def test_an_added_import_breaks_a_contract(tmp_path, path, imported, contract):
    run = _lint(tmp_path, (path, imported))
    assert run.returncode != 0
    broken = [line for line in run.stdout.splitlines() if " BROKEN" in line]
    assert any(contract in line for line in broken), run.stdout
