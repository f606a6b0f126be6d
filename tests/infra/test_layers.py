"""The deps layer is the lock, built for Lambda's platform, the same on any machine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from infra_synth import Synth

from infra import layers
from infra.layers import (
    ARCHITECTURE,
    DEPS_DIR,
    DEPS_LOCK,
    PIP_PLATFORMS,
    PIP_PYTHON_VERSION,
    deps_asset_hash,
    pip_command,
)

PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==(\S+)", re.MULTILINE)
MANYLINUX = re.compile(r"manylinux_(\d+)_(\d+)_x86_64|manylinux(1|2010|2014)_x86_64")
LEGACY_GLIBC = {"1": (2, 5), "2010": (2, 12), "2014": (2, 17)}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    return {normalized(n.split("[")[0]): v for n, v in PIN.findall(path.read_text())}


def test_lock_pins_every_requirement_at_its_version_with_hashes() -> None:
    wanted, locked = pins(DEPS_DIR / "requirements.in"), pins(DEPS_LOCK)
    stale = {n: (v, locked.get(n)) for n, v in wanted.items() if locked.get(n) != v}
    assert not stale, f"requirements.in and the lock disagree (run `make lock`): {stale}"
    entries = re.split(r"\n(?=[A-Za-z0-9])", DEPS_LOCK.read_text().split("\n", 2)[2])
    assert len(entries) == len(locked)
    for entry in entries:
        assert "--hash=sha256:" in entry, f"no hash: {entry.splitlines()[0]}"


def test_pip_installs_only_the_locked_wheels_for_lambda() -> None:
    argv = pip_command(Path("requirements.txt"), Path("/out"))
    assert {"--require-hashes", "--no-deps", "--only-binary=:all:", "--no-compile"} <= set(argv)
    assert argv[argv.index("--python-version") + 1] == PIP_PYTHON_VERSION == "3.12"
    assert argv[argv.index("--target") + 1] == "/out/python"
    platforms = [argv[i + 1] for i, a in enumerate(argv) if a == "--platform"]
    assert platforms == list(PIP_PLATFORMS) and "manylinux_2_28_x86_64" in platforms
    assert ARCHITECTURE.name == "x86_64"


def test_asset_hash_is_the_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A different lock is a different layer; the same lock is the same asset (no rebuild)."""
    from aws_cdk import App, Stack

    def deps_key() -> str:
        app = App(outdir=str(tmp_path / "out"), context={"aws:cdk:bundling-stacks": []})
        stack = Stack(app, "S", env={"region": "ap-east-1"})
        built = layers.Layers(stack, "Layers")
        return str(stack.resolve(built.deps.node.default_child.content)["s3Key"])  # type: ignore[union-attr]

    original = deps_key()
    assert deps_key() == original
    changed = tmp_path / "requirements.txt"
    changed.write_text(DEPS_LOCK.read_text().replace("==", "== ", 1).replace("== ", "==") + "\n")
    assert deps_asset_hash(changed) != deps_asset_hash(DEPS_LOCK)
    monkeypatch.setattr(layers, "DEPS_LOCK", changed)
    assert deps_key() != original


def deps_layer_dir(synth: Synth) -> Path:
    _, _, layer = next(
        r for r in synth.resources("AWS::Lambda::LayerVersion", "workflows")
        if "third-party" in r[2]["Properties"]["Description"]
    )
    assert layer["Properties"]["CompatibleArchitectures"] == [ARCHITECTURE.name]
    return synth.outdir / f"asset.{layer['Properties']['Content']['S3Key'].removesuffix('.zip')}"


def test_built_layer_holds_exactly_the_lock(synth: Synth) -> None:
    built = deps_layer_dir(synth) / "python"
    installed = {}
    for wheel in built.glob("*.dist-info/METADATA"):
        meta = dict(re.findall(r"^(Name|Version): (.+)$", wheel.read_text(), re.MULTILINE))
        installed[normalized(meta["Name"])] = meta["Version"]
    assert installed == pins(DEPS_LOCK)
    # Nothing machine-specific: no console scripts (host interpreter paths), no bytecode.
    assert not (built / "bin").exists()
    assert not list(built.rglob("*.pyc"))


def test_built_layer_wheels_are_for_lambda_python_312_x86_64(synth: Synth) -> None:
    built = deps_layer_dir(synth) / "python"
    for wheel in built.glob("*.dist-info/WHEEL"):
        tags = re.findall(r"^Tag: (.+)$", wheel.read_text(), re.MULTILINE)
        assert tags, wheel
        for tag in tags:
            python, abi, platform = tag.split("-")
            if platform == "any":  # pure Python (py2/py3 tags alike)
                continue
            assert python == "cp312" or (abi == "abi3" and python.startswith("cp3")), tag
            assert abi in {"abi3", "cp312"}, tag
            glibc = []
            for part in platform.split("."):
                match = MANYLINUX.fullmatch(part)
                assert match, f"{wheel.parent.name}: {platform} is not Linux x86_64"
                glibc.append(LEGACY_GLIBC[match[3]] if match[3] else (int(match[1]),
                                                                      int(match[2])))
            assert min(glibc) <= (2, 28), f"{wheel.parent.name} needs glibc {min(glibc)}"
    for extension in built.rglob("*.cpython-*.so"):
        assert "cpython-312-x86_64-linux-gnu" in extension.name, extension.name


def test_functions_run_on_the_layers_architecture(synth: Synth) -> None:
    """Every function with our layers, the Chalice API's included, runs on the architecture
    the layers are built for, and `make lock` resolves for that platform too."""
    functions = [*synth.resources("AWS::Lambda::Function"),
                 *synth.resources("AWS::Serverless::Function")]
    ours = [(stack, logical, res) for stack, logical, res in functions
            if any("LayersCore" in str(ref) for ref in res["Properties"].get("Layers", []))]
    assert {res["Type"] for _, _, res in ours} == {"AWS::Lambda::Function",
                                                    "AWS::Serverless::Function"}
    wrong = [(s, lg, res["Properties"].get("Architectures")) for s, lg, res in ours
             if res["Properties"].get("Architectures") != [ARCHITECTURE.name]]
    assert not wrong, wrong
    makefile = (DEPS_DIR.parents[1] / "Makefile").read_text()
    assert f"--python-platform {ARCHITECTURE.name}-manylinux_2_28" in makefile


def test_development_runs_the_locked_versions() -> None:
    """`make env` installs the runtime dependencies at the lock's versions (constraints), so
    the unit and integration tests exercise what the deps layer ships."""
    from importlib.metadata import PackageNotFoundError, version

    drift = {}
    for name, pinned in pins(DEPS_LOCK).items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            drift[name] = (pinned, installed)
    assert not drift, f"locked vs installed (run `make env`): {drift}"
