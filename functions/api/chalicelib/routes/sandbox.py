"""Sandbox ID cards for the registration web page (developers' machines only).

A browser has no card reader: on the local platform the registration page offers "Use a
sandbox ID card", which reads the chip data of one of the synthetic sandbox people
(``iamsmart.registration.card.sandbox_card``, signed by the sandbox document signer) exactly
as the app would send it. Where no sandbox document signer key is configured
(``SANDBOX_CARD_KEY_FILE``: every AWS stage, whose assets hold no private key) both routes
answer 404, like an unknown path.

``GET /v1/sandbox/cards`` lists the people by name only (no HKID number, no photo); ``GET
/v1/sandbox/cards/{card_id}`` answers the evidence object of ``POST /v1/registrations``:
``{"kind": "chip", "sod": b64, "data_groups": {"1": b64, "2": b64}}``.
"""

from __future__ import annotations

import re
from typing import Literal

from chalice import Blueprint

from chalicelib import http
from iamsmart import errors
from iamsmart.common.model import Model

bp = Blueprint(__name__)

_CARD_ID = re.compile(r"[a-z][a-z0-9-]{1,63}")

NO_SANDBOX = errors.NotFound(en="There are no sandbox ID cards here.",
                             tc="此處沒有沙盒身份證。")


class SandboxCard(Model):
    id: str
    name_en: str
    name_zh: str | None = None


class SandboxCards(Model):
    items: list[SandboxCard]


class ChipData(Model):
    kind: Literal["chip"] = "chip"
    sod: str
    data_groups: dict[str, str]


def _sandbox_only() -> None:
    from iamsmart.registration.card import NoSandboxSigner, sandbox_signer

    try:
        sandbox_signer()
    except NoSandboxSigner:
        raise NO_SANDBOX from None


def slug(name_en: str) -> str:
    """A stable, readable id from the English name: ``CHAN, Tai Man`` → ``chan-tai-man``."""
    return "-".join(re.findall(r"[a-z0-9]+", name_en.lower()))


def _people() -> dict[str, dict[str, object]]:
    from iamsmart.registration import sandbox

    out: dict[str, dict[str, object]] = {}
    for person in sandbox.people().values():
        particulars = person["particulars"]
        out[slug(str(particulars["name_en"]))] = particulars
    return out


@http.route(bp, "/v1/sandbox/cards", summary="Sandbox ID cards (local platform only)",
            tag="sandbox", response=SandboxCards, errors_documented=(404,))
def sandbox_cards() -> SandboxCards:
    _sandbox_only()
    items = [SandboxCard(id=key, name_en=str(p["name_en"]),
                         name_zh=str(p["name_zh"]) if p.get("name_zh") else None)
             for key, p in _people().items()]
    return SandboxCards(items=items)


@http.route(bp, "/v1/sandbox/cards/{card_id}",
            summary="Read a sandbox ID card's chip (local platform only)", tag="sandbox",
            response=ChipData, errors_documented=(404,))
def sandbox_card_chip(card_id: str) -> ChipData:
    import base64

    from iamsmart.registration.card import sandbox_card

    _sandbox_only()
    person = _people().get(card_id) if _CARD_ID.fullmatch(card_id) else None
    if person is None:
        raise errors.NotFound(en="No sandbox ID card with this id.",
                              tc="沒有此編號的沙盒身份證。")
    sod, groups = sandbox_card(str(person["hkid"]))
    return ChipData(sod=base64.b64encode(sod).decode(),
                    data_groups={str(k): base64.b64encode(v).decode()
                                 for k, v in sorted(groups.items())})
