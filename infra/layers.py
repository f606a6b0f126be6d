"""The two Lambda layers every function uses: our ``iamsmart`` package and its dependencies.

* core: ``layers/core`` already has the layer layout (``python/iamsmart``), so it is a plain
  asset.
* deps: built from ``layers/deps/requirements.txt`` by ``pip`` on this machine (local bundling,
  no Docker), fetching wheels for the Lambda platform (manylinux2014 x86_64, CPython 3.12).
  Tests skip bundling (context ``aws:cdk:bundling-stacks = []``) and stay offline.

Each stack that needs the layers builds them itself (same asset hash, uploaded once): a layer
version exported from one stack to another cannot be replaced while it is imported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.names import APP, ROOT

# x86_64: the manylinux2014_x86_64 wheels below must match the functions' architecture, and
# chalice packages the API for x86_64 too. Switch both (and PIP_PLATFORM) together.
RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.X86_64
PIP_PLATFORM = "manylinux2014_x86_64"
PIP_PYTHON_VERSION = "3.12"

CORE_DIR = ROOT / "layers" / "core"
# Never shipped: build leftovers, and the sandbox card issuer's private key (AWS only ever
# holds the public signing CA; the sandbox cards are issued on developers' machines).
CORE_EXCLUDE = ("**/__pycache__", "**/*.pyc", "**/*.egg-info", "**/*.egg-info/**",
                "**/*-key.pem")
DEPS_DIR = ROOT / "layers" / "deps"


def pip_command(requirements: Path, target: Path) -> list[str]:
    """The pip invocation that fills a layer's ``python/`` directory with Lambda wheels."""
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--requirement",
        str(requirements),
        "--target",
        str(target / "python"),
        "--platform",
        PIP_PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        PIP_PYTHON_VERSION,
        "--only-binary=:all:",
        "--no-compile",
        "--disable-pip-version-check",
        "--quiet",
    ]


@jsii.implements(ILocalBundling)
class PipLocalBundling:
    """Runs pip on the synthesizing machine instead of in a Docker container."""

    def __init__(self, requirements: Path) -> None:
        self._requirements = requirements

    def try_bundle(self, output_dir: str, *_args: object, **_options: object) -> bool:
        result = subprocess.run(  # noqa: S603 (fixed argv, no shell)
            pip_command(self._requirements, Path(output_dir)),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            # Falling back to Docker would fail later and hide the reason: stop here.
            raise RuntimeError(f"pip could not build the deps layer:\n{result.stderr}")
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
        requirements = DEPS_DIR / "requirements.txt"
        self.deps = lambda_.LayerVersion(
            self,
            "Deps",
            description=f"{APP}: third-party runtime dependencies (requirements.txt)",
            code=lambda_.Code.from_asset(
                str(DEPS_DIR),
                # The source (requirements.txt) decides the hash, so a skipped bundling step
                # (tests) and a real one (deploy) name the same asset.
                asset_hash_type=AssetHashType.SOURCE,
                bundling=BundlingOptions(
                    # Never pulled: local bundling always succeeds or raises.
                    image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.12"),
                    local=PipLocalBundling(requirements),
                    command=["false"],
                ),
            ),
            **compatible,
        )
        self.all: list[lambda_.ILayerVersion] = [self.core, self.deps]
