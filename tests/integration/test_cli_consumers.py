"""The operator CLI ``python -m tools.consumers`` against the local emulator (moto's
server, reached with --endpoint-url as an operator reaches ``make dev``): register a data
consumer from a file, list, show, replace, remove; refusals write nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import moto_emulator, run_tool
from exchange_helpers import provider_models
from joserfc.jwk import ECKey

from infra.names import REGION


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from iamsmart.exchange import registry
    from iamsmart.oidc import clients

    with moto_emulator(monkeypatch) as endpoint:
        registry.reset()
        for model in provider_models("http://127.0.0.1:9"):
            registry.put_provider(model)
        signing = ECKey.generate_key("P-256", parameters={"kid": "td-sig-1"})
        clients.put(clients.Client(client_id="td-forms", name_en="TD forms",
                                   name_tc="運輸署表格", department="TD",
                                   redirect_uris=("https://td.example/cb",),
                                   jwks={"keys": [signing.as_dict(private=False)]}))
        yield endpoint
        registry.reset()


def cli(endpoint: str, *argv: str) -> tuple[int, str, str]:
    return run_tool("tools.consumers", endpoint, "--region", REGION, *argv)


def consumer(**changes: Any) -> dict[str, Any]:
    key = ECKey.generate_key("P-256", parameters={"kid": "td-enc-1", "use": "enc"})
    body = {"client_id": "td-forms", "department": "TD", "name_en": "TD forms",
            "name_tc": "運輸署表格", "encryption_jwk": key.as_dict(private=False),
            "notification_uri": "https://td.example/exchange/notify",
            "purposes": {"form_filling": {"retention_days": 7, "fields": [
                "IMMD.particulars.name_en", "IMMD.particulars.address"]}}}
    body.update(changes)
    return body


def write(tmp_path: Path, body: dict[str, Any], name: str = "consumer.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_put_list_show_replace_remove(emulator: str, tmp_path: Path) -> None:
    assert cli(emulator, "list")[1:] == ("", "no consumers registered\n")
    code, out, err = cli(emulator, "put", "--file", write(tmp_path, consumer()))
    assert (code, out, err) == (0, "registered td-forms\n", "")
    code, out, _ = cli(emulator, "list")
    assert code == 0 and out.startswith("td-forms\tTD\tform_filling (2 fields, 7 d)\t")
    code, out, _ = cli(emulator, "show", "td-forms")
    shown = json.loads(out)
    assert code == 0 and "d" not in shown["encryption_jwk"]
    assert shown["purposes"]["form_filling"]["fields"] == [
        "IMMD.particulars.name_en", "IMMD.particulars.address"]
    # The platform's own code reads what the CLI wrote.
    from iamsmart.exchange import registry

    registry.reset()
    assert registry.get_consumer("td-forms").notification_uri == (
        "https://td.example/exchange/notify")
    longer = consumer(purposes={"form_filling": {"retention_days": 30, "fields": [
        "IMMD.particulars.name_en"]}})
    assert cli(emulator, "put", "--file", write(tmp_path, longer))[:2] == (
        0, "updated td-forms\n")
    assert cli(emulator, "remove", "td-forms")[:2] == (0, "removed td-forms\n")
    assert cli(emulator, "show", "td-forms")[0] == 3
    assert cli(emulator, "remove", "td-forms")[0] == 3
    registry.reset()
    assert registry.find_consumer("td-forms") is None


@pytest.mark.parametrize(("changes", "reason"), [
    ({"purposes": {"form_filling": {"retention_days": 7, "fields": ["IMMD.nothing.here"]}}},
     "no such field"),
    ({"purposes": {"form_filling": {"retention_days": 9999, "fields": [
        "IMMD.particulars.name_en"]}}}, "retention"),
    ({"client_id": "not-a-client"}, "not a registered client"),
    ({"encryption_jwk": {"kty": "RSA", "kid": "x"}}, "encryption_jwk"),
    ({"notification_uri": "http://td.example/notify"}, "https"),
])
def test_invalid_registrations_are_refused_and_nothing_is_written(
        emulator: str, tmp_path: Path, changes: dict[str, Any], reason: str) -> None:
    code, out, err = cli(emulator, "put", "--file", write(tmp_path, consumer(**changes)))
    assert code == 4 and out == "" and reason in err, err
    assert cli(emulator, "list")[1] == ""
