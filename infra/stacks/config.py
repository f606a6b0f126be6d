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
    # The portal's public origin: the OIDC issuer and the WebAuthn origin. From
    # ``-c domain_name=...`` (https://<domain>) or ``-c public_url=...`` (a first dev deploy
    # without a domain learns the CloudFront URL from the output ``iamsmart-web.Url``).
    public_url: str | None = None

    @classmethod
    def of(cls, scope: Construct) -> DeployConfig:
        stage = scope.node.try_get_context("stage") or "dev"
        if stage not in STAGES:
            raise ValueError(f"context 'stage' must be one of {STAGES}, not {stage!r}")
        domain = scope.node.try_get_context("domain_name")
        public_url = f"https://{domain}" if domain else scope.node.try_get_context("public_url")
        if public_url and not str(public_url).startswith("https://"):
            raise ValueError("context 'public_url' must be an https:// origin")
        return cls(stage=stage, public_url=str(public_url).rstrip("/") if public_url else None)

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
