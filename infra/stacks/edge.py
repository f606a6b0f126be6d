"""Edge (us-east-1): CloudFront's web ACL, which sees viewers, and its standard-log bucket.

CloudFront-scoped web ACLs exist only in us-east-1, and CloudFront does not deliver standard
logs to buckets in opt-in regions such as ap-east-1, so both live in this small stack. The web
ACL limits each viewer (the address CloudFront sees, never a header): all requests, and tighter
the API's. The regional API's own web ACL (``infra.constructs.api_protection``) cannot count
viewers (it sees CloudFront's edge addresses): it admits only requests that came through
CloudFront. The web stack refers to this ACL across regions (CDK's cross-region references:
an SSM parameter written here, read there); the bucket's name is derived from the account.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.constructs.api_protection import managed_rule, waf_rule_visibility
from infra.constructs.buckets import log_bucket
from infra.names import API_PATHS
from infra.stacks.config import DeployConfig

EDGE_REGION = "us-east-1"
# Requests per viewer address per 5 minutes (WAF's window), then blocked until it slows down:
# every request (pages, assets, API), and the API's alone.
VIEWER_RATE_LIMIT_PER_5_MIN = 2000
VIEWER_API_RATE_LIMIT_PER_5_MIN = 600
API_PREFIX = API_PATHS[0].removesuffix("*")  # "/v1/"


def cloudfront_log_bucket_name(config: DeployConfig) -> str:
    """Resolves, in any stack of the account, to the same bucket name (one per stage)."""
    return f"{config.name('cloudfront-logs')}-{Aws.ACCOUNT_ID}"


def viewer_rate_rule(name: str, priority: int, limit: int,
                     path_prefix: str | None = None) -> wafv2.CfnWebACL.RuleProperty:
    """Block a viewer address above ``limit`` requests in 5 minutes (optionally on one path)."""
    scope_down = None
    if path_prefix:
        scope_down = wafv2.CfnWebACL.StatementProperty(
            byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                positional_constraint="STARTS_WITH",
                search_string=path_prefix,
                text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(
                    priority=0, type="NONE")],
            ))
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit, aggregate_key_type="IP", scope_down_statement=scope_down)),
        visibility_config=waf_rule_visibility(name),
    )


class EdgeStack(Stack):
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
        name = config.name("edge")
        self.web_acl = wafv2.CfnWebACL(
            self,
            "ViewerAcl",
            name=name,
            scope="CLOUDFRONT",
            description="Per-viewer rate limits and managed rules, in front of portal and API",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=waf_rule_visibility(name),
            rules=[
                viewer_rate_rule("RatePerViewer", 0, VIEWER_RATE_LIMIT_PER_5_MIN),
                viewer_rate_rule("ApiRatePerViewer", 1, VIEWER_API_RATE_LIMIT_PER_5_MIN,
                                 API_PREFIX),
                managed_rule("AWSManagedRulesAmazonIpReputationList", 2),
                managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 3),
            ],
        )
