"""README "Deploying to AWS" stays runnable: every admin CLI command in it parses with that
CLI, every deploy's context is one the CDK app accepts, and the example client registration
is valid once a real public key is filled in. (The seeding itself runs against the emulator in
tests/integration/test_cli_seed.py.)"""

from __future__ import annotations

import argparse
import json
import re
import shlex

import pytest
from aws_cdk import App

from infra.names import ROOT
from infra.stacks.config import DeployConfig
from tools import clients as clients_cli
from tools import consumers as consumers_cli
from tools import device as device_cli
from tools import providers as providers_cli
from tools import seed as seed_cli

SECTION = re.search(r"^## Deploying to AWS\n(.*?)^## ", (ROOT / "README.md").read_text(
    encoding="utf-8"), re.S | re.M)
assert SECTION, "README has no 'Deploying to AWS' section"
TEXT = SECTION.group(1)
SHELL = [line for block in re.findall(r"```sh\n(.*?)```", TEXT, re.S)
         for line in block.replace("\\\n", " ").splitlines()
         if line.strip() and not line.startswith("#")]
PARSERS = {"tools.seed": seed_cli._parser, "tools.clients": clients_cli._parser,
           "tools.device": device_cli._parser, "tools.providers": providers_cli._parser,
           "tools.consumers": consumers_cli._parser}


def _argv(line: str) -> list[str]:
    line = re.sub(r"<[^>]*number[^>]*>", "42", line)  # placeholders
    line = re.sub(r"<[^>]+>", "x", line)
    words = shlex.split(line.split(" # ", 1)[0])
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
        words.pop(0)  # VAR=value before the command
    return words


def _cli_lines() -> list[tuple[str, list[str]]]:
    found = []
    for line in SHELL:
        words = _argv(line)
        if "-m" in words:
            module = words[words.index("-m") + 1]
            found.append((module, words[words.index("-m") + 2:]))
    return found


def test_the_section_walks_through_seeding_clients_and_a_login() -> None:
    modules = [m for m, _ in _cli_lines()]
    assert {"tools.seed", "tools.clients", "tools.device"} <= set(modules)
    # ... and registering the data exchange's providers and consumers against a deployment
    assert {"tools.providers", "tools.consumers"} <= set(modules)


@pytest.mark.parametrize(("module", "argv"), _cli_lines(),
                         ids=[" ".join(a[:3]) for _, a in _cli_lines()])
def test_every_cli_command_parses(module: str, argv: list[str]) -> None:
    parsed = PARSERS[module]().parse_args(argv)
    assert isinstance(parsed, argparse.Namespace)
    if module in ("tools.seed", "tools.providers", "tools.consumers"):  # a deployment
        assert parsed.stage in ("dev", "prod") and parsed.region == "ap-east-1"
        assert parsed.profile


def _deploys() -> list[dict[str, str]]:
    contexts = []
    for line in SHELL:
        words = _argv(line)
        if words[:3] == ["npx", "cdk", "deploy"]:
            pairs = [words[i + 1] for i, w in enumerate(words) if w == "-c"]
            contexts.append(dict(p.split("=", 1) for p in pairs))
    return contexts


def test_every_deploy_has_a_context_the_app_accepts() -> None:
    deploys = _deploys()
    assert {d.get("stage") for d in deploys} == {"dev", "prod"}
    for context in deploys:
        config = DeployConfig.of(App(context=context))
        if "domain_name" in context:
            assert config.public_url == f"https://{context['domain_name']}"
        else:
            assert config.public_url is None  # read at run time: no second deploy


def test_the_example_client_registration_is_valid() -> None:
    from joserfc.jwk import ECKey

    from iamsmart.oidc import clients

    [example] = re.findall(r"```json\n(.*?)```", TEXT, re.S)
    public = ECKey.generate_key("P-256", private=True).as_dict(private=False)
    text = example.replace("<x>", public["x"]).replace("<y>", public["y"])
    client = clients.Client.model_validate(json.loads(text))
    clients.validate_registration(client)
    assert client.client_id == "td-app" and client.department == "TD"
    assert f"--client {client.client_id}.json" in TEXT
