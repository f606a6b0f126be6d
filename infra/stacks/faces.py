"""Faces (the face region): the Rekognition collection of consented face templates, and
the role the app streams Face Liveness videos with.

Amazon Rekognition is not offered in Hong Kong (ap-east-1), so the collection lives in the
deployment's face region (``-c face_region=``, default ``infra.names.FACES_REGION``, validated
against ``infra.names.FACE_REGIONS``: collections and Face Liveness both offered); the functions
call Rekognition there (``settings.rekognition_region``, from ``REKOGNITION_REGION``). Its name
is derived from the stage, so the other stacks grant on its ARN without a cross-region
reference. ``rekognition_grants`` is what a role needs to keep, match
and delete templates and to run liveness sessions.

The liveness client role (``infra.names.LIVENESS_CLIENT``, staged) allows exactly one action,
``rekognition:StartFaceLivenessSession``: the API assumes it (STS, 15 minutes, with a session
policy naming the same single action) for each session the app starts, so the app can stream
its video selfie to Rekognition and do nothing else. IAM roles are global; the name is derived
from the stage so the API stack grants ``sts:AssumeRole`` on its ARN without a cross-region
reference.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rekognition as rekognition
from constructs import Construct

from infra.constructs.nag import acknowledge
from infra.names import FACE_COLLECTION, LIVENESS_CLIENT
from infra.stacks.config import DeployConfig


def collection_arn(config: DeployConfig) -> str:
    return (f"arn:{Aws.PARTITION}:rekognition:{config.face_region}:{Aws.ACCOUNT_ID}:collection/"
            f"{config.name(FACE_COLLECTION)}")


class FacesStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        config = DeployConfig.of(self)
        self.collection = rekognition.CfnCollection(
            self, "FaceTemplates", collection_id=config.name(FACE_COLLECTION))
        self.collection.apply_removal_policy(config.removal_policy
                                             if config.prod else RemovalPolicy.DESTROY)
        self.liveness_client = iam.Role(
            self, "LivenessClient", role_name=config.name(LIVENESS_CLIENT),
            # Trusts this account only; the one principal granted sts:AssumeRole on it is the
            # API's role (infra/stacks/api.py), which issues the credentials per session.
            assumed_by=iam.AccountPrincipal(Aws.ACCOUNT_ID),
            max_session_duration=Duration.hours(1),
            description="The app streams one Face Liveness video with these credentials: "
                        "rekognition:StartFaceLivenessSession only")
        self.liveness_client.add_to_policy(iam.PolicyStatement(
            actions=["rekognition:StartFaceLivenessSession"], resources=["*"]))
        acknowledge(self.liveness_client, {
            "AwsSolutions-IAM5[Resource::*]": "StartFaceLivenessSession takes no resource "
            "scope in IAM; the role allows that one action only, its credentials last 15 "
            "minutes, and the session they stream to is created and bound by the platform.",
        })


def liveness_client_role_arn(config: DeployConfig) -> str:
    return (f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/"
            f"{config.name(LIVENESS_CLIENT)}")


def liveness_client_grant(role: iam.IRole, config: DeployConfig) -> None:
    """``role`` may issue the app's liveness credentials (assume the liveness client role)."""
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=["sts:AssumeRole"], resources=[liveness_client_role_arn(config)]))


def rekognition_grants(role: iam.IRole, config: DeployConfig, *, templates: bool,
                       liveness: bool, compare: bool) -> None:
    """Rekognition for one role: ``templates`` (index, search, delete in the collection),
    ``liveness`` (create and read Face Liveness sessions), ``compare`` (1:1 comparison)."""
    if templates:
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["rekognition:IndexFaces", "rekognition:SearchFacesByImage",
                     "rekognition:DeleteFaces", "rekognition:ListFaces"],
            resources=[collection_arn(config)]))
    unscoped = [*(["rekognition:CreateFaceLivenessSession",
                   "rekognition:GetFaceLivenessSessionResults"] if liveness else []),
                *(["rekognition:CompareFaces", "rekognition:DetectFaces"] if compare else [])]
    if unscoped:
        # CompareFaces, DetectFaces and Face Liveness sessions take no resource scope: the
        # caller acknowledges Resource::* for its role, with its other unscoped actions.
        role.add_to_principal_policy(iam.PolicyStatement(actions=unscoped, resources=["*"]))
