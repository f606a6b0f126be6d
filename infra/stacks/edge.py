"""Edge logs (us-east-1): the bucket CloudFront writes its standard logs to.

CloudFront does not deliver standard logs to buckets in opt-in regions such as ap-east-1, so
this small stack lives in us-east-1. The bucket name is derived from the account, so the web
stack can refer to it without a cross-region reference.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.buckets import log_bucket
from infra.stacks.config import DeployConfig

EDGE_REGION = "us-east-1"


def cloudfront_log_bucket_name(config: DeployConfig) -> str:
    """Resolves, in any stack of the account, to the same bucket name (one per stage)."""
    return f"{config.name('cloudfront-logs')}-{Aws.ACCOUNT_ID}"


class EdgeLogsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        config = DeployConfig.of(self)
        self.bucket = log_bucket(
            self,
            "CloudFrontLogs",
            config=config,
            bucket_name=cloudfront_log_bucket_name(config),
            # CloudFront standard logging writes with ACLs.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        )
