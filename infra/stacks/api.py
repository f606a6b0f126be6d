"""API: the Chalice app (``functions/api``) behind API Gateway, with its guard rails."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, CfnResource, Stack, Stage
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from chalice.cdk import Chalice
from constructs import Construct

from infra.constructs.alarms import Alarms
from infra.constructs.api_protection import ApiProtection
from infra.constructs.functions import grant_parameters, grant_tables, logs_and_role
from infra.constructs.keys import grant_mac, grant_signing
from infra.constructs.nag import acknowledge
from infra.constructs.tables import EncryptedTable
from infra.layers import ARCHITECTURE, RUNTIME, Layers
from infra.names import (
    API_MAC_KEYS,
    API_PARAMETERS,
    API_ROLE,
    API_TABLES_APPEND,
    API_TABLES_READ,
    API_TABLES_WRITE,
    GATEWAY_ANSWERS,
    GATEWAY_ERROR_HEADERS,
    REGION,
    ROOT,
    STATE_MACHINES,
    role_name,
)
from infra.stacks.config import DeployConfig
from infra.stacks.environment import function_environment
from infra.stacks.faces import (
    liveness_client_grant,
    liveness_client_role_arn,
    rekognition_grants,
)
from infra.stacks.workflows import WorkflowResources

API_SOURCE = ROOT / "functions" / "api"
API_ID = "api"  # the REST API and its function are called config.name(API_ID)
API_MEMORY_MB = 1024
# Chalice's names inside the SAM template it generates.
CHALICE_FUNCTION = "APIHandler"
CHALICE_REST_API = "RestAPI"
API_STAGE = "api"  # chalice's default api_gateway_stage
SAM_STAGE_LOGICAL_ID = f"{CHALICE_REST_API}{API_STAGE}Stage"  # SAM's naming rule


class ApiStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tables: Mapping[str, EncryptedTable],
        keys: Mapping[str, kms.IKey],
        workflows: WorkflowResources,
        alarm_topic: sns.ITopic,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        config = DeployConfig.of(self)
        layers = Layers(self, "Layers")
        api_name = config.name(API_ID)
        self.api_name = api_name

        self.log_group, self.role = logs_and_role(
            self, function_name=api_name, config=config,
            description=f"Runs the {api_name} Chalice app",
            log_id="HandlerLogs", role_id="HandlerRole",
            role_name=role_name(API_ROLE, config.stage),
        )
        grant_tables(self.role, tables, read=API_TABLES_READ, write=API_TABLES_WRITE,
                     append=API_TABLES_APPEND)
        grant_signing(self.role, config)
        grant_mac(self.role, keys, API_MAC_KEYS)
        grant_parameters(self.role, API_PARAMETERS, config.stage)
        self._registration(workflows)
        self._faces(workflows, config)
        # Who holds an API key comes from the API key registry table (iamsmart.apikeys), read
        # with the table grants above: the API never reads API Gateway's keys (values).

        environment = {**function_environment(config),
                       "EVIDENCE_BUCKET": workflows.evidence_bucket.bucket_name,
                       "REGISTRATION_QUEUE": workflows.queue.queue_name,
                       STATE_MACHINES["face-stepup"].env: workflows.face_stepup.state_machine_arn,
                       "LIVENESS_CLIENT_ROLE_ARN": liveness_client_role_arn(config),
                       STATE_MACHINES["exchange-fetch"].env:
                           workflows.exchange_fetch.state_machine_arn}
        stage_config = {
            "api_gateway_endpoint_type": "REGIONAL",  # CloudFront (web stack) is the edge
            "manage_iam_role": False,
            "iam_role_arn": self.role.role_arn,
            "layers": [layer.layer_version_arn for layer in layers.all],
            "environment_variables": environment,
            "lambda_memory_size": API_MEMORY_MB,
            "lambda_timeout": 29,  # API Gateway gives up after 29 s anyway
            "xray": True,
        }
        self.chalice = chalice_app(self, "Api", source=API_SOURCE, stage_config=stage_config)

        handler = self.chalice.get_resource(CHALICE_FUNCTION)
        # chalice picks the runtime of the synthesizing interpreter; Lambda runs ours.
        handler.add_property_override("Runtime", RUNTIME.name)
        handler.add_property_override("Architectures", [ARCHITECTURE.name])  # as the layers
        handler.add_property_override("FunctionName", api_name)
        handler.add_property_override("LoggingConfig", {"LogGroup": self.log_group.log_group_name})
        acknowledge(
            handler,
            {
                "AwsSolutions-L1": "Pinned to python3.12: the deps layer's wheels are built for "
                "cp312 (infra/layers.py); upgrade both together.",
            },
        )

        self.rest_api = self.chalice.get_resource(CHALICE_REST_API)
        self.rest_api_id: str = self.rest_api.ref
        self.stage_name = API_STAGE
        gateway_responses(self, self.rest_api)
        self.protection = ApiProtection(
            self,
            "Protection",
            rest_api=self.rest_api,
            stage_name=API_STAGE,
            stage_logical_id=SAM_STAGE_LOGICAL_ID,
            api_name=api_name,
            config=config,
        )

        alarms = Alarms(self, "Alarms", topic=alarm_topic, config=config)
        alarms.function("api", self.chalice.get_function(CHALICE_FUNCTION))
        alarms.rest_api("api", api_name=api_name, stage=API_STAGE)

        CfnOutput(
            self,
            "ApiUrl",
            value=(
                f"https://{self.rest_api_id}.execute-api.{self.region}.{self.url_suffix}/{API_STAGE}/"
            ),
        )


    def _faces(self, workflows: WorkflowResources, config: DeployConfig) -> None:
        """Step-up: stage the selfie, run the Express workflow synchronously; templates
        (enrol, withdraw) and liveness sessions in Rekognition's region."""
        self.role.add_to_policy(iam.PolicyStatement(
            actions=["s3:PutObject", "s3:DeleteObject"],
            resources=[workflows.evidence_bucket.arn_for_objects("stepup/*")]))
        self.role.add_to_policy(iam.PolicyStatement(
            actions=["states:StartSyncExecution"],
            resources=[workflows.face_stepup.state_machine_arn,
                       workflows.exchange_fetch.state_machine_arn]))
        rekognition_grants(self.role, config, templates=True, liveness=True, compare=True)
        liveness_client_grant(self.role, config)
        acknowledge(self.role, {
            f"AwsSolutions-IAM5[Resource::{config.name('workflows')}:ExportsOutputFnGetAtt"
            "Evidence4CC26D68Arn9E0A376E/stepup/*]": "Step-up selfies only, one object per "
            "attempt, named at run time.",
        })

    def _registration(self, registration: WorkflowResources) -> None:
        """Intake stores evidence and queues applications; staff review answers the
        workflow's task tokens and reads the evidence of applications in review."""
        config = DeployConfig.of(self)
        bucket = registration.evidence_bucket
        self.role.add_to_policy(iam.PolicyStatement(
            actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            resources=[bucket.arn_for_objects("applications/*")]))
        registration.queue.grant_send_messages(self.role)
        self.role.add_to_policy(iam.PolicyStatement(
            actions=["sqs:GetQueueUrl"], resources=[registration.queue.queue_arn]))
        # SendTaskSuccess/SendTaskFailure take no resource: the task token is the capability.
        self.role.add_to_policy(iam.PolicyStatement(
            actions=["states:SendTaskSuccess", "states:SendTaskFailure"], resources=["*"]))
        acknowledge(self.role, {
            "AwsSolutions-IAM5[Resource::*]": "Actions with no resource scope: kms:ListKeys "
            "(finding the OIDC signing keys), states:SendTaskSuccess/SendTaskFailure (the "
            "task token of an application in review is the capability), Rekognition's "
            "CompareFaces, DetectFaces and Face Liveness sessions.",
            f"AwsSolutions-IAM5[Resource::{config.name('workflows')}:ExportsOutputFnGetAtt"
            "Evidence4CC26D68Arn9E0A376E/applications/*]": "Evidence objects of registration "
            "applications only: one prefix per application, named at run time.",
        })


