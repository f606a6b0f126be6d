"""cfn-lint (pinned in pyproject.toml) finds no error in any template that deploys.

Each template is linted for the region its stack deploys to (a resource type missing in that
region is an error there), with cfn-lint's library API in this process (one start for all).
"""

from __future__ import annotations

from infra_synth import Synth


def test_cfn_lint_reports_no_error_on_any_template(synth: Synth) -> None:
    from cfnlint.api import ManualArgs, lint

    assert len(synth.templates) >= 7
    errors, advice = [], []
    for name in sorted(synth.templates):
        path = synth.outdir / f"{name}.template.json"
        region = synth.manifest_region(name)
        for match in lint(path.read_text(), config=ManualArgs(regions=[region])):
            line = f"{name} ({region}) {match.rule.id} {match.linenumber}: {match.message}"
            (errors if match.rule.id.startswith("E") else advice).append(line)
    assert not errors, "\n".join(errors)
