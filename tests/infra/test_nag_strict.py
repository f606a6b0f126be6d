"""cdk-nag acknowledgements name the finding (``appliesTo``): a new wildcard fails the synth.

The AWS Solutions rules that report one finding per action or resource (IAM4 managed
policies, IAM5 wildcards) are acknowledged finding by finding, never for the whole rule, so a
statement added later with another wildcard is reported instead of passing under an old
reason. The second test adds such a statement to the API's role and synthesizes the whole app
in process (cdk.json's context, bundling skipped: the layers' content does not matter here).
"""

from __future__ import annotations

from pathlib import Path

from infra_synth import Synth, stack_name, synthesized

PER_FINDING = ("AwsSolutions-IAM4", "AwsSolutions-IAM5")


def test_wildcard_rules_are_acknowledged_per_finding(synth: Synth) -> None:
    whole_rule = []
    for name, template in synth.templates.items():
        for logical, resource in template["Resources"].items():
            for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get(
                    "rules_to_suppress", []):
                if rule["id"] in PER_FINDING or (
                        rule["id"].startswith(PER_FINDING) and "[" not in rule["id"]):
                    whole_rule.append(f"{name}/{logical}: {rule['id']}")
    assert not whole_rule, "acknowledge each finding (Rule[Action::...]):\n" + "\n".join(
        whole_rule)


def test_a_new_wildcard_action_fails_the_synth(tmp_path: Path) -> None:
    from aws_cdk import App
    from aws_cdk import aws_iam as iam
    from infra_synth import CDK_CONTEXT, SKIP_BUNDLING

    from infra.stacks.platform import build

    app = App(outdir=str(tmp_path), context={**CDK_CONTEXT, **SKIP_BUNDLING})
    stacks = build(app)
    api = stacks["api"]
    # The role already acknowledges Resource::* (actions with no resource scope) for other
    # statements: that reason must not cover a wildcard action.
    api.role.add_to_policy(iam.PolicyStatement(  # type: ignore[attr-defined]
        actions=["states:Start*"], resources=["*"]))
    result = synthesized(app, tmp_path)
    assert result.error is not None, "cdk-nag let a new wildcard action through"
    findings = [
        f"{v['ruleName']} {c['constructPath']}"
        for report in result.report["pluginReports"]
        for v in report.get("violations", [])
        for c in v["violatingConstructs"]
    ]
    # Exactly the new wildcard, on the role it was added to; nothing else fails.
    assert [f.split(" ")[0] for f in findings] == ["AwsSolutions-IAM5[Action::states:Start*]"]
    assert findings[0].split(" ")[1].startswith(f"{stack_name('api')}/HandlerRole/"), findings
