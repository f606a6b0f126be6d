"""Synthesizing the app once and reading the result (used by conftest.py and the tests).

The session's synthesis is ``make synth``: the pinned CDK CLI (``npx cdk synth``) with
cdk.json's context (feature flags included) and bundling, into the repository's ``cdk.out``,
i.e. literally the command an operator runs before ``cdk deploy``, so the tests read the
templates and assets that deploy. The deps layer's bundle is reused from ``cdk.out`` while its
asset hash (the lock) is unchanged. cdk-nag runs as a validation plugin; if it finds
unacknowledged errors the CLI exits non-zero after the templates are written, so the failure is
kept for ``test_nag`` and the other tests still see the templates.

``synthesized`` (in-process, for small apps built by a test) stays for cheap variations.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.names import ROOT, TABLES, resource_name

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}
# The stage the session's synthesis deploys (conftest.py): every name starts "iamsmart-dev-".
STAGE = "dev"


def stack_name(short: str) -> str:
    """``api`` -> ``iamsmart-dev-api``."""
    return resource_name(short, STAGE)


@dataclass
class Synth:
    outdir: Path
    seconds: float
    error: str | None
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    stage: str = STAGE

    @property
    def report(self) -> dict[str, Any]:
        path = self.outdir / "validation-report.json"
        return json.loads(path.read_text()) if path.is_file() else {"pluginReports": []}

    def template(self, short: str) -> dict[str, Any]:
        return self.templates[resource_name(short, self.stage)]

    def resources(self, type_: str, stack: str | None = None) -> Iterator[tuple[str, str, dict]]:
        """(stack name, logical id, resource) for every resource of ``type_``."""
        names = [resource_name(stack, self.stage)] if stack else list(self.templates)
        for name in names:
            for logical, resource in self.templates[name]["Resources"].items():
                if resource["Type"] == type_:
                    yield name, logical, resource

    def one(self, type_: str, stack: str, **props: Any) -> tuple[str, dict]:
        """The resource of ``type_`` in ``stack`` whose properties include ``props``."""
        found = [
            (logical, res)
            for _, logical, res in self.resources(type_, stack)
            if all(res.get("Properties", {}).get(k) == v for k, v in props.items())
        ]
        assert len(found) == 1, f"expected one {type_} with {props} in {stack}, got {found}"
        return found[0]

    # --- following references across stacks -------------------------------------------
    def exports(self) -> dict[str, tuple[str, Any]]:
        """Export name -> (exporting stack, exported value)."""
        out: dict[str, tuple[str, Any]] = {}
        for name, template in self.templates.items():
            for output in template.get("Outputs", {}).values():
                export = output.get("Export", {}).get("Name")
                if export:
                    out[export] = (name, output["Value"])
        return out

    def referenced_logical_ids(self, value: Any, stack: str) -> set[tuple[str, str]]:
        """Every (stack, logical id) a template value refers to, following imports."""
        found: set[tuple[str, str]] = set()
        exports = self.exports()

        def walk(v: Any, where: str) -> None:
            if isinstance(v, dict):
                if "Ref" in v and isinstance(v["Ref"], str) and not v["Ref"].startswith("AWS::"):
                    found.add((where, v["Ref"]))
                if "Fn::GetAtt" in v:
                    found.add((where, v["Fn::GetAtt"][0]))
                if "Fn::ImportValue" in v and isinstance(v["Fn::ImportValue"], str):
                    source, exported = exports[v["Fn::ImportValue"]]
                    walk(exported, source)
                    return
                for item in v.values():
                    walk(item, where)
            elif isinstance(v, list):
                for item in v:
                    walk(item, where)

        walk(value, stack)
        return found

    def tables_referenced(self, value: Any, stack: str) -> set[str]:
        """The ``infra.names.TABLES`` ids whose table or key ``value`` refers to."""
        by_resource = self.table_resources()
        refs = self.referenced_logical_ids(value, stack)
        return {by_resource[ref] for ref in refs if ref in by_resource}

    def table_resources(self) -> dict[tuple[str, str], str]:
        """(stack, logical id) of each table and of its KMS key -> table id."""
        names = {spec.name_in(self.stage): spec.id for spec in TABLES.values()}
        out: dict[tuple[str, str], str] = {}
        for stack, logical, table in self.resources("AWS::DynamoDB::Table"):
            table_id = names[table["Properties"]["TableName"]]
            out[(stack, logical)] = table_id
            key = table["Properties"]["SSESpecification"]["KMSMasterKeyId"]
            for ref in self.referenced_logical_ids(key, stack):
                out[ref] = table_id
        return out

    def manifest_region(self, stack: str) -> str:
        """The region ``stack`` deploys to, from the cloud assembly's manifest."""
        return self.environment(stack).rsplit("/", 1)[1]

    def environment(self, stack: str) -> str:
        """``aws://<account>/<region>`` of ``stack`` (account ``unknown-account`` offline)."""
        manifest = json.loads((self.outdir / "manifest.json").read_text())
        return str(manifest["artifacts"][stack]["environment"])

    def function_logical_id(self, stack: str, function_name: str) -> str:
        """The logical id of the function called ``function_name`` in ``stack`` (short name)."""
        for type_ in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            for _, logical, res in self.resources(type_, stack):
                if res["Properties"].get("FunctionName") == function_name:
                    return logical
        raise AssertionError(f"no function {function_name} in {stack}")

    def role_statements(self, stack: str, role_logical_id: str) -> list[dict[str, Any]]:
        """All statements granted to a role (inline policies, and attached AWS::IAM::Policy or
        AWS::IAM::ManagedPolicy: CDK moves statements to a managed "overflow" policy when the
        role's inline policy outgrows IAM's size limit)."""
        template = self.template(stack)
        role = template["Resources"][role_logical_id]["Properties"]
        statements = [s for p in role.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
        attached = [*self.resources("AWS::IAM::Policy", stack),
                    *self.resources("AWS::IAM::ManagedPolicy", stack)]
        for _, _, policy in attached:
            roles = policy["Properties"].get("Roles", [])
            if {"Ref": role_logical_id} in roles:
                statements += policy["Properties"]["PolicyDocument"]["Statement"]
        return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


CDK_OUT = ROOT / "cdk.out"
# cdk.json's context (feature flags included): what `npx cdk synth` gives the app.
CDK_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]


