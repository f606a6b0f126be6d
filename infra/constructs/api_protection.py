"""What a public REST API stage needs around it: usage plan, WAF, access logs, CloudWatch role.

Built for an API Gateway stage created elsewhere (chalice's SAM template), so it works with
logical ids and raw overrides rather than the ``RestApi`` L2.

The stage's regional web ACL admits only requests that came through CloudFront: CloudFront adds
the origin-verify header (``ORIGIN_VERIFY_HEADER``) with a secret from Secrets Manager to every
request it sends to the API (``infra.constructs.site``), and the ACL blocks any request without
an accepted value, so the ``execute-api`` URL answers 403 to anyone going around CloudFront.
Viewers are limited at CloudFront's own web ACL (``infra.stacks.edge``): this one sees only
CloudFront's edge addresses.

Rotation without downtime, two accepted values: there are two secrets (slots ``a`` and
``b``); the ACL accepts either, CloudFront sends the slot named by ``-c origin_verify_slot=``
(default ``a``). To rotate while CloudFront sends ``a``: put a new random value into ``b``
(``aws secretsmanager put-secret-value``), then deploy with ``-c origin_verify_slot=b``: the
API stack deploys first, its ACL (whose description names the slot, so it is updated and
re-reads both secrets) accepts the new ``b`` and the current ``a``; then the web stack points
CloudFront at ``b``. The next rotation renews ``a`` the same way.
"""

from __future__ import annotations

import json

from aws_cdk import ArnFormat, CfnResource, RemovalPolicy, SecretValue, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.constructs.nag import acknowledge
from infra.names import USAGE_PLANS
from infra.stacks.config import DeployConfig

# Stage-wide method throttling (all callers).
STAGE_RATE = 500
STAGE_BURST = 1000
# The header CloudFront adds to every request to the API, with the current slot's secret.
ORIGIN_VERIFY_HEADER = "x-origin-verify"
ORIGIN_VERIFY_SLOTS = ("a", "b")

# API Gateway access log: who called what, and which department key; never bodies.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "latency": "$context.responseLatency",
        "apiKeyId": "$context.identity.apiKeyId",
        "wafStatus": "$context.waf.status",
    },
    separators=(",", ":"),
)


def waf_rule_visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True,
        metric_name=name,
        sampled_requests_enabled=True,
    )


def managed_rule(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS",
                name=name,
            ),
        ),
        visibility_config=waf_rule_visibility(name),
    )


def _header_is(value: SecretValue) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                single_header={"Name": ORIGIN_VERIFY_HEADER}),
            positional_constraint="EXACTLY",
            search_string=value.unsafe_unwrap(),  # a dynamic reference, resolved at deploy
            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(
                priority=0, type="NONE")],
        ))


def from_cloudfront_only(priority: int,
                         accepted: list[SecretValue]) -> wafv2.CfnWebACL.RuleProperty:
    """Block every request whose origin-verify header is none of the ``accepted`` values."""
    either = wafv2.CfnWebACL.StatementProperty(
        or_statement=wafv2.CfnWebACL.OrStatementProperty(
            statements=[_header_is(value) for value in accepted]))
    return wafv2.CfnWebACL.RuleProperty(
        name="FromCloudFrontOnly",
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=either)),
        visibility_config=waf_rule_visibility("FromCloudFrontOnly"),
    )


