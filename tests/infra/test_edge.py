"""Edge protection that sees viewers (THREATS 30): CloudFront's web ACL (us-east-1) limits each
viewer; the regional API admits only requests CloudFront sent (origin-verify header from
Secrets Manager, two accepted values); CloudFront forwards the viewer's address to the API;
the deployment handler may invalidate only this distribution."""

from __future__ import annotations

import json
from typing import Any

from infra_synth import Synth, as_list, stack_name

from infra.constructs.api_protection import ORIGIN_VERIFY_HEADER
from infra.stacks.edge import EDGE_REGION

# AWS's managed origin request policy "AllViewerExceptHostHeader": every viewer header but
# Host, and CloudFront's headers (CloudFront-Viewer-Address among them).
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def _distribution(synth: Synth) -> dict[str, Any]:
    [(_, _, dist)] = list(synth.resources("AWS::CloudFront::Distribution", "web"))
    return dist["Properties"]["DistributionConfig"]


def _viewer_acl(synth: Synth) -> tuple[str, dict[str, Any]]:
    [(_, logical, acl)] = list(synth.resources("AWS::WAFv2::WebACL", "edge"))
    return logical, acl["Properties"]


def test_the_viewer_acl_is_cloudfront_scoped_in_us_east_1(synth: Synth) -> None:
    _, acl = _viewer_acl(synth)
    assert acl["Scope"] == "CLOUDFRONT"
    manifest = json.loads((synth.outdir / "manifest.json").read_text())
    assert manifest["artifacts"][stack_name("edge")]["environment"].endswith(f"/{EDGE_REGION}")


def test_the_viewer_acl_limits_each_viewer_address(synth: Synth) -> None:
    _, acl = _viewer_acl(synth)
    rates = [r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    assert len(rates) >= 2  # all requests, and the API's
    for rule in rates:
        statement = rule["Statement"]["RateBasedStatement"]
        assert statement["AggregateKeyType"] == "IP"  # the viewer CloudFront sees
        assert "ForwardedIPConfig" not in statement  # never a header a client writes
        assert "Block" in rule["Action"]
    scoped = [r for r in rates if "ScopeDownStatement" in r["Statement"]["RateBasedStatement"]]
    match = scoped[0]["Statement"]["RateBasedStatement"]["ScopeDownStatement"]
    assert match["ByteMatchStatement"]["SearchString"] == "/v1/"


def test_the_distribution_uses_the_viewer_acl(synth: Synth) -> None:
    web_acl = _distribution(synth)["WebACLId"]
    logical, _ = _viewer_acl(synth)
    # A cross-region reference: the edge stack writes the ACL's ARN, the web stack reads it.
    assert "Fn::GetAtt" in web_acl
    assert f"FnGetAtt{logical}Arn" in web_acl["Fn::GetAtt"][1]


def _secret_refs(value: Any, synth: Synth, stack: str) -> set[tuple[str, str]]:
    return synth.referenced_logical_ids(value, stack)


def test_cloudfront_sends_the_origin_verify_secret_the_regional_acl_demands(
        synth: Synth) -> None:
    secrets = {(stack, logical) for stack, logical, _ in
               synth.resources("AWS::SecretsManager::Secret", "api")}
    assert len(secrets) == 2  # two accepted values: rotation without downtime
    api_origins = [o for o in _distribution(synth)["Origins"] if "CustomOriginConfig" in o]
    assert len(api_origins) == 1
    [header] = api_origins[0]["OriginCustomHeaders"]
    assert header["HeaderName"] == ORIGIN_VERIFY_HEADER
    sent = _secret_refs(header["HeaderValue"], synth, stack_name("web"))
    assert "{{resolve:secretsmanager:" in json.dumps(header["HeaderValue"])
    assert len(sent) == 1 and sent <= secrets

    [(_, _, acl)] = [r for r in synth.resources("AWS::WAFv2::WebACL", "api")]
    rules = acl["Properties"]["Rules"]
    first = rules[0]
    assert first["Priority"] == min(r["Priority"] for r in rules) and "Block" in first["Action"]
    accepted = first["Statement"]["NotStatement"]["Statement"]["OrStatement"]["Statements"]
    demanded = set()
    for statement in accepted:
        match = statement["ByteMatchStatement"]
        assert match["FieldToMatch"] == {"SingleHeader": {"Name": ORIGIN_VERIFY_HEADER}}
        assert match["PositionalConstraint"] == "EXACTLY"
        demanded |= _secret_refs(match["SearchString"], synth, stack_name("api"))
    assert demanded == secrets  # both slots accepted, the sent one among them


def test_the_api_behaviours_forward_the_viewer_address(synth: Synth) -> None:
    behaviours = _distribution(synth)["CacheBehaviors"]
    api = [b for b in behaviours if b["PathPattern"].startswith(("/v1", "/.well-known",
                                                                 "/healthz"))]
    assert api and all(b["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST for b in api)


def test_the_deployment_handler_invalidates_only_this_distribution(synth: Synth) -> None:
    found = []
    for _, _, policy in synth.resources("AWS::IAM::Policy", "web"):
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if any(a.startswith("cloudfront:") for a in as_list(statement["Action"])):
                found.append(statement)
    assert found
    for statement in found:
        resource = json.dumps(statement["Resource"])
        assert '"*"' not in resource and ":distribution/" in resource
        assert synth.referenced_logical_ids(statement["Resource"], stack_name("web")) == {
            (stack_name("web"), logical) for _, logical, _ in
            synth.resources("AWS::CloudFront::Distribution", "web")}
