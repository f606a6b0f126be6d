"""The KMS keys the code uses directly (``infra.names.KEYS``): OIDC signing and HKID HMAC.

Automatic rotation is not available for asymmetric (ECC_NIST_P256) or HMAC keys, so neither
key has it. The signing key is rotated by hand with overlap: create a new key with the same
tag, point the alias at it, and disable the old key once its tokens have expired (the JWKS
publishes every enabled tagged key). The HMAC key is never rotated in place: every stored
HKID hash depends on it (a new key means re-hashing on the citizen's next verified login).
"""

from __future__ import annotations

from aws_cdk import Tags
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.names import KEYS
from infra.stacks.config import DeployConfig


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
                alias=spec.alias,
                key_spec=kms.KeySpec[spec.key_spec],
                key_usage=kms.KeyUsage[spec.key_usage],
                enable_key_rotation=False,  # not available for asymmetric / HMAC keys
                removal_policy=config.removal_policy,
            )
            for tag_key, tag_value in spec.tags:
                Tags.of(key).add(tag_key, tag_value)
            self.keys[spec.id] = key
