"""Compose the platform's stacks into a CDK app, with cdk-nag's AWS Solutions checks."""

from __future__ import annotations

import os

from aws_cdk import App, Environment, Tags, Validations
from cdk_nag import AwsSolutionsChecks

from infra.names import APP, REGION
from infra.stacks.api import ApiStack
from infra.stacks.config import DeployConfig
from infra.stacks.data import DataStack
from infra.stacks.edge import EDGE_REGION, EdgeStack
from infra.stacks.faces import FacesStack
from infra.stacks.ops import OpsStack
from infra.stacks.web import WebStack
from infra.stacks.workflows import WorkflowsStack


def environment(region: str = REGION) -> Environment:
    """The target region, and the account only if the CLI told us (no lookups, no STS)."""
    return Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=region)


def build(app: App) -> dict[str, object]:
    """Add every stack to ``app`` (and the cdk-nag checks); returns them by short name."""
    config = DeployConfig.of(app)
    env = environment()
    ops = OpsStack(app, config.name("ops"), env=env,
                   description=f"{config.prefix}: alarm topic, dead-letter alarms, dashboard")
    data = DataStack(
        app,
        config.name("data"),
        env=env,
        alarm_topic=ops.topic,
        description=f"{config.prefix}: DynamoDB tables and their keys",
    )
    workflows = WorkflowsStack(
        app,
        config.name("workflows"),
        env=env,
        tables=data.tables,
        keys=data.keys,
        alarm_topic=ops.topic,
        description=f"{config.prefix}: Lambda functions and state machines",
    )
    api = ApiStack(
        app,
        config.name("api"),
        env=env,
        tables=data.tables,
        keys=data.keys,
        workflows=workflows.resources,
        alarm_topic=ops.topic,
        description=f"{config.prefix}: HTTP API (Chalice) behind API Gateway",
    )
    edge = EdgeStack(
        app,
        config.name("edge"),
        env=environment(EDGE_REGION),
        cross_region_references=True,  # the web stack uses its web ACL
        description=f"{config.prefix}: CloudFront's web ACL (per-viewer limits) and standard "
                    "logs (us-east-1)",
    )
    web = WebStack(
        app,
        config.name("web"),
        env=env,
        rest_api_id=api.rest_api_id,
        api_stage=api.stage_name,
        origin_verify=api.protection.origin_verify[api.protection.origin_verify_slot]
        .secret_value,
        web_acl_arn=edge.web_acl.attr_arn,
        cross_region_references=True,
        description=f"{config.prefix}: portal (S3 + CloudFront) in front of the API",
    )
    web.add_stack_dependency(edge, reason="CloudFront logs to the edge bucket, and its web ACL")
    faces = FacesStack(
        app,
        config.name("faces"),
        env=environment(config.face_region),
        description=f"{config.prefix}: Rekognition collection of consented face templates "
                    f"({config.face_region}: no Rekognition in Hong Kong)",
    )

    stacks = {
        "ops": ops,
        "data": data,
        "api": api,
        "workflows": workflows,
        "edge": edge,
        "web": web,
        "faces": faces,
    }
    for stack in stacks.values():
        Tags.of(stack).add("app", APP)
        Tags.of(stack).add("stage", config.stage)
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True),
    )
    return stacks
