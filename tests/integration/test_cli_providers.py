"""The operator CLI ``python -m tools.providers`` against the local emulator (moto's
server, reached with --endpoint-url as an operator reaches ``make dev``): register a data
provider from a file, list, show, replace, remove; refusals write nothing, and a provider
whose fields a consumer registers is not removed."""

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

    with moto_emulator(monkeypatch) as endpoint:
        registry.reset()
        yield endpoint
        registry.reset()


def cli(endpoint: str, *argv: str) -> tuple[int, str, str]:
    return run_tool("tools.providers", endpoint, "--region", REGION, *argv)


def immd(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = provider_models("https://immd.example.gov.hk")[0].model_dump(
        mode="json")
    body.update(changes)
    return body


def write(tmp_path: Path, body: dict[str, Any], name: str = "provider.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_put_list_show_replace_remove(emulator: str, tmp_path: Path) -> None:
    assert cli(emulator, "list")[1:] == ("", "no providers registered\n")
    code, out, err = cli(emulator, "put", "--file", write(tmp_path, immd()))
    assert (code, out, err) == (0, "registered IMMD\n", "")
    code, out, _ = cli(emulator, "list")
    assert code == 0 and out == ("IMMD\thttps://immd.example.gov.hk/immd\t"
                                 "particulars (3 fields, 90 d)\tImmigration Department\n")
    code, out, _ = cli(emulator, "show", "IMMD")
    assert code == 0 and json.loads(out)["datasets"]["particulars"]["purposes"][0] == (
        "licence_application")
    # The platform's own code reads what the CLI wrote: a consumer may now register its fields.
    from iamsmart.exchange import registry

    registry.reset()
    known = registry.get_provider("IMMD")
    assert known is not None and known.field_spec("particulars", "address") is not None
    moved = immd(base_url="https://api.immd.example.gov.hk/exchange/", timeout_seconds=5)
    assert cli(emulator, "put", "--file", write(tmp_path, moved))[:2] == (0, "updated IMMD\n")
    registry.reset()
    provider = registry.get_provider("IMMD")
    assert provider is not None and provider.base_url == "https://api.immd.example.gov.hk/exchange"
    assert provider.timeout_seconds == 5
    assert cli(emulator, "remove", "IMMD")[:2] == (0, "removed IMMD\n")
    assert cli(emulator, "show", "IMMD")[0] == 3
    assert cli(emulator, "remove", "IMMD")[0] == 3
    registry.reset()
    assert registry.providers() == {}


def test_a_provider_in_use_by_a_consumer_is_not_removed(emulator: str, tmp_path: Path) -> None:
    from iamsmart.exchange import registry
    from iamsmart.exchange.models import Consumer

    assert cli(emulator, "put", "--file", write(tmp_path, immd()))[0] == 0
    registry.reset()
    key = ECKey.generate_key("P-256", parameters={"kid": "td-enc-1", "use": "enc"})
    registry.put_consumer(Consumer.model_validate({
        "client_id": "td-forms", "department": "TD", "name_en": "TD forms",
        "name_tc": "運輸署表格", "encryption_jwk": key.as_dict(private=False),
        "purposes": {"form_filling": {"retention_days": 7,
                                      "fields": ["IMMD.particulars.name_en"]}}}))
    code, out, err = cli(emulator, "remove", "IMMD")
    assert (code, out) == (4, "") and "td-forms" in err
    assert cli(emulator, "show", "IMMD")[0] == 0


@pytest.mark.parametrize(("changes", "reason"), [
    ({"base_url": "http://immd.example.gov.hk"}, "https"),
    ({"id": "immd lowercase"}, "id"),
    ({"datasets": {}}, "datasets"),
    ({"timeout_seconds": 60}, "timeout_seconds"),
    ({"unexpected": True}, "unexpected"),
])
def test_invalid_registrations_are_refused_and_nothing_is_written(
        emulator: str, tmp_path: Path, changes: dict[str, Any], reason: str) -> None:
    code, out, err = cli(emulator, "put", "--file", write(tmp_path, immd(**changes)))
    assert code == 4 and out == "" and reason in err, err
    assert cli(emulator, "list")[1] == ""


def test_a_file_that_is_not_one_object_is_refused(emulator: str, tmp_path: Path) -> None:
    path = tmp_path / "providers.json"
    path.write_text(json.dumps([immd()]), encoding="utf-8")
    code, out, err = cli(emulator, "put", "--file", str(path))
    assert (code, out) == (4, "") and "one JSON object" in err
