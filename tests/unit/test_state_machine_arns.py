"""Which machine to start comes from configuration alone, the same variables in AWS (the CDK)
and locally (the local platform's environment): no ARN is derived from another resource's
ARN or an STS call, and a machine that is not configured fails closed."""

from __future__ import annotations

import pytest

from iamsmart import errors
from iamsmart.common import express
from iamsmart.settings import Settings
from infra.local.platform import local_environment
from infra.names import STATE_MACHINES, state_machine_environment

STARTED_BY_CODE = ("registration", "face-stepup", "exchange-fetch")  # feeds: a schedule


def test_each_machine_the_code_starts_has_a_setting_and_a_local_value():
    fields = set(Settings.model_fields)
    env = local_environment(None, {})
    for machine_id in STARTED_BY_CODE:
        spec = STATE_MACHINES[machine_id]
        assert spec.env.lower() in fields, spec.env
        assert env[spec.env].endswith(f":stateMachine:{spec.name}")
    arns = state_machine_environment("ap-east-1", "111122223333", "prod")
    assert arns["FACE_STEPUP_STATE_MACHINE_ARN"] == (
        "arn:aws:states:ap-east-1:111122223333:stateMachine:iamsmart-prod-face-stepup")


def test_an_express_machine_not_configured_is_unavailable_and_nothing_starts():
    with pytest.raises(errors.Unavailable) as refused:
        express.run("", {"x": 1})
    assert refused.value.code == "temporarily_unavailable"
