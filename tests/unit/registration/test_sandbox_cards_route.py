"""The sandbox ID card routes the registration page uses: names only in the list, chip data
that passes passive authentication, and 404 wherever no sandbox signer key is configured."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from chalice.test import Client

from infra.local.api import chalice_app


@pytest.fixture
def stage(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    from iamsmart.settings import settings

    settings.cache_clear()
    yield monkeypatch
    settings.cache_clear()


def _get(path: str) -> tuple[int, dict]:
    with Client(chalice_app()) as client:
        answer = client.http.get(path)
    return answer.status_code, json.loads(answer.body)


def test_the_list_names_the_sandbox_people_and_nothing_more(stage: pytest.MonkeyPatch) -> None:
    stage.setenv("STAGE", "local")
    status, body = _get("/v1/sandbox/cards")
    assert status == 200
    ids = [item["id"] for item in body["items"]]
    assert "chan-tai-man" in ids and len(ids) == len(set(ids)) == 5
    for item in body["items"]:
        assert set(item) <= {"id", "name_en", "name_zh"}
    assert "A123456" not in json.dumps(body)


def test_a_sandbox_card_reads_as_chip_evidence_that_verifies(stage: pytest.MonkeyPatch) -> None:
    from iamsmart.registration import chip
    from iamsmart.registration.evidence import ChipEvidence, parse_evidence

    stage.setenv("STAGE", "local")
    status, body = _get("/v1/sandbox/cards/chan-tai-man")
    assert status == 200 and body["kind"] == "chip" and set(body["data_groups"]) == {"1", "2"}
    evidence = parse_evidence(body)
    assert isinstance(evidence, ChipEvidence)
    verified = chip.verify_chip(evidence.sod, evidence.data_groups)
    assert verified.particulars.name_en == "CHAN, Tai Man"
    assert base64.b64decode(body["data_groups"]["2"])[:2] == b"\xff\xd8"  # the card's JPEG


@pytest.mark.parametrize("path", ["/v1/sandbox/cards/nobody", "/v1/sandbox/cards/A123456(3)",
                                  "/v1/sandbox/cards/..%2Fds-key"])
def test_unknown_cards_are_404(stage: pytest.MonkeyPatch, path: str) -> None:
    stage.setenv("STAGE", "local")
    status, body = _get(path)
    assert status == 404 and body["message"]["en"] and body["message"]["tc"]


@pytest.mark.parametrize("key_file", ["", "/nonexistent/ds-key.pem"])
def test_no_sandbox_cards_without_the_sandbox_signer_key(stage: pytest.MonkeyPatch,
                                                         key_file: str) -> None:
    stage.setenv("STAGE", "dev")
    stage.setenv("SANDBOX_CARD_KEY_FILE", key_file)
    for path in ("/v1/sandbox/cards", "/v1/sandbox/cards/chan-tai-man"):
        status, body = _get(path)
        assert status == 404 and body["error"] == "not_found"
