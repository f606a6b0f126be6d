"""The portal: private buckets, CloudFront with OAC, same-origin API routes, security headers."""

from __future__ import annotations

import pytest
from infra_synth import Synth, as_list, stack_name

from infra.constructs.site import API_PATHS, CACHED_API_PATHS, CONTENT_SECURITY_POLICY

# AWS managed CloudFront policies (fixed ids).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def distribution(synth: Synth) -> dict:
    [(_, _, dist)] = list(synth.resources("AWS::CloudFront::Distribution", "web"))
    return dist["Properties"]["DistributionConfig"]


def origin(synth: Synth, origin_id: str) -> dict:
    [found] = [o for o in distribution(synth)["Origins"] if o["Id"] == origin_id]
    return found


def buckets(synth: Synth) -> list[tuple[str, str, dict]]:
    return list(synth.resources("AWS::S3::Bucket"))


def test_every_bucket_blocks_public_access_and_is_encrypted(synth: Synth) -> None:
    assert buckets(synth)
    for stack, logical, bucket in buckets(synth):
        props = bucket["Properties"]
        block = props["PublicAccessBlockConfiguration"]
        assert all(block[k] is True for k in block) and len(block) == 4, (stack, logical)
        rules = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}


def test_every_bucket_denies_plain_http(synth: Synth) -> None:
    policies = {}
    for stack, _, policy in synth.resources("AWS::S3::BucketPolicy"):
        policies[(stack, policy["Properties"]["Bucket"]["Ref"])] = policy["Properties"]
    for stack, logical, _ in buckets(synth):
        statements = policies[(stack, logical)]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny"
            and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            for s in statements
        ), (stack, logical)


def test_content_buckets_write_access_logs(synth: Synth) -> None:
    for stack, logical, bucket in buckets(synth):
        nag = bucket.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        is_log_bucket = any(rule["id"] == "AwsSolutions-S1" for rule in nag)
        if not is_log_bucket:
            target = bucket["Properties"]["LoggingConfiguration"]["DestinationBucketName"]
            assert target["Ref"] != logical, (stack, logical)


def test_site_is_served_through_origin_access_control(synth: Synth) -> None:
    config = distribution(synth)
    default = origin(synth, config["DefaultCacheBehavior"]["TargetOriginId"])
    oac_ref = default["OriginAccessControlId"]["Fn::GetAtt"][0]
    oac = synth.template("web")["Resources"][oac_ref]["Properties"]["OriginAccessControlConfig"]
    assert oac["OriginAccessControlOriginType"] == "s3"
    assert oac["SigningBehavior"] == "always" and oac["SigningProtocol"] == "sigv4"
    assert default["S3OriginConfig"].get("OriginAccessIdentity", "") == ""  # no OAI
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert not list(synth.resources("AWS::CloudFront::CloudFrontOriginAccessIdentity"))


def test_site_bucket_lets_only_this_distribution_read(synth: Synth) -> None:
    [(_, dist_logical, _)] = list(synth.resources("AWS::CloudFront::Distribution", "web"))
    reads = [
        s
        for _, _, p in synth.resources("AWS::S3::BucketPolicy", "web")
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow" and "s3:GetObject" in as_list(s["Action"])
    ]
    assert reads
    for statement in reads:
        assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]
        assert dist_logical in str(source)


