"""The public web portal: a private bucket behind CloudFront (OAC), same origin as the API."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.constructs.buckets import log_bucket, private_bucket
from infra.constructs.nag import acknowledge
from infra.names import API_PATHS, APP, WEB_CSP, WEB_SECURITY_HEADERS
from infra.stacks.config import DeployConfig

# The same headers as the local server sends (one definition in infra/names.py).
CONTENT_SECURITY_POLICY = WEB_CSP
HSTS_MAX_AGE = Duration.days(730)


def security_headers(scope: Construct, construct_id: str) -> cloudfront.ResponseHeadersPolicy:
    """HSTS, CSP, nosniff, no referrer, no framing: on every response, static or API."""
    return cloudfront.ResponseHeadersPolicy(
        scope,
        construct_id,
        response_headers_policy_name=f"{APP}-security-headers",
        comment="Security headers for the portal and the API",
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=HSTS_MAX_AGE,
                include_subdomains=True,
                preload=True,
                override=True,
            ),
            content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=CONTENT_SECURITY_POLICY,
                override=True,
            ),
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER,
                override=True,
            ),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption.DENY,
                override=True,
            ),
        ),
        custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(custom_headers=[
            cloudfront.ResponseCustomHeader(
                header="Permissions-Policy",
                value=WEB_SECURITY_HEADERS["Permissions-Policy"],
                override=True,
            ),
        ]),
    )


class StaticSite(Construct):
    """Bucket + deployment of ``source`` + distribution routing ``API_PATHS`` to the API."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        source: Path,
        api_domain: str,
        api_stage: str,
        cloudfront_logs: s3.IBucket,
        config: DeployConfig,
        domain_name: str | None = None,
        certificate_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if not (source / "index.html").is_file():
            raise FileNotFoundError(f"no index.html in {source}")
        self.access_logs = log_bucket(self, "AccessLogs", config=config)
        self.bucket = private_bucket(
            self, "Content", config=config, access_logs=self.access_logs, prefix="content"
        )
        headers = security_headers(self, "SecurityHeaders")

        api_origin = origins.HttpOrigin(
            api_domain,
            origin_path=f"/{api_stage}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
        )
        api_behavior = cloudfront.BehaviorOptions(
            origin=api_origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            # Nothing from the API is cached at the edge: responses may depend on the caller's
            # Authorization header or department key. With caching off, this policy forwards
            # every viewer header (Authorization included) except Host.
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=headers,
        )
        certificate = (
            acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn)
            if certificate_arn and domain_name
            else None
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"{APP} portal and API",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                compress=True,
            ),
            additional_behaviors={path: api_behavior for path in API_PATHS},
            domain_names=[domain_name] if certificate else None,
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_200,  # includes Hong Kong
            enable_logging=True,
            log_bucket=cloudfront_logs,
            log_file_prefix="web/",
        )
        self.deployment = s3deploy.BucketDeployment(
            self,
            "Deploy",
            sources=[s3deploy.Source.asset(str(source))],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            prune=True,
        )
        reasons = {
            "AwsSolutions-CFR1": "A national portal for residents and visitors abroad: no geo "
            "restriction.",
            "AwsSolutions-CFR2": "WAF is on the API Gateway stage (regional, rate-based); the "
            "static site is public, cached content.",
        }
        if certificate is None:
            reasons["AwsSolutions-CFR4"] = (
                "Without a custom domain CloudFront serves its default certificate, whose "
                "policy it fixes; pass -c domain_name=... -c certificate_arn=... for TLS 1.2+."
            )
        acknowledge(self.distribution, reasons)
