"""Deployment settings read from CDK context (``-c stage=prod``), never from the environment.

``stage`` (dev | prod) starts every name (``infra.names.prefix``), so several deployments can
share an account; ``face_region`` is where Rekognition runs (validated against
``infra.names.FACE_REGIONS``); ``alarm_email`` subscribes an operator to the alarm topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.names import FACES_REGION, STAGES, face_region, prefix, resource_name

__all__ = ["STAGES", "DeployConfig"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class DeployConfig:
    stage: str
    # The portal's own origin (https://<domain> from ``-c domain_name=...``): the OIDC issuer
    # and the WebAuthn origin. Without a domain it is None and the functions read the
    # CloudFront origin from the parameter the web stack writes (iamsmart.origin).
    public_url: str | None = None
    # Where face images are processed (Rekognition collections and Face Liveness).
    face_region: str = FACES_REGION
    # Who hears the alarms (an SNS e-mail subscription, confirmed by the recipient).
    alarm_email: str | None = None
    # Which origin-verify secret CloudFront sends to the API (the other one is accepted too:
    # rotation without downtime, infra/constructs/api_protection.py).
    origin_verify_slot: str = "a"

    @classmethod
    def of(cls, scope: Construct) -> DeployConfig:
        stage = scope.node.try_get_context("stage") or "dev"
        if stage not in STAGES:
            raise ValueError(f"context 'stage' must be one of {STAGES}, not {stage!r}")
        domain = scope.node.try_get_context("domain_name")
        if scope.node.try_get_context("public_url"):
            raise ValueError("context 'public_url' is gone: the CloudFront origin is read at "
                             "run time; give -c domain_name=... for an own domain")
        if domain and ("/" in str(domain) or ":" in str(domain)):
            raise ValueError("context 'domain_name' is a host name, e.g. portal.example.hk")
        public_url = f"https://{domain}" if domain else None
        region = face_region(scope.node.try_get_context("face_region") or FACES_REGION)
        email = scope.node.try_get_context("alarm_email") or None
        if email is not None and not _EMAIL.match(str(email)):
            raise ValueError(f"context 'alarm_email' is not an e-mail address: {email!r}")
        slot = scope.node.try_get_context("origin_verify_slot") or "a"
        if slot not in ("a", "b"):
            raise ValueError(f"context 'origin_verify_slot' must be a or b, not {slot!r}")
        return cls(stage=stage, public_url=public_url,
                   face_region=region, alarm_email=str(email) if email else None,
                   origin_verify_slot=slot)

    @property
    def prod(self) -> bool:
        return self.stage == "prod"

    @property
    def prefix(self) -> str:
        """``iamsmart-<stage>``: how every name of this deployment starts."""
        return prefix(self.stage)

    def name(self, resource_id: str) -> str:
        """``api`` -> ``iamsmart-<stage>-api``."""
        return resource_name(resource_id, self.stage)

    @property
    def removal_policy(self) -> RemovalPolicy:
        """Stateful resources (tables, keys, buckets) survive ``cdk destroy`` in prod."""
        return RemovalPolicy.RETAIN if self.prod else RemovalPolicy.DESTROY

    @property
    def log_retention(self) -> logs.RetentionDays:
        return logs.RetentionDays.ONE_YEAR if self.prod else logs.RetentionDays.ONE_MONTH
