"""The admin CLI ``python -m tools.clients`` against the moto clients table."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from client_auth_helpers import fapi_client, new_key, public_jwk, registry  # noqa: F401

from iamsmart import aws
from iamsmart.oidc import client_auth, clients
from iamsmart.settings import settings
from tools import clients as cli

pytestmark = pytest.mark.usefixtures("registry")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def flags(client_id: str = "td-app") -> list[str]:
    return ["register", "--client-id", client_id, "--name-en", "Transport Department",
            "--name-tc", "運輸署", "--department", "TD",
            "--redirect-uri", "https://td.example/cb", "--scope", "profile"]


def test_register_from_a_json_file_then_list_show_remove(tmp_path: Path) -> None:
    key = new_key(kid="td-1")
    path = tmp_path / "client.json"
    path.write_text(json.dumps(fapi_client("td-app", key).model_dump(mode="json")),
                    encoding="utf-8")
    assert run("register", "--file", str(path)) == (0, "registered td-app\n", "")
    code, out, _ = run("list")
    assert code == 0 and out.startswith("td-app\tTD\tfapi2\tprivate_key_jwt\t1 key(s)\tdpop\t")
    code, out, _ = run("show", "td-app")
    assert code == 0 and json.loads(out)["jwks"]["keys"][0]["kid"] == "td-1"
    assert run("remove", "td-app") == (0, "removed td-app\n", "")
    assert run("show", "td-app")[0] == cli.EXIT_NOT_FOUND
    assert run("remove", "td-app")[0] == cli.EXIT_NOT_FOUND


def test_register_with_flags_and_a_jwks_file(tmp_path: Path) -> None:
    key = new_key(kid="td-1")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [public_jwk(key)]}), encoding="utf-8")
    code, out, err = run(*flags(), "--jwks-file", str(jwks), "--dpop-nonce", "required",
                         "--service-id", "td-licence")
    assert (code, err) == (0, "")
    client = clients.get("td-app")
    assert client.scopes == ("openid", "profile") and client.dpop_nonce_required
    assert client.service_ids == ("td-licence",) and client.profile == "fapi2"


def test_existing_client_needs_replace(tmp_path: Path) -> None:
    run(*flags(), "--jwks-uri", "https://td.example/jwks")
    code, _, err = run(*flags(), "--jwks-uri", "https://td.example/jwks2")
    assert code == cli.EXIT_INVALID and "--replace" in err
    assert run(*flags(), "--jwks-uri", "https://td.example/jwks2", "--replace")[0] == 0
    assert clients.get("td-app").jwks_uri == "https://td.example/jwks2"


def test_generated_secret_is_printed_once_and_only_its_hash_stored() -> None:
    code, out, _ = run(*flags("basic-app"), "--generate-secret")
    assert code == 0
    secret = out.split("client_secret (shown once, not stored): ")[1].strip()
    item = aws.client("dynamodb").get_item(TableName=settings().clients_table,
                                           Key={"client_id": {"S": "basic-app"}})["Item"]
    assert secret not in json.dumps(item)
    import base64
    header = "Basic " + base64.b64encode(f"basic-app:{secret}".encode()).decode()
    assert client_auth.authenticate({}, header).client_id == "basic-app"


@pytest.mark.parametrize("extra", [
    [],  # private_key_jwt without keys
    ["--generate-secret", "--security-profile", "fapi2"],  # a secret for a fapi2 client
    ["--jwks-uri", "http://td.example/jwks"],  # not https
])
def test_invalid_registrations_are_refused(extra: list[str]) -> None:
    code, _, err = run(*flags(), *extra)
    assert code == cli.EXIT_INVALID and err.startswith("invalid registration")
    assert run("show", "td-app")[0] == cli.EXIT_NOT_FOUND


def test_plain_secret_in_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "client.json"
    path.write_text(json.dumps({"client_id": "x-app", "client_secret": "s"}), encoding="utf-8")
    assert run("register", "--file", str(path))[0] == cli.EXIT_INVALID


def test_module_runs_as_a_command() -> None:
    answer = subprocess.run([sys.executable, "-m", "tools.clients", "--help"],
                            capture_output=True, text=True, timeout=30, check=False)
    assert answer.returncode == 0 and "register" in answer.stdout
