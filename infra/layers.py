"""The two Lambda layers every function uses: our ``iamsmart`` package and its dependencies.

* core: ``layers/core`` already has the layer layout (``python/iamsmart``), so it is a plain
  asset.
* deps: ``layers/deps/requirements.in`` lists what we use (pinned); ``requirements.txt`` is
  its lock: every transitive version with the sha256 of every file PyPI has for it
  (``make lock`` writes it with uv, resolving for CPython 3.12 on manylinux_2_28 x86_64).
  The layer is built from the lock by ``pip`` on the synthesizing machine (local bundling, no
  Docker) with ``--require-hashes --no-deps --only-binary=:all:`` and Lambda's platform tags,
  so every machine installs the very same wheels; scripts pip writes with this machine's
  interpreter path (``python/bin``) are removed and nothing is byte-compiled, so the layer's
  files are the same on any machine. The asset hash is the lock plus this build recipe
  (:func:`deps_asset_hash`): a changed lock is a new layer, and an unchanged one is not
  rebuilt (CDK reuses ``cdk.out/asset.<hash>`` between synths).

Architecture: x86_64. Lambda's python3.12 runtime runs on Amazon Linux 2023 (glibc 2.34) for
both architectures, and arm64 would be ~20 % cheaper per GB-second; we keep x86_64 because the
machines that synthesize and test (developers', CI) are x86_64: ``make test`` imports every
function's handler from the built assets and layers on CPython 3.12 (tests/infra/
test_assets_import.py), which executes the layer's compiled wheels (cryptography, pydantic-core,
pillow, cbor2, cffi) only if they are built for the machine running the test. Moving to arm64
means building and smoke-testing on arm64: switch ``ARCHITECTURE`` and ``PIP_PLATFORMS``
together, and ``make lock`` with ``--python-platform aarch64-manylinux_2_28``. The Chalice API
(infra/stacks/api.py) is packaged without native dependencies (functions/api/requirements.txt is
empty) and its function is given the same ``ARCHITECTURE``.

Each stack that needs the layers builds them itself (same asset hash, uploaded once): a layer
version exported from one stack to another cannot be replaced while it is imported.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.names import APP, ROOT

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.X86_64
PIP_PYTHON_VERSION = "3.12"
# Lambda's python3.12 runs on Amazon Linux 2023 (glibc 2.34): any manylinux wheel up to 2_28
# loads there (pillow 13 and cbor2 6.3 publish only manylinux_2_27/2_28 wheels for cp312).
# pip does not widen an explicit --platform to older manylinux tags itself: list them all.
PIP_PLATFORMS = (
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_26_x86_64",
    "manylinux_2_24_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux_2_12_x86_64",
    "manylinux2010_x86_64",
    "manylinux_2_5_x86_64",
    "manylinux1_x86_64",
)

CORE_DIR = ROOT / "layers" / "core"
# Never shipped: build leftovers, and any key file (the sandbox card issuer's private key
# lives in infra/sandbox, outside the layer; tests/infra/test_configuration.py fails if a
# private key would ship).
CORE_EXCLUDE = ("**/__pycache__", "**/*.pyc", "**/*.egg-info", "**/*.egg-info/**",
                "**/*-key.pem")
DEPS_DIR = ROOT / "layers" / "deps"
DEPS_LOCK = DEPS_DIR / "requirements.txt"
# Bump when the build recipe changes in a way the argv below does not show.
DEPS_RECIPE_VERSION = 1


def pip_command(lock: Path, target: Path) -> list[str]:
    """The pip invocation that fills a layer's ``python/`` directory with Lambda wheels."""
    platforms = [arg for platform in PIP_PLATFORMS for arg in ("--platform", platform)]
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--requirement",
        str(lock),
        "--require-hashes",
        "--no-deps",
        "--target",
        str(target / "python"),
        *platforms,
        "--implementation",
        "cp",
        "--python-version",
        PIP_PYTHON_VERSION,
        "--only-binary=:all:",
        "--no-compile",
        "--disable-pip-version-check",
        "--quiet",
    ]


def deps_asset_hash(lock: Path = DEPS_LOCK) -> str:
    """The deps layer's asset hash: the lock's bytes and the recipe that builds it."""
    recipe = pip_command(Path("LOCK"), Path("OUT"))[1:]  # not this machine's interpreter path
    digest = hashlib.sha256()
    digest.update(json.dumps({"recipe": recipe, "version": DEPS_RECIPE_VERSION,
                              "architecture": ARCHITECTURE.name}).encode())
    digest.update(lock.read_bytes())
    return digest.hexdigest()


def build_deps(lock: Path, output_dir: Path) -> None:
    """Install the lock into ``output_dir/python`` as Lambda will see it (raises on failure)."""
    result = subprocess.run(  # noqa: S603 (fixed argv, no shell)
        pip_command(lock, output_dir), capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        # Falling back to Docker would fail later and hide the reason: stop here.
        raise RuntimeError(f"pip could not build the deps layer:\n{result.stderr}")
    # Console scripts carry this machine's interpreter path and never run in Lambda.
    shutil.rmtree(output_dir / "python" / "bin", ignore_errors=True)


@jsii.implements(ILocalBundling)
class PipLocalBundling:
    """Runs pip on the synthesizing machine instead of in a Docker container."""

    def __init__(self, lock: Path) -> None:
        self._lock = lock

    def try_bundle(self, output_dir: str, *_args: object, **_options: object) -> bool:
        build_deps(self._lock, Path(output_dir))
        return True


class Layers(Construct):
    """``core`` (iamsmart) and ``deps`` (third-party) layer versions, in that order in ``all``."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        compatible = {
            "compatible_runtimes": [RUNTIME],
            "compatible_architectures": [ARCHITECTURE],
        }
        self.core = lambda_.LayerVersion(
            self,
            "Core",
            description=f"{APP}: the iamsmart package",
            code=lambda_.Code.from_asset(
                str(CORE_DIR),
                exclude=[*CORE_EXCLUDE],
            ),
            **compatible,
        )
        self.deps = lambda_.LayerVersion(
            self,
            "Deps",
            description=f"{APP}: third-party runtime dependencies (layers/deps lock)",
            code=lambda_.Code.from_asset(
                str(DEPS_DIR),
                asset_hash_type=AssetHashType.CUSTOM,
                asset_hash=deps_asset_hash(DEPS_LOCK),
                bundling=BundlingOptions(
                    # Never pulled: local bundling always succeeds or raises.
                    image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.12"),
                    local=PipLocalBundling(DEPS_LOCK),
                    command=["false"],
                ),
            ),
            **compatible,
        )
        self.all: list[lambda_.ILayerVersion] = [self.core, self.deps]
