"""``python -m tools.clients`` as an operator runs it against the local emulator (moto's
server named by the shared target option --endpoint-url, a new process, no table names in
its environment): register with flags and a JWK set file, a ``basic`` client with a
generated secret (``--security-profile``; ``--profile`` is the AWS named profile), list,
show, remove; the platform's own code reads what it wrote."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import moto_emulator, run_tool
from joserfc.jwk import ECKey

from infra.names import REGION


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from iamsmart.oidc import clients

    with moto_emulator(monkeypatch) as endpoint:
        clients.reset_cache()
        yield endpoint
        clients.reset_cache()


def cli(endpoint: str, *argv: str) -> tuple[int, str, str]:
    return run_tool("tools.clients", endpoint, "--region", REGION, *argv)


def register(client_id: str) -> list[str]:
    return ["register", "--client-id", client_id, "--name-en", "Transport Department",
            "--name-tc", "運輸署", "--department", "TD",
            "--redirect-uri", "https://td.example/cb", "--scope", "profile"]


def test_register_list_show_remove_in_the_emulator(emulator: str, tmp_path: Path) -> None:
    from iamsmart.oidc import client_auth, clients

    key = ECKey.generate_key("P-256", parameters={"kid": "td-1", "use": "sig"})
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [key.as_dict(private=False)]}), encoding="utf-8")
    assert cli(emulator, *register("td-app"), "--jwks-file", str(jwks)) == (
        0, "registered td-app\n", "")
    code, out, err = cli(emulator, *register("td-basic"), "--security-profile", "basic",
                         "--generate-secret")
    assert code == 0 and out.startswith("registered td-basic\n"), err
    secret = out.split("client_secret (shown once, not stored): ")[1].strip()
    code, out, _ = cli(emulator, "list")
    assert code == 0 and [line.split("\t")[:4] for line in out.splitlines()] == [
        ["td-app", "TD", "fapi2", "private_key_jwt"],
        ["td-basic", "TD", "basic", "client_secret_basic"]]
    code, out, _ = cli(emulator, "show", "td-app")
    assert code == 0 and json.loads(out)["jwks"]["keys"][0]["kid"] == "td-1"
    # The platform's own code reads what the CLI wrote (the same tables, unprefixed).
    clients.reset_cache()
    assert clients.get("td-app").scopes == ("openid", "profile")
    import base64
    header = "Basic " + base64.b64encode(f"td-basic:{secret}".encode()).decode()
    assert client_auth.authenticate({}, header).client_id == "td-basic"
    assert cli(emulator, "remove", "td-app")[:2] == (0, "removed td-app\n")
    assert cli(emulator, "show", "td-app")[0] == 3


def test_a_fapi2_client_with_a_secret_is_refused_and_nothing_written(emulator: str) -> None:
    code, out, err = cli(emulator, *register("td-app"), "--security-profile", "fapi2",
                         "--generate-secret")
    assert (code, out) == (4, "") and err.startswith("invalid registration"), err
    assert cli(emulator, "list")[1:] == ("", "no clients registered\n")


def test_profile_is_the_aws_profile_not_the_clients() -> None:
    from tools import clients as clients_cli

    args = clients_cli._parser().parse_args(
        ["--profile", "ops", "--stage", "dev", *register("td-app"), "--security-profile",
         "basic"])
    assert (args.profile, args.security_profile, args.stage) == ("ops", "basic", "dev")
    with pytest.raises(SystemExit):  # the old spelling is not silently taken for either
        clients_cli._parser().parse_args([*register("td-app"), "--profile", "basic"])
