"""Shared by the face step-up tests: the provisioned platform (moto, real ASL and handlers),
a bank relying party asking for the face level, a device login of a verified ("plus")
sandbox citizen, and photo fixtures."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from oidc_helpers import RP, Browser, Http, query_of

FACES = Path(__file__).resolve().parents[1] / "fixtures" / "faces"
CITIZEN = "sandbox-lee-siu-mei"  # level "plus"
CODE = "SANDBOX-LEE-SIU-MEI"
FACE = "urn:iamsmart:acr:face"
TRANSACTION = [{"type": "iamsmart_transaction", "purpose": "Open a savings account",
                "payee": "Sandbox Bank", "amount": "0", "currency": "HKD",
                "reference": "ACC-OPEN-1"}]


def photo(name: str) -> bytes:
    return (FACES / name).read_bytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def device_for(http: Http, tmp_path: Path, code: str = CODE) -> Any:
    from identity_helpers import Gateway, enrolled_device

    gateway = Gateway.__new__(Gateway)
    gateway._gateway = http._gateway
    gateway.source_ip = "198.51.100.7"
    return enrolled_device(gateway, tmp_path, code=code, name=code.lower())


def bank(http: Http) -> RP:
    return RP(http, client_id="sandbox-bank-test", name_en="Sandbox Bank",
              name_tc="沙盒銀行", department="TD")


def face_login(browser: Browser, rp: RP, device: Any, **par: str) -> str:
    """PAR asking for face level, authorize, device approval: the login transaction id,
    authenticated and waiting for its face step-up."""
    fields = {"acr_values": FACE, "authorization_details": json.dumps(TRANSACTION), **par}
    status, headers, _ = browser.go("GET", rp.authorize_path(rp.request_uri(**fields)))
    assert status == 302 and headers["location"].startswith("/login.html?txn="), headers
    txn = query_of(headers["location"])["txn"]
    status, page = browser.json("GET", f"/v1/login/{txn}")
    assert status == 200, page
    device.approve(page["qr"]["payload"], number=page["number"])
    return txn


def enrol(account_id: str = CITIZEN, name: str = "obama.jpg") -> None:
    from iamsmart.faces import templates

    templates.enrol(account_id, photo(name), consent=True, source="fresh_capture")