class ApiProtection(Construct):
    """Usage plan (throttle + quota), WAF with a rate rule, access logs on one stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rest_api: CfnResource,
        stage_name: str,
        stage_logical_id: str,
        api_name: str,
        config: DeployConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        rest_api_id = rest_api.ref

        # API Gateway writes logs through one account-wide role (per region).
        cloudwatch_role = iam.Role(
            self,
            "CloudWatchRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                )
            ],
        )
        acknowledge(
            cloudwatch_role,
            {
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]": (
                    "The AWS-maintained policy API Gateway's account-level logging role needs."
                ),
            },
        )
        # The account setting is one per account and region, shared by every stage: the stage
        # deployed last points it at its role. Kept on destroy, so deleting one stage never
        # leaves the setting naming a deleted role (the other stages' logs would stop).
        cloudwatch_role.apply_removal_policy(RemovalPolicy.RETAIN)
        account = apigateway.CfnAccount(
            self, "Account", cloud_watch_role_arn=cloudwatch_role.role_arn
        )
        rest_api.node.add_dependency(account)

        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            log_group_name=f"/aws/apigateway/{api_name}/{stage_name}/access",
            retention=config.log_retention,
            removal_policy=config.removal_policy,
        )
        # SAM's AWS::Serverless::Api passes these on to the stage it creates.
        rest_api.add_property_override("Name", api_name)
        rest_api.add_property_override("TracingEnabled", True)
        rest_api.add_property_override(
            "AccessLogSetting",
            {
                # The group's ARN without the ":*" that LogGroup.log_group_arn ends with.
                "DestinationArn": stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=self.access_logs.log_group_name,
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                ),
                "Format": ACCESS_LOG_FORMAT,
            },
        )
        rest_api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "LoggingLevel": "ERROR",
                    "DataTraceEnabled": False,  # would log request and response bodies
                    "MetricsEnabled": True,
                    "ThrottlingRateLimit": STAGE_RATE,
                    "ThrottlingBurstLimit": STAGE_BURST,
                }
            ],
        )

        # One usage plan per kind of key holder (infra.names.USAGE_PLANS); a key joins its
        # plan when it is issued (iamsmart.apikeys.registry.issue, the operator CLIs).
        self.usage_plans = {
            spec.id: apigateway.CfnUsagePlan(
                self,
                f"{spec.id.capitalize()}UsagePlan",
                usage_plan_name=spec.name_in(config.stage),
                description=spec.description,
                api_stages=[
                    apigateway.CfnUsagePlan.ApiStageProperty(
                        api_id=rest_api_id,
                        stage=stage_name,
                    )
                ],
                throttle=apigateway.CfnUsagePlan.ThrottleSettingsProperty(
                    rate_limit=spec.rate,
                    burst_limit=spec.burst,
                ),
                quota=apigateway.CfnUsagePlan.QuotaSettingsProperty(
                    limit=spec.quota_per_day,
                    period="DAY",
                ),
            )
            for spec in USAGE_PLANS.values()
        }

        #: slot -> the origin-verify secret CloudFront may send (infra.constructs.site)
        self.origin_verify: dict[str, secretsmanager.Secret] = {}
        for slot in ORIGIN_VERIFY_SLOTS:
            secret = secretsmanager.Secret(
                self,
                f"OriginVerify{slot.upper()}",
                secret_name=config.name(f"origin-verify-{slot}"),
                description=f"CloudFront -> API origin-verify header value, slot {slot}",
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    password_length=48, exclude_punctuation=True),
                removal_policy=config.removal_policy,
            )
            acknowledge(secret, {
                "AwsSolutions-SMG4": "Rotated without downtime by the two-slot procedure in "
                "infra/constructs/api_protection.py (README 'Deploying to AWS'): a rotation "
                "Lambda could not update CloudFront and the ACL in the order that keeps every "
                "request admitted.",
            })
            self.origin_verify[slot] = secret
        self.origin_verify_slot: str = config.origin_verify_slot
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=f"{api_name}-{stage_name}",
            scope="REGIONAL",
            # Names the slot CloudFront sends: changing it updates the ACL, which re-reads both
            # secrets (CloudFormation resolves dynamic references when a resource is updated).
            description=f"Only requests through CloudFront, origin-verify slot "
                        f"{config.origin_verify_slot} sent",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=waf_rule_visibility(f"{api_name}-{stage_name}"),
            rules=[
                from_cloudfront_only(
                    0, [secret.secret_value for secret in self.origin_verify.values()]),
                managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 1),
            ],
        )
        stage_arn = (
            f"arn:{stack.partition}:apigateway:{stack.region}::/restapis/"
            f"{rest_api_id}/stages/{stage_name}"
        )
        association = wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=stage_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )
        # The stage exists only after the SAM transform: depend on its generated logical id.
        for resource in (*self.usage_plans.values(), association):
            resource.add_override("DependsOn", [stage_logical_id])
            acknowledge(
                resource,
                {
                    "CloudFormation-Validate::E3005": (
                        f"{stage_logical_id} is created by the SAM transform (from chalice's "
                        "AWS::Serverless::Api), after local validation."
                    ),
                },
            )
