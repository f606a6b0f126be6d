"""A DynamoDB table built from an ``infra.names.TableSpec``, encrypted with its own CMK."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.names import TableSpec
from infra.stacks.config import DeployConfig


class EncryptedTable(Construct):
    """On-demand, PITR, TTL where the spec has one, a rotated customer-managed key."""

    def __init__(
        self, scope: Construct, construct_id: str, *, spec: TableSpec, config: DeployConfig
    ) -> None:
        super().__init__(scope, construct_id)
        self.spec = spec
        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the {spec.name_in(config.stage)} DynamoDB table",
            alias=f"alias/{spec.name_in(config.stage)}",
            enable_key_rotation=True,
            removal_policy=config.removal_policy,
        )
        string = dynamodb.AttributeType.STRING
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=spec.name_in(config.stage),
            partition_key=dynamodb.Attribute(name=spec.partition_key, type=string),
            sort_key=(
                dynamodb.Attribute(name=spec.sort_key, type=string) if spec.sort_key else None
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True,
            ),
            time_to_live_attribute=spec.ttl_attribute,
            deletion_protection=config.prod,
            removal_policy=config.removal_policy,
        )
