"""Operations: the encrypted SNS topic every alarm notifies."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.names import APP
from infra.stacks.config import DeployConfig


class OpsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        config = DeployConfig.of(self)
        self.key = kms.Key(
            self,
            "AlarmsKey",
            description=f"{APP}: encrypts the alarm topic",
            enable_key_rotation=True,
            removal_policy=config.removal_policy,
        )
        # CloudWatch publishes alarms to the encrypted topic.
        self.key.grant(
            iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey"
        )
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=f"{APP}-alarms",
            display_name=f"{APP} alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
