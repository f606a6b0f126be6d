"""Web: the portal's static files and the CloudFront distribution in front of portal and API."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, SecretValue, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from infra.constructs.nag import acknowledge, logical_id, resource
from infra.constructs.site import StaticSite
from infra.names import PARAMETERS, ROOT
from infra.stacks.config import DeployConfig
from infra.stacks.edge import EDGE_REGION, cloudfront_log_bucket_name

WEB_SOURCE = ROOT / "web"


class WebStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rest_api_id: str,
        api_stage: str,
        origin_verify: SecretValue,
        web_acl_arn: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        config = DeployConfig.of(self)
        cloudfront_logs = s3.Bucket.from_bucket_attributes(
            self,
            "CloudFrontLogs",
            bucket_name=cloudfront_log_bucket_name(config),
            region=EDGE_REGION,
        )
        self.site = StaticSite(
            self,
            "Site",
            source=WEB_SOURCE,
            api_domain=f"{rest_api_id}.execute-api.{self.region}.{self.url_suffix}",
            api_stage=api_stage,
            cloudfront_logs=cloudfront_logs,
            config=config,
            origin_verify=origin_verify,
            web_acl_arn=web_acl_arn,
            domain_name=self.node.try_get_context("domain_name"),
            certificate_arn=self.node.try_get_context("certificate_arn"),
        )
        self._acknowledge_deployment_handler()
        self._scope_invalidation_to_the_distribution()
        # The public origin the functions read at run time (iamsmart.origin): right on the
        # first deploy, with or without an own domain.
        origin = config.public_url or (
            f"https://{self.site.distribution.distribution_domain_name}")
        spec = PARAMETERS["public-url"]
        self.public_url = ssm.StringParameter(
            self, "PublicUrl", parameter_name=spec.name_in(config.stage), string_value=origin,
            description=spec.description)
        CfnOutput(self, "Url", value=f"{origin}/")

    def _scope_invalidation_to_the_distribution(self) -> None:
        """CDK's BucketDeployment lets its handler invalidate any distribution (``"*"``): narrow
        CreateInvalidation/GetInvalidation to this stack's distribution (its ARN)."""
        distribution_arn = self.format_arn(
            service="cloudfront", region="", resource="distribution",
            resource_name=self.site.distribution.distribution_id)
        scoped = 0
        for child in self.node.children:
            if not child.node.id.startswith("Custom::CDKBucketDeployment"):
                continue
            role = child.node.try_find_child("ServiceRole")
            policy = role.node.try_find_child("DefaultPolicy") if role else None
            cfn = policy.node.default_child if policy else None
            if not isinstance(cfn, iam.CfnPolicy):
                raise RuntimeError("CDK's BucketDeployment handler role has no default policy")
            document = self.resolve(cfn.policy_document)
            for statement in document["Statement"]:
                actions = statement["Action"]
                actions = [actions] if isinstance(actions, str) else actions
                if any(a.startswith("cloudfront:") for a in actions):
                    if not set(actions) <= {"cloudfront:CreateInvalidation",
                                            "cloudfront:GetInvalidation"}:
                        raise RuntimeError(f"unexpected CloudFront grant {actions}")
                    statement["Resource"] = distribution_arn
                    scoped += 1
            cfn.policy_document = document  # the property itself: cdk-nag reads it too
        if scoped != 1:
            raise RuntimeError("expected one CloudFront invalidation grant to scope")

    def _acknowledge_deployment_handler(self) -> None:
        """CDK's BucketDeployment adds one singleton Lambda per stack (CDK's own code)."""
        content = logical_id(self.site.bucket)
        # The handler reads the site's zip from the CDK asset bucket (Asset.grantRead).
        sources = [asset for asset in self.site.deployment.node.children
                   if isinstance(asset, s3_assets.Asset)]
        if not sources:
            raise RuntimeError("the site's BucketDeployment has no asset source")
        source_objects = {
            f"AwsSolutions-IAM5[{resource(self, asset.bucket.arn_for_objects('*'))}]": (
                "CDK's BucketDeployment handler copies the site from the CDK asset bucket: "
                "objects of the CDK bootstrap asset bucket."
            )
            for asset in sources
        }
        copy = "CDK's BucketDeployment handler copies the site from the CDK asset bucket"
        for child in self.node.children:
            if not child.node.id.startswith("Custom::CDKBucketDeployment"):
                continue
            acknowledge(
                child,
                {
                    "AwsSolutions-L1": "CDK's BucketDeployment handler; aws-cdk-lib chooses its "
                    "runtime.",
                    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                    "service-role/AWSLambdaBasicExecutionRole]": (
                        "CDK's BucketDeployment handler role: the managed policy only writes logs."
                    ),
                    "AwsSolutions-IAM5[Action::s3:GetObject*]": f"{copy} (read).",
                    "AwsSolutions-IAM5[Action::s3:GetBucket*]": f"{copy} (read).",
                    "AwsSolutions-IAM5[Action::s3:List*]": f"{copy} (list).",
                    "AwsSolutions-IAM5[Action::s3:DeleteObject*]": (
                        f"{copy}; prune deletes files no longer in web/ from the site bucket only."
                    ),
                    "AwsSolutions-IAM5[Action::s3:Abort*]": f"{copy} (multipart uploads).",
                    **source_objects,
                    f"AwsSolutions-IAM5[Resource::<{content}.Arn>/*]": (
                        f"{copy}: objects of this stack's site bucket."
                    ),
                },
            )
