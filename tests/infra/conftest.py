"""One synthesized cloud assembly per test session, shared by every infra test."""

from __future__ import annotations

import pytest
from infra_synth import STAGE, Synth, synthesize


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The platform as ``cdk synth -c stage=dev`` produces it (bundling skipped)."""
    return synthesize(tmp_path_factory.mktemp("cdk.out"), {"stage": STAGE})
