"""Usable after the first deploy: the web stack writes the public origin the functions read
(no second deploy with the CloudFront URL), only the functions that read a parameter may read
it, and no private key ships in the core layer (the sandbox document signer's stays on
developers' machines)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App
from infra_synth import STAGE, Synth, as_list

from infra.names import (
    API_PARAMETERS,
    APP,
    FUNCTIONS,
    PARAMETERS,
    ROOT,
    parameter_environment,
    prefix,
    resource_name,
)
from infra.stacks.config import DeployConfig
from infra.stacks.environment import function_environment

READERS = [("workflows", spec.name_in(STAGE), set(spec.parameters))
           for spec in FUNCTIONS.values()] + [
    ("api", resource_name("api", STAGE), set(API_PARAMETERS))]


def test_the_web_stack_writes_the_distribution_origin_as_the_public_url(synth: Synth) -> None:
    [(_, parameter)] = [(lid, r) for _, lid, r in synth.resources("AWS::SSM::Parameter", "web")
                        if r["Properties"]["Name"] == PARAMETERS["public-url"].name_in(STAGE)]
    [(distribution, _)] = [(lid, r) for _, lid, r in
                           synth.resources("AWS::CloudFront::Distribution", "web")]
    assert parameter["Properties"]["Value"] == {"Fn::Join": ["", [
        "https://", {"Fn::GetAtt": [distribution, "DomainName"]}]]}


def _environments(synth: Synth) -> dict[str, dict[str, str]]:
    found = {}
    for type_ in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
        for _, _, fn in synth.resources(type_):
            name = fn["Properties"].get("FunctionName")
            if isinstance(name, str) and name.startswith(f"{prefix(STAGE)}-"):
                found[name] = fn["Properties"]["Environment"]["Variables"]
    return found


def test_every_function_finds_the_parameters_and_no_origin_is_baked_in(synth: Synth) -> None:
    environments = _environments(synth)
    assert set(environments) == {s.name_in(STAGE) for s in FUNCTIONS.values()} | {
        resource_name("api", STAGE)}
    for name, env in environments.items():
        for key, value in parameter_environment(STAGE).items():
            assert env[key] == value, name
        assert "PUBLIC_URL" not in env and "WEBAUTHN_RP_ID" not in env, name


@pytest.mark.parametrize(("stack", "name", "reads"), READERS, ids=[r[1] for r in READERS])
def test_a_function_reads_exactly_its_parameters(synth: Synth, stack: str, name: str,
                                                 reads: set[str]) -> None:
    fn = synth.template(stack)["Resources"][synth.function_logical_id(stack, name)]
    role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    granted = set()
    for statement in synth.role_statements(stack, role):
        actions = as_list(statement["Action"])
        if not any(a.startswith("ssm:") for a in actions):
            continue
        assert actions == ["ssm:GetParameter"] and statement["Effect"] == "Allow"
        for resource in as_list(statement["Resource"]):
            text = json.dumps(resource)
            [pid] = [p for p, spec in PARAMETERS.items()
                     if text.endswith(f':parameter{spec.name_in(STAGE)}"]]}}')]
            granted.add(pid)
    assert granted == reads


def _core_layer_assets(synth: Synth) -> list[Path]:
    keys = {r["Properties"]["Content"]["S3Key"]
            for _, _, r in synth.resources("AWS::Lambda::LayerVersion")
            if r["Properties"].get("Description") == f"{APP}: the iamsmart package"}
    return [synth.outdir / f"asset.{key.removesuffix('.zip')}" for key in keys]


def test_no_private_key_ships_in_the_core_layer(synth: Synth) -> None:
    [asset] = _core_layer_assets(synth)  # one asset, used by every stack
    files = [p for p in asset.rglob("*") if p.is_file()]
    assert asset / "python" / "iamsmart" / "registration" / "chip.py" in files
    assert asset / "python" / "iamsmart" / "registration" / "sandbox" / "csca.pem" in files
    holding_keys = [p.relative_to(asset) for p in files
                    if b"PRIVATE KEY" in p.read_bytes() or p.name.endswith("-key.pem")]
    assert holding_keys == []
    # ... and the sandbox signer's key (used on developers' machines) is outside the layer.
    signer = ROOT / "infra" / "sandbox" / "ds-key.pem"
    assert b"PRIVATE KEY" in signer.read_bytes()
    assert not signer.resolve().is_relative_to((ROOT / "layers").resolve())


def test_an_own_domain_is_the_origin_without_any_lookup() -> None:
    config = DeployConfig.of(App(context={"domain_name": "portal.example.hk"}))
    assert config.public_url == "https://portal.example.hk"
    assert function_environment(config)["PUBLIC_URL"] == "https://portal.example.hk"
    assert "PUBLIC_URL" not in function_environment(DeployConfig.of(App()))


@pytest.mark.parametrize("context", [{"public_url": "https://d1.cloudfront.net"},
                                     {"domain_name": "https://portal.example.hk"}])
def test_contexts_of_the_old_two_deploy_path_are_refused(context: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="public_url|host name"):
        DeployConfig.of(App(context=context))


def test_the_help_desk_is_a_deploy_setting() -> None:
    """Where citizens ask for help with a registration: the deployment's own desk, not the
    sandbox's fictitious address (which the page marks as such) once either is given."""
    from iamsmart.settings import Settings

    desk = function_environment(DeployConfig.of(App(context={
        "help_email": "help@iamsmart.example.hk", "help_phone": "+852 1234 5678"})))
    shown = Settings.from_environ(desk)
    assert (shown.registration_help_email, shown.registration_help_phone,
            shown.registration_help_sandbox) == ("help@iamsmart.example.hk",
                                                 "+852 1234 5678", False)
    default = function_environment(DeployConfig.of(App()))
    assert not any(name.startswith("REGISTRATION_HELP") for name in default)


@pytest.mark.parametrize("context", [{"help_email": "not-an-address"},
                                     {"help_phone": "call us"},
                                     {"stage": "prod"}])
def test_a_help_desk_that_could_not_be_reached_is_refused(context: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="help_"):
        DeployConfig.of(App(context=context))
