"""The keys in infra.names.KEYS: spec, usage, alias, tags, no rotation, retained in prod."""

from __future__ import annotations

import json

import pytest
from infra_synth import STAGE, Synth, as_list, stack_name

from infra.names import KEYS, KeySpec, oidc_signing_tag, role_name

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
    assert aliases == [{"AliasName": spec.alias_in(STAGE),
                        "TargetKeyId": {"Fn::GetAtt": [logical, "Arn"]}}]
    tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
    assert dict(spec.tags_in(STAGE)).items() <= tags.items()


def test_only_the_signing_key_carries_the_signing_tag(synth: Synth) -> None:
    tagged = [
        r["Properties"]["KeySpec"]
        for _, _, r in synth.resources("AWS::KMS::Key")
        if {"Key": oidc_signing_tag(STAGE)[0], "Value": oidc_signing_tag(STAGE)[1]}
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
    assert sorted(stack for stack, _, _ in signing) == [stack_name("api"), stack_name("workflows")]
    workflows = stack_name("workflows")
    assert "ExchangeCall" in next(lg for stack, lg, _ in signing if stack == workflows)
    for _, _, statement in signing:
        tag_key, tag_value = oidc_signing_tag(STAGE)  # this stage's keys, no other's
        assert statement["Condition"] == {"StringEquals": {
            f"aws:ResourceTag/{tag_key}": tag_value}}
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
    assert [stack for stack, _ in by_key[token_key]] == [stack_name("api")]
    assert [stack for stack, _ in by_key[hkid_key]] == [stack_name("workflows")]
    assert "RegistrationDuplicateCheck" in by_key[hkid_key][0][1]
    assert len(macs) == 2


# --- key policies: administrators manage, the named roles use ---------------------------

USE_ACTIONS = {"kms:Sign", "kms:Verify", "kms:GenerateMac", "kms:VerifyMac", "kms:Encrypt",
               "kms:Decrypt", "kms:CreateGrant", "kms:GenerateDataKey"}


def _grants_use(action: str) -> bool:
    """An action (possibly a wildcard) that includes using the key or handing it on."""
    import fnmatch

    return any(fnmatch.fnmatchcase(use, action) for use in USE_ACTIONS)


def _role_of_arn(arn: object) -> str:
    """``arn:<partition>:iam::<account>:role/<name>`` (an Fn::Join) -> ``<name>``."""
    parts = arn["Fn::Join"][1] if isinstance(arn, dict) else [arn]
    return str(parts[-1]).split(":role/")[1]


def _role_names(synth: Synth) -> dict[tuple[str, str], str]:
    return {(stack, logical): r["Properties"]["RoleName"]
            for stack, logical, r in synth.resources("AWS::IAM::Role")
            if "RoleName" in r["Properties"]}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_key_policy_names_who_may_use_the_key_and_administrators_may_not(
        synth: Synth, spec: KeySpec) -> None:
    _, key = _key(synth, spec)
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    users: set[str] = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        used = {a for a in _actions(statement) if _grants_use(a)}
        if not used:
            continue  # administration: describe, tag, enable/disable, policy, deletion
        assert used == set(spec.usage), statement
        # Only when the caller is one of the named roles (never "kms:*" to the account).
        arns = statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]
        users |= {_role_of_arn(arn) for arn in as_list(arns)}
    assert users == {role_name(user, STAGE) for user in spec.users}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_the_named_users_are_exactly_the_roles_whose_iam_policy_uses_the_key(
        synth: Synth, spec: KeySpec) -> None:
    """The key policy and the IAM grants agree: every role allowed to use the key in IAM is
    named in the key policy (or the call would be refused), and the other way round."""
    logical, _ = _key(synth, spec)
    names = _role_names(synth)
    granted: set[str] = set()
    for stack, policy_logical, statement in _statements(synth):
        if not set(spec.usage) & _actions(statement):
            continue
        resource = json.dumps(statement["Resource"])
        tagged = "aws:ResourceTag" in json.dumps(statement.get("Condition", {}))
        if logical not in resource and not (tagged and spec.signing):
            continue
        template = synth.templates[stack]["Resources"][policy_logical]["Properties"]
        for role in template.get("Roles", []):
            granted.add(names[(stack, role["Ref"])])
    assert granted == {role_name(user, STAGE) for user in spec.users}
