"""The keys in infra.names.KEYS: spec, usage, alias, tags, no rotation, retained in prod."""

from __future__ import annotations

import json

import pytest
from infra_synth import Synth

from infra.names import KEYS, OIDC_SIGNING_TAG, KeySpec

SPECS = list(KEYS.values())


def _key(synth: Synth, spec: KeySpec) -> tuple[str, dict]:
    return synth.one("AWS::KMS::Key", "data", KeySpec=spec.key_spec, KeyUsage=spec.key_usage,
                     Description=spec.description)


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


def _statements(synth: Synth) -> list[tuple[str, str, dict]]:
    out = []
    policies = [*synth.resources("AWS::IAM::Policy"), *synth.resources("AWS::IAM::ManagedPolicy")]
    for stack, logical, policy in policies:
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            out.append((stack, logical, statement))
    return out


def _actions(statement: dict) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def test_only_the_api_and_the_provider_call_sign_and_only_with_tagged_keys(
        synth: Synth) -> None:
    """kms:Sign is allowed to the API role (tokens, receipts) and the data-exchange provider
    call (the gateway's signed requests) alone, and only on keys carrying the OIDC signing
    tag (attribute-based: rotation adds keys the template never names)."""
    signing = [(stack, logical, st) for stack, logical, st in _statements(synth)
               if {"kms:Sign", "kms:*"} & _actions(st)]
    assert sorted(stack for stack, _, _ in signing) == ["iamsmart-api", "iamsmart-workflows"]
    assert "ExchangeCall" in next(lg for stack, lg, _ in signing if stack == "iamsmart-workflows")
    for _, _, statement in signing:
        assert statement["Condition"] == {"StringEquals": {
            f"aws:ResourceTag/{OIDC_SIGNING_TAG[0]}": OIDC_SIGNING_TAG[1]}}
        assert _actions(statement) == {"kms:Sign", "kms:GetPublicKey"}


def test_each_hmac_key_is_used_by_its_one_purpose(synth: Synth) -> None:
    """The API derives pairwise subjects and DPoP nonces with the token HMAC key; only the
    registration workflow's duplicate check hashes HKID numbers, with the HKID key."""
    token_key, _ = _key(synth, KEYS["token-hmac"])
    hkid_key, _ = _key(synth, KEYS["hkid-hmac"])
    macs = [(stack, logical, json.dumps(st["Resource"]))
            for stack, logical, st in _statements(synth) if "kms:GenerateMac" in _actions(st)]
    by_key = {key: sorted((stack, logical) for stack, logical, res in macs if key in res)
              for key in (token_key, hkid_key)}
    assert [stack for stack, _ in by_key[token_key]] == ["iamsmart-api"]
    assert [stack for stack, _ in by_key[hkid_key]] == ["iamsmart-workflows"]
    assert "RegistrationDuplicateCheck" in by_key[hkid_key][0][1]
    assert len(macs) == 2
