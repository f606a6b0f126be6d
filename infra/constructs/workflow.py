"""A Step Functions state machine loaded from its ASL file under ``statemachines/``."""

from __future__ import annotations

import re
from collections.abc import Mapping

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.constructs.nag import acknowledge
from infra.names import StateMachineSpec, substitution_key
from infra.stacks.config import DeployConfig

PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def placeholders(asl_text: str) -> set[str]:
    """The ``${Name}`` definition substitutions an ASL document expects."""
    return set(PLACEHOLDER.findall(asl_text))


class AslStateMachine(Construct):
    """ASL file + ``${<Function>Arn}`` substitutions, logging (ALL) and X-Ray, invoke grants."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: StateMachineSpec,
        functions: Mapping[str, lambda_.IFunction],
        config: DeployConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        if not spec.path.is_file():
            raise FileNotFoundError(f"{spec.id}: no ASL definition at {spec.path}")
        substitutions = {
            substitution_key(fid): functions[fid].function_arn for fid in spec.functions
        }
        missing = placeholders(spec.path.read_text(encoding="utf-8")) - substitutions.keys()
        if missing:
            # CloudFormation would deploy the literal "${...}" and fail at run time.
            raise ValueError(
                f"{spec.file} uses {sorted(missing)}, not substituted by "
                f"infra.names.STATE_MACHINES[{spec.id!r}].functions"
            )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{spec.name_in(config.stage)}",
            retention=config.log_retention,
            removal_policy=config.removal_policy,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=spec.name_in(config.stage),
            state_machine_type=(
                sfn.StateMachineType.EXPRESS if spec.express else sfn.StateMachineType.STANDARD
            ),
            definition_body=sfn.DefinitionBody.from_file(str(spec.path)),
            definition_substitutions=substitutions,
            logs=sfn.LogOptions(
                destination=self.log_group,
                level=sfn.LogLevel.ALL,
                # Inputs and outputs may carry personal data: log events, not payloads.
                include_execution_data=False,
            ),
            tracing_enabled=True,
        )
        # The ASL calls functions by unqualified ARN: grant exactly those ARNs.
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[functions[fid].function_arn for fid in spec.functions],
            )
        )
        acknowledge(
            self.state_machine,
            {
                "AwsSolutions-IAM5[Resource::*]": (
                    "X-Ray and CloudWatch Logs delivery actions used by Step Functions logging "
                    "support no resource-level permissions."
                ),
            },
        )
