"""Deployment settings read from CDK context (``-c stage=prod``), never from the environment.

``stage`` (dev | prod) starts every name (``infra.names.prefix``), so several deployments can
share an account; ``face_region`` is where Rekognition runs (validated against
``infra.names.FACE_REGIONS``); ``alarm_email`` subscribes an operator to the alarm topic;
``help_email`` and ``help_phone`` are where citizens ask for help with a registration (on the
page and in its notices; without either, the sandbox's fictitious address, marked as such).
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
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{6,18}[0-9]$")


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
    # Where citizens ask for help with a registration (shown on the page and in notices).
    help_email: str | None = None
    help_phone: str | None = None

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
        help_email = scope.node.try_get_context("help_email") or None
        if help_email is not None and not _EMAIL.match(str(help_email)):
            raise ValueError(f"context 'help_email' is not an e-mail address: {help_email!r}")
        help_phone = scope.node.try_get_context("help_phone") or None
        if help_phone is not None and not _PHONE.match(str(help_phone)):
            raise ValueError("context 'help_phone' is not a telephone number (digits, spaces, "
                             f"hyphens, an optional leading +): {help_phone!r}")
        if stage == "prod" and not (help_email or help_phone):
            raise ValueError("a prod deployment names its help desk for citizens: "
                             "-c help_email=... and/or -c help_phone=...")
        return cls(stage=stage, public_url=public_url,
                   face_region=region, alarm_email=str(email) if email else None,
                   origin_verify_slot=slot,
                   help_email=str(help_email) if help_email else None,
                   help_phone=str(help_phone) if help_phone else None)

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
