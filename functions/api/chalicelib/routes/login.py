"""Login transactions seen by the citizen's browser (number, QR, passkey).

Only the browser that started a transaction (its ``iamsmart_login`` cookie) can see it;
any other caller gets the same 404 as for an unknown id.
"""

from __future__ import annotations

from typing import Any, Literal

from chalice import Blueprint
from pydantic import ConfigDict, Field

from chalicelib import http
from iamsmart.common.model import Model

bp = Blueprint(__name__)


class PasskeyAssertion(Model):
    model_config = ConfigDict(extra="forbid")

    credential: dict[str, Any]


class LoginService(Model):
    model_config = ConfigDict(extra="forbid")

    name_en: str
    name_tc: str
    uri: str | None = Field(default=None, description=(
        "\"Back to the service\": the service's registered landing page (first post-logout "
        "redirect URI, else its initiate-login URI, else the origin of its first redirect "
        "URI); never taken from a request."))


class LoginView(Model):
    """What the login page shows; members absent when they do not apply."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["pending", "authenticated", "denied", "expired"]
    service: LoginService
    expires_in: int = Field(description="Seconds left (0 once expired).")
    number: int | None = Field(default=None, description="Pending: the number to pick in the app.")
    qr: dict[str, str] | None = Field(default=None,
                                      description="Pending: payload and SVG data URI.")
    app_link: str | None = Field(default=None, description="Pending: the same-device app link.")
    passkey: dict[str, Any] | None = Field(default=None,
                                           description="Pending: WebAuthn request options.")
    wrong_numbers: int | None = Field(default=None, description=(
        "Pending, after the app sent a number other than the one shown: how many times."))
    tries_left: int | None = Field(default=None, description=(
        "Pending, after a wrong number: how many more wrong numbers cancel the login."))
    reason: Literal["wrong_number"] | None = Field(default=None, description=(
        "Denied because the app sent a wrong number three times (not declined by the citizen)."))
    next: str | None = Field(default=None, description=(
        "Authenticated, denied or expired: the same-origin path to continue (the service "
        "hears the outcome)."))
    face_required: bool | None = None


@http.route(bp, "/v1/login/{txn_id}",
            summary="A login transaction: status, number, QR code, passkey options",
            tag="login", response=LoginView, errors_documented=(404, 503))
def get_login(txn_id: str) -> Any:
    from iamsmart.identity import login

    request = bp.current_request
    return http.with_cookies(*login.view(txn_id, request.headers.get("cookie")))


@http.route(bp, "/v1/login/{txn_id}/passkey", method="POST", body=PasskeyAssertion,
            summary="Complete a login transaction with a passkey (WebAuthn assertion)",
            tag="login", errors_documented=(400, 403, 404, 409, 429, 503))
def post_passkey(txn_id: str, body: PasskeyAssertion) -> Any:
    from iamsmart.identity import limits, login

    request = bp.current_request
    http.require_json(request)
    return http.with_cookies(*login.passkey(txn_id, request.headers.get("cookie"),
                                            body.credential, limits.source_of(request)))
