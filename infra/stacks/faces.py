"""Faces (ap-southeast-1): the Rekognition collection of consented face templates.

Amazon Rekognition is not offered in Hong Kong (ap-east-1), so the collection lives in
``infra.names.FACES_REGION``; the functions call Rekognition there
(``settings.rekognition_region``). Its name is fixed, so the other stacks grant on its ARN
without a cross-region reference. ``rekognition_grants`` is what a role needs to keep, match
and delete templates and to run liveness sessions.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rekognition as rekognition
from constructs import Construct

from infra.names import FACE_COLLECTION_ID, FACES_REGION
from infra.stacks.config import DeployConfig


def collection_arn() -> str:
    return (f"arn:{Aws.PARTITION}:rekognition:{FACES_REGION}:{Aws.ACCOUNT_ID}:collection/"
            f"{FACE_COLLECTION_ID}")


class FacesStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        config = DeployConfig.of(self)
        self.collection = rekognition.CfnCollection(
            self, "FaceTemplates", collection_id=FACE_COLLECTION_ID)
        self.collection.apply_removal_policy(config.removal_policy
                                             if config.prod else RemovalPolicy.DESTROY)


def rekognition_grants(role: iam.IRole, *, templates: bool, liveness: bool,
                       compare: bool) -> None:
    """Rekognition for one role: ``templates`` (index, search, delete in the collection),
    ``liveness`` (create and read Face Liveness sessions), ``compare`` (1:1 comparison)."""
    if templates:
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["rekognition:IndexFaces", "rekognition:SearchFacesByImage",
                     "rekognition:DeleteFaces", "rekognition:ListFaces"],
            resources=[collection_arn()]))
    unscoped = [*(["rekognition:CreateFaceLivenessSession",
                   "rekognition:GetFaceLivenessSessionResults"] if liveness else []),
                *(["rekognition:CompareFaces", "rekognition:DetectFaces"] if compare else [])]
    if unscoped:
        # CompareFaces, DetectFaces and Face Liveness sessions take no resource scope: the
        # caller acknowledges Resource::* for its role, with its other unscoped actions.
        role.add_to_principal_policy(iam.PolicyStatement(actions=unscoped, resources=["*"]))
