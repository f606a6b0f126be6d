"""The environments ``make bootstrap`` bootstraps: every (account, region) of the app's stacks.

Read from a synthesized cloud assembly (``cdk.out/manifest.json``), so a stack moved to another
region (the faces stack follows the face region, CloudFront's logs live in us-east-1) is
bootstrapped without anyone editing a list. Offline the account is ``unknown-account``, which
the CDK CLI resolves to the credentials' account at bootstrap time.

``python -m infra.bootstrap [cdk.out]`` prints them space-separated for ``cdk bootstrap``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

STACK_ARTIFACT = "aws:cloudformation:stack"


def environments(assembly: Path) -> list[str]:
    """``aws://<account>/<region>`` of every stack in ``assembly``, once each, sorted."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    found = {
        artifact["environment"]
        for artifact in manifest.get("artifacts", {}).values()
        if artifact.get("type") == STACK_ARTIFACT
    }
    unusable = sorted(env for env in found if env.endswith("/unknown-region"))
    if unusable:
        raise ValueError(f"stacks without a region cannot be bootstrapped: {unusable}")
    return sorted(found)


def main(argv: list[str]) -> int:
    assembly = Path(argv[1] if len(argv) > 1 else "cdk.out")
    print(" ".join(environments(assembly)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
