"""The public web portal: a private bucket behind CloudFront (OAC), same origin as the API.

A CloudFront function on the site's (not the API's) requests serves pages as the local server
does: ``/account`` is ``/account.html``, and a path that is no file of the site gets the styled,
bilingual ``404.html`` with status 404 (CloudFront's custom error responses would also replace
the API's own JSON errors, so they are not used). The function knows the site's files from
``source`` at synth time, the same folder the deployment uploads.
"""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import Duration, SecretValue
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.constructs.api_protection import ORIGIN_VERIFY_HEADER
from infra.constructs.buckets import log_bucket, private_bucket
from infra.constructs.nag import acknowledge
from infra.names import API_PATHS, CACHED_API_PATHS, WEB_CSP, WEB_SECURITY_HEADERS
from infra.stacks.config import DeployConfig

# The same headers as the local server sends (one definition in infra/names.py).
CONTENT_SECURITY_POLICY = WEB_CSP
HSTS_MAX_AGE = Duration.days(730)


def security_headers(scope: Construct, construct_id: str,
                     config: DeployConfig) -> cloudfront.ResponseHeadersPolicy:
    """HSTS, CSP, nosniff, no referrer, no framing: on every response, static or API."""
    return cloudfront.ResponseHeadersPolicy(
        scope,
        construct_id,
        response_headers_policy_name=config.name("security-headers"),  # account-wide
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


NOT_FOUND_PAGE = "404.html"
FUNCTION_CODE_LIMIT = 10_240  # CloudFront Functions' maximum code size, in bytes


def router_code(source: Path) -> str:
    """The viewer-request function (cloudfront-js-2.0) for the site's files in ``source``."""
    files = sorted("/" + p.relative_to(source).as_posix() for p in source.rglob("*")
                   if p.is_file() and not p.name.startswith("."))
    page = (source / NOT_FOUND_PAGE).read_text(encoding="utf-8")
    headers = {name.lower(): {"value": value} for name, value in WEB_SECURITY_HEADERS.items()}
    headers["content-type"] = {"value": "text/html; charset=utf-8"}
    headers["cache-control"] = {"value": "no-cache"}
    code = (
        f"var FILES = {json.dumps(dict.fromkeys(files, 1), separators=(',', ':'))};\n"
        f"var NOT_FOUND = {json.dumps(page, ensure_ascii=False)};\n"
        f"var HEADERS = {json.dumps(headers, separators=(',', ':'))};\n"
        "async function handler(event) {\n"
        "  var request = event.request;\n"
        "  var uri = request.uri;\n"
        "  if (uri === '/' || FILES[uri]) return request;\n"
        "  var last = uri.substring(uri.lastIndexOf('/') + 1);\n"
        "  if (last !== '' && last.indexOf('.') < 0 && FILES[uri + '.html']) {\n"
        "    request.uri = uri + '.html';\n"
        "    return request;\n"
        "  }\n"
        "  return {statusCode: 404, statusDescription: 'Not Found', headers: HEADERS,\n"
        "          body: {encoding: 'text', data: NOT_FOUND}};\n"
        "}\n"
    )
    if len(code.encode("utf-8")) > FUNCTION_CODE_LIMIT:
        raise ValueError("the site's router function exceeds CloudFront's 10 KB limit")
    return code


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
        origin_verify: SecretValue,
        web_acl_arn: str,
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
        headers = security_headers(self, "SecurityHeaders", config)

        api_origin = origins.HttpOrigin(
            api_domain,
            origin_path=f"/{api_stage}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
            # The regional web ACL admits only requests carrying an accepted value
            # (infra.constructs.api_protection); a dynamic reference, resolved at deploy.
            custom_headers={ORIGIN_VERIFY_HEADER: origin_verify.unsafe_unwrap()},
        )
        api_behavior = cloudfront.BehaviorOptions(
            origin=api_origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            # Nothing from the API is cached at the edge: responses may depend on the caller's
            # Authorization header or department key. With caching off, this policy forwards
            # every viewer header (Authorization included) except Host, and CloudFront's own
            # headers, CloudFront-Viewer-Address among them (per-source limits read it:
            # iamsmart.identity.limits.source_of); CloudFront sets that one itself,
            # overwriting any a viewer sent.
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=headers,
        )
        # The public reads (infra.names.CACHED_API_PATHS) are cached as long as the API's
        # Cache-Control allows (60-300 s), keyed by path and query string only: a rush on the
        # home page or the catalogue is served by the edge. Everything else still goes
        # through with every viewer header; only GET and HEAD answers are ever cached.
        public_reads = cloudfront.CachePolicy(
            self,
            "PublicReads",
            comment="The API's public reads: the API's own max-age, path and query string",
            default_ttl=Duration.seconds(0),
            min_ttl=Duration.seconds(0),
            max_ttl=Duration.minutes(5),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.all(),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        cached_api_behavior = cloudfront.BehaviorOptions(
            origin=api_origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
            cache_policy=public_reads,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=headers,
            compress=True,
        )
        router = cloudfront.Function(
            self,
            "Router",
            comment="Pages without .html; the styled 404 page for unknown paths",
            code=cloudfront.FunctionCode.from_inline(router_code(source)),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        certificate = (
            acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn)
            if certificate_arn and domain_name
            else None
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"{config.prefix} portal and API",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                compress=True,
                function_associations=[cloudfront.FunctionAssociation(
                    function=router, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)],
            ),
            # In this order: CloudFront takes the first pattern that matches.
            additional_behaviors={
                **{path: cached_api_behavior for path in CACHED_API_PATHS},
                **{path: api_behavior for path in API_PATHS if path not in CACHED_API_PATHS},
            },
            domain_names=[domain_name] if certificate else None,
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_200,  # includes Hong Kong
            enable_logging=True,
            log_bucket=cloudfront_logs,
            log_file_prefix="web/",
            # Per-viewer rate limits (us-east-1, infra.stacks.edge): CloudFront sees viewers.
            web_acl_id=web_acl_arn,
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
        }
        if certificate is None:
            reasons["AwsSolutions-CFR4"] = (
                "Without a custom domain CloudFront serves its default certificate, whose "
                "policy it fixes; pass -c domain_name=... -c certificate_arn=... for TLS 1.2+."
            )
        acknowledge(self.distribution, reasons)
