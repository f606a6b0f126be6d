"""Shared by the registration workflow tests: applications built from the sandbox card
issuer and the fixture faces, the real Chalice app behind the local front's gateway (API keys
enforced from moto's API Gateway), and waiting for the workflow moto runs."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

FACES = Path(__file__).resolve().parents[1] / "fixtures" / "faces"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def face(name: str) -> bytes:
    return (FACES / f"{name}.jpg").read_bytes()


def chip(number: str, *, tamper: bool = False) -> dict[str, Any]:
    from iamsmart.registration import card

    sod, groups = card.sandbox_card(number)
    if tamper:  # one byte more in DG2: its hash no longer matches the signed one
        groups = {**groups, 2: groups[2] + b"\x00"}
    return {"kind": "chip", "sod": b64(sod),
            "data_groups": {str(k): b64(v) for k, v in groups.items()}}


def card_photo(particulars: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "card_photo", "photo": b64(face("obama2")), "particulars": particulars}


def application(evidence: dict[str, Any], *, selfie: str = "obama3",
                contact: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"evidence": evidence, "selfie": b64(face(selfie)),
            "consent": {"face_processing": True},
            "contact": contact or {"email": "applicant@example.org"}, **extra}


class Api:
    """The Chalice app behind the local front's gateway (API keys enforced, apiKeyId set)."""

    def __init__(self, app: Any, platform: Any) -> None:
        from infra.local.server import Gateway, KeyRegistry

        reset_caches()
        self.gateway = Gateway(app, KeyRegistry())
        self.platform = platform
        self.keys: dict[str, str] = platform.registration_keys

    def key(self, name: str, **extra: str) -> dict[str, str]:
        """Headers of a sandbox channel device or staff key (``infra.local.provision``)."""
        return {"x-api-key": self.keys[name], **extra}

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None
             = None, raw: bytes | None = None) -> tuple[int, Any, dict[str, str]]:
        sent = {"Content-Type": "application/json", **(headers or {})}
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                            else None)
        from infra.local.server import GatewayRefusal

        try:
            response = self.gateway.handle_request(method, path, sent, data)
        except GatewayRefusal as exc:  # what the front answers (API Gateway in AWS)
            return exc.status, {"error": exc.code}, {}
        answer = response.get("body") or b""
        if isinstance(answer, bytes):
            answer = answer.decode()
        return (response["statusCode"], json.loads(answer) if answer else None,
                dict(response.get("headers") or {}))

    def submit(self, body: Any, headers: dict[str, str] | None = None,
               path: str = "/v1/registrations") -> str:
        status, answer, _ = self.call("POST", path, body, headers)
        assert status == 202, answer
        return str(answer["application_id"])

    def status(self, application_id: str) -> dict[str, Any]:
        status, answer, _ = self.call("GET", f"/v1/registrations/{application_id}")
        assert status == 200, answer
        return dict(answer)

    def wait(self, application_id: str, until: tuple[str, ...] = ("completed", "not_completed"),
             timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            answer = self.status(application_id)
            if answer["status"] in until:
                return answer
            assert time.monotonic() < deadline, answer
            time.sleep(0.05)

    def execution(self, application_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """The workflow's execution once it has ended (its name is the application id)."""
        from iamsmart import aws

        sfn = aws.client("stepfunctions")
        machine = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]
                       if m["name"] == "iamsmart-registration")
        arn = machine.replace(":stateMachine:", ":execution:") + f":{application_id}"
        deadline = time.monotonic() + timeout
        while True:
            desc = sfn.describe_execution(executionArn=arn)
            if desc["status"] != "RUNNING":
                return dict(desc)
            assert time.monotonic() < deadline
            time.sleep(0.05)


def reset_caches() -> None:
    from iamsmart.registration import intake, principals

    principals.reset()
    intake.reset()
