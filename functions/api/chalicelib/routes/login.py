"""Login transactions seen by the citizen's browser (number, QR, passkey).

Only the browser that started a transaction (its ``iamsmart_login`` cookie) can see it;
any other caller gets the same 404 as for an unknown id.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from pydantic import BaseModel, ConfigDict

from chalicelib import http

bp = Blueprint(__name__)


class PasskeyAssertion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credential: dict[str, Any]


@http.route(bp, "/v1/login/{txn_id}",
            summary="A login transaction: status, number, QR code, passkey options",
            tag="login", errors_documented=(404, 503))
def get_login(txn_id: str) -> dict[str, Any]:
    from iamsmart.identity import login

    request = bp.current_request
    return login.view(txn_id, request.headers.get("cookie"))


@http.route(bp, "/v1/login/{txn_id}/passkey", method="POST", body=PasskeyAssertion,
            summary="Complete a login transaction with a passkey (WebAuthn assertion)",
            tag="login", errors_documented=(400, 403, 404, 409, 429, 503))
def post_passkey(txn_id: str, body: PasskeyAssertion) -> dict[str, Any]:
    from iamsmart.identity import limits, login

    request = bp.current_request
    http.require_json(request)
    return login.passkey(txn_id, request.headers.get("cookie"), body.credential,
                         limits.source_of(request))
