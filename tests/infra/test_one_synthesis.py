"""`make synth`, the infra tests and `npx cdk synth` are one synthesis: the pinned CLI running
cdk.json's app with cdk.json's context, nothing else (so the templates are byte-identical)."""

from __future__ import annotations

import json
import subprocess
import sys

from infra_synth import CDK_CONTEXT, Synth

from infra.names import ROOT


def test_make_synth_is_the_pinned_cli_with_cdk_json_alone() -> None:
    dry = subprocess.run(["make", "-n", "--no-print-directory", "synth"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    command = next(line for line in dry.splitlines() if " cdk synth" in line)
    assert "npx --no-install cdk synth" in command
    assert "--app" not in command and " -c " not in command and "--context" not in command
    cdk_json = json.loads((ROOT / "cdk.json").read_text())
    assert cdk_json["app"] == ".venv/bin/python app.py"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/aws-cdk"]["version"]
    assert json.loads((ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"] == pinned


def test_the_app_refuses_to_run_without_the_cli() -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, capture_output=True,
                            text=True, env=env, check=False)
    assert result.returncode != 0 and "make synth" in result.stderr


def test_the_session_synth_applied_cdk_json_feature_flags(synth: Synth) -> None:
    assert CDK_CONTEXT["@aws-cdk/core:enablePartitionLiterals"] is True
    text = "".join(json.dumps(t) for t in synth.templates.values())
    # grant_signing's key ARN: a literal partition (without the flag: Ref AWS::Partition).
    assert '"arn:aws:kms:' in text