def gateway_responses(scope: Construct, rest_api: CfnResource) -> list[CfnResource]:
    """What API Gateway answers itself (no API key, throttled, unknown path, WAF block,
    integration timeout...) in the platform's bilingual error shape and headers
    (``infra.names.GATEWAY_ANSWERS``, which the local front server answers too), instead of
    API Gateway's ``{"message": ...}``."""
    responses = []
    for kind, answer in GATEWAY_ANSWERS.items():
        # A static value cannot hold a quote: the CSP comes from CloudFront's response headers
        # policy, which covers the API paths too (infra.constructs.site).
        headers = {name: value for name, value in GATEWAY_ERROR_HEADERS.items()
                   if "'" not in value}
        if answer.retry_after is not None:
            headers["Retry-After"] = str(answer.retry_after)
        properties: dict[str, Any] = {
            "RestApiId": rest_api.ref,
            "ResponseType": kind,
            # Static values are quoted in API Gateway's mapping syntax; ASCII-escaped JSON
            # keeps the template free of VTL's ``$``/``#`` and of encoding questions.
            "ResponseParameters": {f"gatewayresponse.header.{name}": f"'{value}'"
                                   for name, value in headers.items()},
            "ResponseTemplates": {"application/json": json.dumps(answer.body())},
        }
        if answer.status is not None:
            properties["StatusCode"] = str(answer.status)
        responses.append(CfnResource(scope, f"GatewayResponse{kind.title().replace('_', '')}",
                                     type="AWS::ApiGateway::GatewayResponse",
                                     properties=properties))
    return responses


def chalice_app(
    scope: Construct, construct_id: str, *, source: Path, stage_config: dict[str, Any]
) -> Chalice:
    """Package the Chalice app into the construct tree, offline.

    chalice packages into ``./chalice.out`` (relative to the working directory) and needs a
    region: package inside the cloud assembly directory so nothing lands in the source tree.

    chalice imports the project's ``app`` module by that name. The import happens in a clean
    slate and is undone afterwards: a chalice Blueprint can be registered on one app per
    process only (registration consumes its deferred route options), so a second import of
    the app next to another copy (the test suite's, or this repository's CDK ``app.py``
    already cached as ``app``) would silently turn routes into GET routes.
    """
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    outdir = Path(Stage.of(scope).outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    saved_path = list(sys.path)
    saved_modules = {name: sys.modules.pop(name) for name in _modules_to_isolate(source)}
    sys.path.insert(0, str(source))
    try:
        with contextlib.chdir(outdir):
            return Chalice(scope, construct_id, source_dir=str(source), stage_config=stage_config)
    finally:
        sys.path[:] = saved_path
        for name in _modules_to_isolate(source):
            del sys.modules[name]
        sys.modules.update(saved_modules)


def _modules_to_isolate(source: Path) -> list[str]:
    """Loaded modules from ``source`` (the Chalice project), plus whatever is called ``app``."""
    names = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if name == "app" or (file and Path(file).resolve().is_relative_to(source.resolve())):
            names.append(name)
    return names