@pytest.mark.parametrize("path", [p for p in API_PATHS if p not in CACHED_API_PATHS])
def test_api_paths_go_to_the_api_stage_uncached(synth: Synth, path: str) -> None:
    [behavior] = [b for b in distribution(synth)["CacheBehaviors"] if b["PathPattern"] == path]
    api = origin(synth, behavior["TargetOriginId"])
    assert api["OriginPath"] == "/api"
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert api["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    domain = api["DomainName"]["Fn::Join"][1]
    assert ".execute-api.ap-east-1." in domain
    refs = synth.referenced_logical_ids(api["DomainName"], stack_name("web"))
    assert (stack_name("api"), "RestAPI") in refs
    assert behavior["CachePolicyId"] == CACHING_DISABLED
    assert behavior["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert {"POST", "PUT", "DELETE", "PATCH"} <= set(behavior["AllowedMethods"])
    assert behavior["ViewerProtocolPolicy"] == "https-only"


def test_public_reads_are_cached_by_path_and_query_only_before_the_rest_of_the_api(
        synth: Synth) -> None:
    """The API's public reads (CACHED_API_PATHS, which a unit test holds to be public) come
    first (CloudFront takes the first pattern that matches), cached for as long as the API's
    own max-age says, never keyed by or varying with a header or cookie; only GET and HEAD
    answers are kept; other methods still reach the API with every viewer header."""
    behaviors = distribution(synth)["CacheBehaviors"]
    patterns = [b["PathPattern"] for b in behaviors]
    assert patterns.index("/v1/*") > max(patterns.index(p) for p in CACHED_API_PATHS)
    policies = {logical: r["Properties"]["CachePolicyConfig"]
                for _, logical, r in synth.resources("AWS::CloudFront::CachePolicy", "web")}
    api_origin = next(b for b in behaviors if b["PathPattern"] == "/v1/*")["TargetOriginId"]
    for path in CACHED_API_PATHS:
        [behavior] = [b for b in behaviors if b["PathPattern"] == path]
        assert behavior["TargetOriginId"] == api_origin
        assert sorted(behavior["CachedMethods"]) == ["GET", "HEAD"]
        assert {"POST", "PUT", "DELETE"} <= set(behavior["AllowedMethods"])
        assert behavior["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
        policy = policies[behavior["CachePolicyId"]["Ref"]]
        assert (policy["DefaultTTL"], policy["MinTTL"], policy["MaxTTL"]) == (0, 0, 300)
        key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
        assert key["QueryStringsConfig"]["QueryStringBehavior"] == "all"
        assert key["HeadersConfig"]["HeaderBehavior"] == "none"
        assert key["CookiesConfig"]["CookieBehavior"] == "none"


def test_every_response_gets_the_security_headers(synth: Synth) -> None:
    config = distribution(synth)
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    refs = {b["ResponseHeadersPolicyId"]["Ref"] for b in behaviors}
    assert len(refs) == 1
    policy = synth.template("web")["Resources"][refs.pop()]["Properties"]
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["StrictTransportSecurity"]["IncludeSubdomains"] is True
    assert headers["ContentSecurityPolicy"]["ContentSecurityPolicy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert headers["FrameOptions"]["FrameOption"] == "DENY"


def test_cloudfront_logs_go_to_the_us_east_1_edge_bucket(synth: Synth) -> None:
    logging = distribution(synth)["Logging"]
    parts = logging["Bucket"]["Fn::Join"][1]
    assert parts[-1].endswith(".s3.us-east-1.amazonaws.com")
    [(_, _, edge)] = list(synth.resources("AWS::S3::Bucket", "edge"))
    # Same account-derived name in both stacks, so no cross-region reference is needed.
    assert edge["Properties"]["BucketName"]["Fn::Join"][1] == parts[:-1]
    assert edge["Properties"]["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerPreferred"}
    ]
    manifest_env = synth.templates[stack_name("edge")]
    assert manifest_env  # synthesized


def test_portal_files_are_deployed_to_the_site_bucket(synth: Synth) -> None:
    deployments = [r for _, _, r in synth.resources("Custom::CDKBucketDeployment", "web")]
    assert deployments
    target = deployments[0]["Properties"]["DestinationBucketName"]["Ref"]
    config = distribution(synth)
    default = origin(synth, config["DefaultCacheBehavior"]["TargetOriginId"])
    assert default["DomainName"]["Fn::GetAtt"][0] == target


def _route(code: str, uris: list[str]) -> list[dict]:
    """Run the site's CloudFront function (cloudfront-js-2.0 is ECMAScript: node runs it)."""
    import json
    import shutil
    import subprocess

    node = shutil.which("node")
    assert node, "node is needed (the CDK CLI needs it too)"
    script = code + (
        "\n(async () => { const out = [];"
        f" for (const uri of {json.dumps(uris)}) out.push(await handler({{request: {{uri}}}}));"
        " console.log(JSON.stringify(out)); })();")
    done = subprocess.run([node, "-e", script], capture_output=True, text=True,  # noqa: S603
                          timeout=30, check=True)
    return list(json.loads(done.stdout))


def test_pages_resolve_without_html_and_unknown_paths_get_the_styled_404() -> None:
    from infra.constructs.site import FUNCTION_CODE_LIMIT, router_code
    from infra.names import ROOT, WEB_SECURITY_HEADERS

    web = ROOT / "web"
    code = router_code(web)
    assert len(code.encode()) <= FUNCTION_CODE_LIMIT
    account, register, home, css, missing, missing_js, folder = _route(
        code, ["/account", "/register", "/", "/assets/site.css", "/no-such-page",
               "/assets/nothing.js", "/assets/"])
    assert account == {"uri": "/account.html"} and register == {"uri": "/register.html"}
    assert home == {"uri": "/"} and css == {"uri": "/assets/site.css"}
    for answer in (missing, missing_js, folder):
        assert answer["statusCode"] == 404
        assert answer["body"] == {"encoding": "text",
                                  "data": (web / "404.html").read_text(encoding="utf-8")}
        assert answer["headers"]["content-type"] == {"value": "text/html; charset=utf-8"}
        for name, value in WEB_SECURITY_HEADERS.items():
            assert answer["headers"][name.lower()] == {"value": value}


def test_the_router_runs_on_site_requests_only(synth: Synth) -> None:
    config = distribution(synth)
    [association] = config["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    [(_, _, function)] = list(synth.resources("AWS::CloudFront::Function", "web"))
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert "/account.html" in function["Properties"]["FunctionCode"]
    for behavior in config["CacheBehaviors"]:  # the API keeps its own JSON errors
        assert "FunctionAssociations" not in behavior, behavior["PathPattern"]
