"""One synthesized cloud assembly per test session, shared by every infra test."""

from __future__ import annotations

import pytest
from infra_synth import Synth, synthesize_with_cli


@pytest.fixture(scope="session")
def synth() -> Synth:
    """The platform as ``make synth`` (= ``npx cdk synth``, cdk.json's ``stage=dev``) writes it
    to cdk.out: the templates and assets that ``cdk deploy`` uploads."""
    return synthesize_with_cli()
