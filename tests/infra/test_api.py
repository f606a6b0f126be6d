"""The Chalice API: runtime, layers, environment, and its stage's guard rails."""

from __future__ import annotations

from infra_synth import STAGE, Synth, stack_name

from infra.names import (
    FACE_COLLECTION,
    FACES_REGION,
    USAGE_PLANS,
    prefix,
    resource_name,
    table_environment,
)

API = stack_name("api")


def handler(synth: Synth) -> dict:
    return synth.template("api")["Resources"]["APIHandler"]["Properties"]


def rest_api(synth: Synth) -> dict:
    return synth.template("api")["Resources"]["RestAPI"]["Properties"]


def test_handler_runs_python_312_with_both_layers(synth: Synth) -> None:
    props = handler(synth)
    assert props["Runtime"] == "python3.12"
    assert props["Architectures"] == ["x86_64"]
    resources = synth.template("api")["Resources"]
    layers = [resources[ref["Ref"]] for ref in props["Layers"]]
    assert [layer["Type"] for layer in layers] == ["AWS::Lambda::LayerVersion"] * 2
    assert props["Tracing"] == "Active"
    assert props["Timeout"] <= 29  # API Gateway's own limit


def test_handler_environment_names_the_tables(synth: Synth) -> None:
    env = handler(synth)["Environment"]["Variables"]
    assert table_environment(STAGE).items() <= env.items()
    assert env["STAGE"] == "dev"
    # Metrics carry the stage's prefix as their "service": deployments sharing an account
    # publish apart, and the dashboard (ops stack) searches this stage's only.
    assert env["POWERTOOLS_SERVICE_NAME"] == prefix(STAGE)
    # Face images go to the validated face region, to this stage's collection.
    assert env["REKOGNITION_REGION"] == FACES_REGION
    assert env["FACE_COLLECTION_ID"] == resource_name(FACE_COLLECTION, STAGE)


def test_handler_logs_to_its_own_log_group(synth: Synth) -> None:
    group = handler(synth)["LoggingConfig"]["LogGroup"]["Ref"]
    props = synth.template("api")["Resources"][group]["Properties"]
    assert props["LogGroupName"] == f"/aws/lambda/{handler(synth)['FunctionName']}"
    assert props["RetentionInDays"] > 0


def test_stage_has_access_logs_tracing_and_no_body_logging(synth: Synth) -> None:
    props = rest_api(synth)
    assert props["StageName"] == "api"
    assert props["TracingEnabled"] is True
    destination = props["AccessLogSetting"]["DestinationArn"]
    [(_, group)] = synth.referenced_logical_ids(destination, stack_name("api"))
    assert synth.template("api")["Resources"][group]["Type"] == "AWS::Logs::LogGroup"
    assert not str(destination).endswith(':*"]}')  # the group itself, not its streams
    assert "$context.identity.apiKeyId" in props["AccessLogSetting"]["Format"]
    assert all(m["DataTraceEnabled"] is False for m in props["MethodSettings"])
    assert props["EndpointConfiguration"] == "REGIONAL"  # CloudFront is the edge


def test_every_usage_plan_has_throttle_and_quota_on_the_stage(synth: Synth) -> None:
    """One plan per kind of key holder (departments, registration sites, staff), named as the
    operator CLIs look them up (infra.names.USAGE_PLANS, stage-prefixed)."""
    plans = {
        r["Properties"]["UsagePlanName"]: r
        for _, _, r in synth.resources("AWS::ApiGateway::UsagePlan", "api")
        if {"ApiId": {"Ref": "RestAPI"}, "Stage": "api"} in r["Properties"]["ApiStages"]
    }
    assert set(plans) == {spec.name_in(STAGE) for spec in USAGE_PLANS.values()}
    for spec in USAGE_PLANS.values():
        plan = plans[spec.name_in(STAGE)]
        assert plan["Properties"]["Throttle"] == {"RateLimit": spec.rate,
                                                  "BurstLimit": spec.burst}
        assert plan["Properties"]["Quota"] == {"Limit": spec.quota_per_day, "Period": "DAY"}
        # The stage is created by the SAM transform; the plan must wait for it.
        assert "RestAPIapiStage" in plan["DependsOn"]


def test_the_regional_waf_guards_the_stage(synth: Synth) -> None:
    acls = {
        logical: r["Properties"]
        for _, logical, r in synth.resources("AWS::WAFv2::WebACL", "api")
        if r["Properties"]["Scope"] == "REGIONAL"
    }
    associations = [
        r["Properties"] for _, _, r in synth.resources("AWS::WAFv2::WebACLAssociation", "api")
    ]
    guarded = [
        a
        for a in associations
        if {"Ref": "RestAPI"} in a["ResourceArn"]["Fn::Join"][1]
        and a["ResourceArn"]["Fn::Join"][1][-1].endswith("/stages/api")
    ]
    assert len(guarded) == 1
    acl = acls[guarded[0]["WebACLArn"]["Fn::GetAtt"][0]]
    # Behind CloudFront an IP rate rule here would count edge addresses: viewers are limited
    # at CloudFront's web ACL (tests/infra/test_edge.py); this one admits CloudFront only.
    assert not [r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    assert acl["Rules"][0]["Name"] == "FromCloudFrontOnly"
    assert "Block" in acl["Rules"][0]["Action"]


def test_api_gateway_can_write_logs(synth: Synth) -> None:
    accounts = [r for _, _, r in synth.resources("AWS::ApiGateway::Account", "api")]
    assert accounts and accounts[0]["Properties"]["CloudWatchRoleArn"]
    # One setting per account and region, shared by the stages: the role it names outlives
    # the stack that made it (destroying dev must not break prod's API logs).
    [role] = synth.referenced_logical_ids(accounts[0]["Properties"]["CloudWatchRoleArn"],
                                          stack_name("api"))
    assert synth.template("api")["Resources"][role[1]]["DeletionPolicy"] == "Retain"
    assert any("Account" in d for d in as_depends(synth.template("api")["Resources"]["RestAPI"]))


def as_depends(resource: dict) -> list[str]:
    depends = resource.get("DependsOn", [])
    return depends if isinstance(depends, list) else [depends]


def test_deployed_routes_are_the_routes_the_app_serves(synth: Synth, api_app) -> None:
    """Same paths and methods in API Gateway as in the Chalice app; department keys enforced."""
    paths = rest_api(synth)["DefinitionBody"]["paths"]
    deployed = {
        (path, method.upper())
        for path, ops in paths.items()
        for method in ops
        if method != "options"  # CORS preflight, if any route enables it
    }
    served = {(path, method) for path, methods in api_app.routes.items() for method in methods}
    assert deployed == served
    for path, methods in api_app.routes.items():
        for method, entry in methods.items():
            op = paths[path][method.lower()]
            assert bool(op.get("security")) == bool(entry.api_key_required), (path, method)
