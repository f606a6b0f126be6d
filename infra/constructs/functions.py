"""One Lambda function from an ``infra.names.FunctionSpec``: code, layers, role, logs, grants.

The role is written here rather than taken from CDK's default so that it holds exactly: writing
to the function's own log group, X-Ray, and the table grants the spec lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constructs.nag import acknowledge
from infra.constructs.tables import EncryptedTable
from infra.layers import ARCHITECTURE, RUNTIME
from infra.names import PARAMETERS, FunctionSpec, role_name
from infra.stacks.config import DeployConfig

# Why the remaining cdk-nag findings on a function's role are acceptable.
TABLE_GRANT_REASONS = {
    "AwsSolutions-IAM5[Action::kms:ReEncrypt*]": (
        "CDK's DynamoDB write grant: the table's own CMK only (DynamoDB encrypts on the "
        "caller's behalf)."
    ),
    "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]": (
        "CDK's DynamoDB write grant: the table's own CMK only (DynamoDB encrypts on the "
        "caller's behalf)."
    ),
}
ROLE_REASONS = {
    "AwsSolutions-IAM5[Resource::*]": (
        "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions."
    ),
}


def function_role(
    scope: Construct, construct_id: str, *, log_group: logs.LogGroup, description: str,
    role_name: str | None = None,
) -> iam.Role:
    """A Lambda execution role that can write its own logs and traces, and nothing else yet.
    Named (``infra.names.role_name``) so that key policies can name their users."""
    role = iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=description,
        role_name=role_name,
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[log_group.log_group_arn],
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            resources=["*"],
        )
    )
    acknowledge(role, ROLE_REASONS)
    return role


def grant_parameters(role: iam.IRole, parameter_ids: Sequence[str], stage: str) -> None:
    """``ssm:GetParameter`` on exactly the parameters listed (``infra.names.PARAMETERS``)."""
    if not parameter_ids:
        return
    stack = Stack.of(role)
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=["ssm:GetParameter"],
        resources=[stack.format_arn(service="ssm", resource="parameter",
                                    resource_name=PARAMETERS[pid].name_in(stage).lstrip("/"))
                   for pid in sorted(set(parameter_ids))]))


def grant_tables(
    role: iam.IRole,
    tables: Mapping[str, EncryptedTable],
    *,
    read: Sequence[str],
    write: Sequence[str],
    append: Sequence[str] = (),
) -> None:
    """Data grants (with the tables' keys) for the table ids listed, no others: ``write``
    read/write, ``read`` read only, ``append`` read and PutItem only (append-only logs: the
    code writes with ``attribute_not_exists``; no UpdateItem, DeleteItem or batch writes)."""
    for table_id in sorted(set(read) | set(write) | set(append)):
        if table_id not in tables:
            raise KeyError(f"unknown table {table_id!r} (see infra.names.TABLES)")
        if table_id in write and table_id in append:
            raise ValueError(f"table {table_id!r} is both written and append-only")
        table = tables[table_id].table
        if table_id in write:
            table.grant_read_write_data(role)
        else:
            table.grant_read_data(role)
        if table_id in append:
            table.grant(role, "dynamodb:PutItem")
            if table.encryption_key is not None:
                table.encryption_key.grant_encrypt(role)
    if write or append:
        acknowledge(role, TABLE_GRANT_REASONS)


def logs_and_role(
    scope: Construct, *, function_name: str, description: str, config: DeployConfig,
    log_id: str = "Logs", role_id: str = "Role", role_name: str | None = None,
) -> tuple[logs.LogGroup, iam.Role]:
    """A function's own log group (retention, removal per stage) and its least-privilege
    role writing only there: shared by the task functions and the Chalice API."""
    log_group = logs.LogGroup(
        scope,
        log_id,
        log_group_name=f"/aws/lambda/{function_name}",
        retention=config.log_retention,
        removal_policy=config.removal_policy,
    )
    role = function_role(scope, role_id, log_group=log_group, description=description,
                         role_name=role_name)
    return log_group, role


class PythonFunction(Construct):
    """A Python Lambda function with our layers, tracing, its own log group and role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: FunctionSpec,
        layers: Sequence[lambda_.ILayerVersion],
        environment: Mapping[str, str],
        tables: Mapping[str, EncryptedTable],
        config: DeployConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        if not spec.source.is_dir():
            raise FileNotFoundError(f"{spec.id}: no code at {spec.source}")
        self.spec = spec
        self.log_group, self.role = logs_and_role(
            self, function_name=spec.name_in(config.stage),
            description=f"Runs the {spec.name_in(config.stage)} function",
            config=config, role_name=role_name(spec.id, config.stage),
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=spec.name_in(config.stage),
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=spec.handler,
            code=lambda_.Code.from_asset(
                str(spec.source),
                exclude=["**/__pycache__", "**/*.pyc", "tests"],
            ),
            layers=list(layers),
            environment={**environment, **spec.environment},
            timeout=Duration.seconds(spec.timeout_seconds),
            memory_size=spec.memory_mb,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            role=self.role,
        )
        grant_tables(self.role, tables, read=spec.tables_read, write=spec.tables_write,
                     append=spec.tables_append)
        grant_parameters(self.role, spec.parameters, config.stage)
        acknowledge(
            self.function,
            {
                "AwsSolutions-L1": "Pinned to python3.12: the deps layer's wheels are built for "
                "cp312 (infra/layers.py); upgrade both together.",
            },
        )
