"""Every function as it deploys imports its handler on CPython 3.12 from what ships, alone.

For each Lambda function of ours in cdk.out (the Chalice API's package and every task
function), its code asset and its layers' ``python/`` directories are the only paths given to
a CPython 3.12 started with ``-I -S -B`` (no site-packages, no user paths, no PYTHON*
variables, no bytecode written into the assets):
the handler module must import and the handler must be callable, with the function's own
environment variables. The layers' compiled wheels (cryptography, pydantic-core, pillow, cbor2)
are loaded for real, which is why the layers are built for x86_64 (infra/layers.py).

Python 3.12 is found as ``$PYTHON312``, ``python3.12`` on PATH, or pyenv's 3.12; without one
the test fails and says how to get it.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from infra_synth import Synth

from infra.layers import RUNTIME

PLACEHOLDER = "unresolved-at-synth"  # a CloudFormation reference in an environment variable

PROBE = r"""
import importlib, json, sys
paths, module, names = json.loads(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
assert sys.version_info[:2] == (3, 12), sys.version
sys.path[:0] = paths
loaded = importlib.import_module(module)
missing = [n for n in names if not callable(getattr(loaded, n, None))]
assert not missing, f"not callable in {module}: {missing}"
shipped = [m.__name__ for m in list(sys.modules.values())
           if any(str(getattr(m, "__file__", "") or "").startswith(p) for p in paths)]
print(json.dumps(sorted(shipped)))
"""


def python312() -> str:
    """A CPython 3.12 interpreter, or a failure that says how to get one."""
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = [
        os.environ.get("PYTHON312"),
        *sorted(glob.glob(f"{pyenv_root}/versions/3.12*/bin/python3.12"), reverse=True),
        shutil.which("python3.12"),  # pyenv's shim answers here only if 3.12 is selected
    ]
    for candidate in candidates:
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                               capture_output=True, text=True, check=False)
        if probe.stdout.strip() == "(3, 12)":
            return candidate
    pytest.fail(
        "Lambda runs python3.12: the import smoke test needs a CPython 3.12 "
        "(`pyenv install 3.12`, or a python3.12 on PATH, or PYTHON312=/path/to/python3.12)."
    )


def asset_path(synth: Synth, stack: str, key: Any, tmp: Path) -> Path:
    """The directory an S3 code key of ``stack`` unpacks to (zip files are extracted)."""
    manifest = json.loads((synth.outdir / f"{stack}.assets.json").read_text())
    asset_id = str(key).removesuffix(".zip")
    source = synth.outdir / manifest["files"][asset_id]["source"]["path"]
    if source.is_dir():
        return source
    unpacked = tmp / asset_id
    if not unpacked.is_dir():
        with zipfile.ZipFile(source) as archive:
            archive.extractall(unpacked)
    return unpacked


def environment(props: dict[str, Any], region: str) -> dict[str, str]:
    variables = props.get("Environment", {}).get("Variables", {})
    env = {k: v if isinstance(v, str) else PLACEHOLDER for k, v in variables.items()}
    return {
        **env,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": str(props.get("FunctionName", "")),
        "LANG": "en_US.UTF-8",
        "PATH": "/usr/bin:/bin",
    }


def our_functions(synth: Synth, tmp: Path) -> dict[tuple[str, ...], dict[str, Any]]:
    """(code dir, *layer dirs, module) -> the handler names and one function's environment,
    for every python3.12 function that uses our layers (CDK's own helpers are not ours)."""
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    functions = [*synth.resources("AWS::Lambda::Function"),
                 *synth.resources("AWS::Serverless::Function")]  # Chalice's SAM template
    for stack, _, res in functions:
        props = res["Properties"]
        resources = synth.templates[stack]["Resources"]
        layer_refs = [ref["Ref"] for ref in props.get("Layers", []) if "Ref" in ref]
        if not layer_refs or "LayersCore" not in layer_refs[0]:
            continue
        assert props["Runtime"] == RUNTIME.name
        code = props.get("Code") or props["CodeUri"]
        layers = [asset_path(synth, stack, resources[r]["Properties"]["Content"]["S3Key"], tmp)
                  for r in layer_refs]
        module, _, name = props["Handler"].rpartition(".")
        region = synth.manifest_region(stack)
        key = (str(asset_path(synth, stack, code.get("S3Key") or code["Key"], tmp)),
               *(str(layer / "python") for layer in layers), module)
        group = groups.setdefault(key, {"names": [], "env": environment(props, region)})
        group["names"].append(name)
    return groups


def test_every_handler_imports_from_its_assets_on_python_312(
        synth: Synth, tmp_path: Path) -> None:
    python = python312()
    groups = our_functions(synth, tmp_path)
    handlers = {f"{Path(k[0]).name}:{k[-1]}.{n}" for k, g in groups.items() for n in g["names"]}
    # The Chalice API and every task function (infra.names.FUNCTIONS).
    from infra.names import FUNCTIONS

    assert len(handlers) >= 1 + len({(s.asset, s.handler) for s in FUNCTIONS.values()})
    failures = []
    for (*paths, module), group in groups.items():
        result = subprocess.run(
            # -B: never write __pycache__ into cdk.out's assets (they would ship).
            [python, "-I", "-S", "-B", "-c", PROBE, json.dumps(paths), module,
             json.dumps(group["names"])],
            capture_output=True, text=True, env=group["env"], cwd=tmp_path, timeout=180,
            check=False,
        )
        if result.returncode != 0:
            failures.append(f"{module} from {paths[0]}:\n{result.stderr[-3000:]}")
            continue
        shipped = json.loads(result.stdout)
        assert module in shipped
    assert not failures, "\n\n".join(failures)
