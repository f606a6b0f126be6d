"""The face region stack gives a client exactly one way to stream a liveness check: a role
allowing ``rekognition:StartFaceLivenessSession`` and nothing else, assumable in practice only
by the API (which narrows it again with a session policy of the same single action)."""

from __future__ import annotations

import json

from infra_synth import STAGE, Synth, as_list

from infra.names import LIVENESS_CLIENT, LIVENESS_CLIENT_ROLE, prefix, resource_name

STAGED_ROLE = resource_name(LIVENESS_CLIENT, STAGE)


def _client_role(synth: Synth) -> tuple[str, dict]:
    roles = [(logical, r) for _, logical, r in synth.resources("AWS::IAM::Role", "faces")
             if r["Properties"].get("RoleName") == STAGED_ROLE]
    assert len(roles) == 1, roles
    return roles[0]


def test_liveness_client_role_allows_one_action_only(synth: Synth) -> None:
    logical, role = _client_role(synth)
    props = role["Properties"]
    assert not props.get("ManagedPolicyArns")
    statements = synth.role_statements("faces", logical)
    assert statements, "the role must allow the streaming call"
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert actions == {"rekognition:StartFaceLivenessSession"}
    assert all(s["Effect"] == "Allow" for s in statements)
    # Trusted by this account alone (no federation, no service, no other account).
    trust = props["AssumeRolePolicyDocument"]["Statement"]
    assert [as_list(s["Action"]) for s in trust] == [["sts:AssumeRole"]]
    principal = json.dumps(trust[0]["Principal"])
    assert "AWS::AccountId" in principal and "Federated" not in principal
    assert "Service" not in trust[0]["Principal"]
    assert props.get("MaxSessionDuration", 3600) <= 3600


def test_only_the_api_may_assume_the_liveness_client_role(synth: Synth) -> None:
    granted = []
    for stack in synth.templates:
        short = stack.removeprefix(f"{prefix(STAGE)}-")
        for _, logical, _ in synth.resources("AWS::IAM::Role", short):
            for statement in synth.role_statements(short, logical):
                if any(a.startswith("sts:") for a in as_list(statement["Action"])):
                    granted.append((short, logical, statement))
    assert len(granted) == 1, granted
    short, logical, statement = granted[0]
    assert short == "api" and as_list(statement["Action"]) == ["sts:AssumeRole"]
    assert json.dumps(statement["Resource"]).endswith(f':role/{STAGED_ROLE}"]]}}')


def test_the_session_policy_names_the_same_single_action() -> None:
    from iamsmart.faces import liveness
    from iamsmart.settings import Settings

    assert [s["Action"] for s in liveness.CLIENT_POLICY["Statement"]] == [
        ["rekognition:StartFaceLivenessSession"]]
    assert Settings.model_fields["liveness_client_role_name"].default == LIVENESS_CLIENT_ROLE
