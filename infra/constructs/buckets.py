"""Private S3 buckets: public access blocked, TLS only, encrypted, access-logged."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.nag import acknowledge
from infra.stacks.config import DeployConfig


def private_bucket(
    scope: Construct,
    construct_id: str,
    *,
    config: DeployConfig,
    access_logs: s3.IBucket | None,
    prefix: str = "",
    **overrides: object,
) -> s3.Bucket:
    """A bucket nobody outside the account can read; ``access_logs=None`` only for log buckets."""
    bucket = s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        encryption=s3.BucketEncryption.S3_MANAGED,
        versioned=config.prod,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=f"{prefix}/" if access_logs is not None and prefix else None,
        removal_policy=config.removal_policy,
        auto_delete_objects=False,
        **overrides,  # type: ignore[arg-type]
    )
    if access_logs is None:
        acknowledge(
            bucket,
            {
                "AwsSolutions-S1": (
                    "This is an access-log bucket; logging it into itself would loop."
                ),
            },
        )
    return bucket


def log_bucket(
    scope: Construct, construct_id: str, *, config: DeployConfig, **overrides: object
) -> s3.Bucket:
    """Where server access logs (and CloudFront logs) go; expires them after a year."""
    return private_bucket(
        scope,
        construct_id,
        config=config,
        access_logs=None,
        lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
        **overrides,
    )
