"""Deployment settings read from CDK context (``-c stage=prod``), never from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct

STAGES = ("dev", "prod")


@dataclass(frozen=True)
class DeployConfig:
    stage: str

    @classmethod
    def of(cls, scope: Construct) -> DeployConfig:
        stage = scope.node.try_get_context("stage") or "dev"
        if stage not in STAGES:
            raise ValueError(f"context 'stage' must be one of {STAGES}, not {stage!r}")
        return cls(stage=stage)

    @property
    def prod(self) -> bool:
        return self.stage == "prod"

    @property
    def removal_policy(self) -> RemovalPolicy:
        """Stateful resources (tables, keys, buckets) survive ``cdk destroy`` in prod."""
        return RemovalPolicy.RETAIN if self.prod else RemovalPolicy.DESTROY

    @property
    def log_retention(self) -> logs.RetentionDays:
        return logs.RetentionDays.ONE_YEAR if self.prod else logs.RetentionDays.ONE_MONTH
