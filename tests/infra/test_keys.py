"""The keys in infra.names.KEYS: spec, usage, alias, tags, no rotation, retained in prod."""

from __future__ import annotations

import pytest
from infra_synth import Synth

from infra.names import KEYS, OIDC_SIGNING_TAG, KeySpec

SPECS = list(KEYS.values())


def _key(synth: Synth, spec: KeySpec) -> tuple[str, dict]:
    return synth.one("AWS::KMS::Key", "data", KeySpec=spec.key_spec, KeyUsage=spec.key_usage)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_key_exists_with_its_spec_usage_and_alias(synth: Synth, spec: KeySpec) -> None:
    logical, key = _key(synth, spec)
    props = key["Properties"]
    assert props["Description"] == spec.description
    assert not props.get("EnableKeyRotation")  # not available for asymmetric/HMAC keys
    assert props.get("Enabled", True) is True
    aliases = [r["Properties"] for _, _, r in synth.resources("AWS::KMS::Alias", "data")
               if r["Properties"]["TargetKeyId"] == {"Fn::GetAtt": [logical, "Arn"]}]
    assert aliases == [{"AliasName": spec.alias,
                        "TargetKeyId": {"Fn::GetAtt": [logical, "Arn"]}}]
    tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
    assert dict(spec.tags).items() <= tags.items()


def test_only_the_signing_key_carries_the_signing_tag(synth: Synth) -> None:
    tagged = [
        r["Properties"]["KeySpec"]
        for _, _, r in synth.resources("AWS::KMS::Key")
        if {"Key": OIDC_SIGNING_TAG[0], "Value": OIDC_SIGNING_TAG[1]}
        in r["Properties"].get("Tags", [])
    ]
    assert tagged == ["ECC_NIST_P256"]


def test_no_role_may_sign_or_mac_yet(synth: Synth) -> None:
    """No function signs or hashes yet. The first that does (the OpenID Provider) must get
    kms:Sign / kms:GenerateMac on these keys only: replace this test with that check."""
    for stack, logical, policy in synth.resources("AWS::IAM::Policy"):
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            assert not {"kms:Sign", "kms:GenerateMac", "kms:*"} & set(actions), (stack, logical)