def synthesize_with_cli() -> Synth:
    """``make synth`` (the pinned CLI, bundling on) and the templates it wrote to cdk.out."""
    assert CDK_CONTEXT["stage"] == STAGE, "cdk.json's stage is the stage the tests expect"
    for stale in (*CDK_OUT.glob("*.template.json"), CDK_OUT / "validation-report.json"):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    result = subprocess.run(
        ["make", "--no-print-directory", "synth"], cwd=ROOT, capture_output=True, text=True,
        check=False, env={**os.environ, "MAKEFLAGS": ""},
    )
    seconds = time.perf_counter() - started
    error = None
    if result.returncode != 0:
        error = f"make synth exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    synth = Synth(outdir=CDK_OUT, seconds=seconds, error=error)
    for path in CDK_OUT.glob("*.template.json"):
        synth.templates[path.name.removesuffix(".template.json")] = json.loads(path.read_text())
    if not synth.templates:
        raise RuntimeError(error or "make synth wrote no template")
    return synth


def synthesize(outdir: Path, context: dict[str, Any]) -> Synth:
    """The whole app synthesized in this process with cdk.json's context plus ``context``
    (bundling skipped: for tests that change the app, e.g. to show that nag catches it)."""
    from aws_cdk import App

    from infra.stacks.platform import build

    started = time.perf_counter()
    app = App(outdir=str(outdir), context={**CDK_CONTEXT, **SKIP_BUNDLING, **context})
    build(app)
    return synthesized(app, outdir, started)


def synthesized(app: Any, outdir: Path, started: float | None = None) -> Synth:
    """Synthesize ``app`` into ``outdir`` and load its templates (keeping a nag failure)."""
    started = time.perf_counter() if started is None else started
    error = None
    stage = app.node.try_get_context("stage") or STAGE
    try:
        app.synth()
    except RuntimeError as exc:  # jsii surfaces CDK's validation failure this way
        if "ValidationFailed" not in str(exc):
            raise
        error = str(exc)
    synth = Synth(outdir=outdir, seconds=time.perf_counter() - started, error=error,
                  stage=stage)
    for path in outdir.glob("*.template.json"):
        synth.templates[path.name.removesuffix(".template.json")] = json.loads(path.read_text())
    return synth
