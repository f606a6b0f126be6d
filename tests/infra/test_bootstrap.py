"""``make bootstrap`` covers every (account, region) the app deploys to, computed from cdk.out.

Bootstrapping needs credentials, so only the computation and the printed command are tested.
"""

from __future__ import annotations

import subprocess

from infra_synth import Synth

from infra.bootstrap import environments
from infra.names import FACES_REGION, REGION, ROOT
from infra.stacks.edge import EDGE_REGION


def test_every_stack_region_is_bootstrapped_once(synth: Synth) -> None:
    envs = environments(synth.outdir)
    assert envs == sorted({synth.environment(stack) for stack in synth.templates})
    regions = [env.rsplit("/", 1)[1] for env in envs]
    assert sorted(regions) == sorted({REGION, EDGE_REGION, FACES_REGION})
    assert all(env.startswith("aws://") for env in envs)


def test_make_bootstrap_runs_the_pinned_cli_on_those_environments(synth: Synth) -> None:
    dry = subprocess.run(["make", "-n", "--no-print-directory", "bootstrap"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert "npx --no-install cdk bootstrap" in dry
    assert "python -m infra.bootstrap cdk.out" in dry
    printed = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "infra.bootstrap", str(synth.outdir)],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert printed == environments(synth.outdir)
