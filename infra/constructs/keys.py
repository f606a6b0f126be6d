"""The KMS keys the code uses directly (``infra.names.KEYS``): OIDC signing and HKID HMAC.

Automatic rotation is not available for asymmetric (ECC_NIST_P256) or HMAC keys, so neither
key has it. The signing key is rotated by hand with overlap: create a new key with the same
tag, point the alias at it, and disable the old key once its tokens have expired (the JWKS
publishes every enabled tagged key). The HMAC key is never rotated in place: every stored
HKID hash depends on it (a new key means re-hashing on the citizen's next verified login).

Each key has an explicit key policy (``key_policy``) rather than CDK's default "the account
may do anything": the account's administrators (and CloudFormation) may manage the key
(describe, tag, enable/disable, change its policy, schedule deletion) but never use it; only the
roles named in ``KeySpec.users`` may use it, and only for ``KeySpec.usage`` (``kms:Sign``,
``kms:GenerateMac``). Nobody may create grants on it. The users' roles are named
(``infra.names.role_name``) so the policy can name them by ARN before they exist; each role's
own IAM policy must allow the call as well. A rotated signing key (created by hand) gets the
same policy: copy it from the current key (``aws kms get-key-policy``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Aws, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.constructs.nag import acknowledge, resource
from infra.names import KEYS, KeySpec, oidc_signing_tag, role_name
from infra.stacks.config import DeployConfig

# What the account's administrators may do with a platform key: manage it, never use it
# (no Sign, GenerateMac, VerifyMac, CreateGrant, and no wildcard that would include them).
ADMIN_ACTIONS = (
    "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:GetPublicKey",
    "kms:ListResourceTags", "kms:ListGrants", "kms:ListKeyPolicies", "kms:ListAliases",
    "kms:PutKeyPolicy", "kms:EnableKey", "kms:DisableKey", "kms:UpdateKeyDescription",
    "kms:TagResource", "kms:UntagResource", "kms:CreateAlias", "kms:UpdateAlias",
    "kms:DeleteAlias", "kms:RevokeGrant", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
)


def key_policy(spec: KeySpec, config: DeployConfig) -> iam.PolicyDocument:
    """Administrators manage; the named roles use (``spec.usage``), nobody else."""
    if not spec.users or not spec.usage:
        raise ValueError(f"key {spec.id} names no users or usage (infra.names.KEYS)")
    account = iam.AccountRootPrincipal()
    users = [f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/{role_name(user, config.stage)}"
             for user in spec.users]
    return iam.PolicyDocument(statements=[
        iam.PolicyStatement(sid="KeyAdministration", principals=[account],
                            actions=list(ADMIN_ACTIONS), resources=["*"]),
        iam.PolicyStatement(sid="NamedUsersOnly", principals=[account],
                            actions=list(spec.usage), resources=["*"],
                            conditions={"ArnEquals": {"aws:PrincipalArn": users}}),
    ])


def _construct_id(spec_id: str) -> str:
    return "".join(part.capitalize() for part in spec_id.split("-"))


class PlatformKeys(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        #: key id (as in infra.names.KEYS) -> its key
        self.keys: dict[str, kms.Key] = {}
        for spec in KEYS.values():
            key = kms.Key(
                self,
                _construct_id(spec.id),
                description=spec.description,
                alias=spec.alias_in(config.stage),
                key_spec=kms.KeySpec[spec.key_spec],
                key_usage=kms.KeyUsage[spec.key_usage],
                enable_key_rotation=False,  # not available for asymmetric / HMAC keys
                removal_policy=config.removal_policy,
                policy=key_policy(spec, config),
            )
            for tag_key, tag_value in spec.tags_in(config.stage):
                Tags.of(key).add(tag_key, tag_value)
            self.keys[spec.id] = key


def grant_signing(role: iam.Role, config: DeployConfig) -> None:
    """Sign with, and publish, every OIDC signing key of this deployment: keys are found by
    their tag (rotation creates keys this template never saw), so Sign and GetPublicKey are
    allowed only on keys carrying this stage's ``oidc_signing_tag`` (attribute-based; another
    stage's keys in the same account are not this one's); listing keys and reading their
    metadata and tags is what finding them takes. ``kms:ListKeys`` has no resource scope: the
    caller acknowledges ``Resource::*`` for its role (with its other unscoped actions)."""
    stack = Stack.of(role)
    any_key = f"arn:{stack.partition}:kms:{stack.region}:{stack.account}:key/*"
    tag_key, tag_value = oidc_signing_tag(config.stage)
    role.add_to_policy(iam.PolicyStatement(
        actions=["kms:Sign", "kms:GetPublicKey"],
        resources=[any_key],
        conditions={"StringEquals": {f"aws:ResourceTag/{tag_key}": tag_value}},
    ))
    role.add_to_policy(iam.PolicyStatement(
        actions=["kms:DescribeKey", "kms:ListResourceTags"], resources=[any_key]))
    role.add_to_policy(iam.PolicyStatement(actions=["kms:ListKeys"], resources=["*"]))
    acknowledge(role, {
        f"AwsSolutions-IAM5[{resource(role, any_key)}]": "Signing keys are rotated by creating "
        "new tagged keys: Sign/GetPublicKey are limited to keys tagged as OIDC signing keys; "
        "DescribeKey/ListResourceTags only read metadata to find them.",
    })


def grant_mac(role: iam.IGrantable, keys: Mapping[str, kms.IKey], key_ids: Sequence[str]) -> None:
    """GenerateMac with the HMAC keys listed (by id in ``infra.names.KEYS``), no others."""
    for key_id in key_ids:
        if KEYS[key_id].key_usage != "GENERATE_VERIFY_MAC":
            raise ValueError(f"{key_id} is not an HMAC key")
        keys[key_id].grant(role, "kms:GenerateMac")
