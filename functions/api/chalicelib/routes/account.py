"""The logged-in citizen's own account (profile, passkeys, sessions).

Authenticated by the SSO session cookie; every mutation must be sent as
``Content-Type: application/json`` (with SameSite=Lax cookies, a cross-site form cannot).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response
from pydantic import ConfigDict, Field

from chalicelib import http
from iamsmart import errors
from iamsmart.common.model import Model

bp = Blueprint(__name__)


class ResumeQuery(Model):
    model_config = ConfigDict(extra="forbid")

    txn: str = Field(min_length=8, max_length=64)


def _redirect(location: str, cookies: list[str]) -> Response:
    return Response(body="", status_code=302,
                    headers={"Location": location, **http.cookie_headers(cookies),
                             "Cache-Control": "no-store"})


@http.route(bp, "/v1/me/login", summary="Log in to the portal itself (then the account page)",
            tag="account", errors_documented=(503,))
def portal_login() -> Response:
    """A login transaction with no relying party behind it: the login page, then a session."""
    from iamsmart.identity import login

    txn_id, cookie = login.start(grant_id=login.PORTAL, client=login.PORTAL_DISPLAY,
                                 login_hint=None, acr_values=[], prompt_login=False)
    return _redirect(f"/login.html?txn={txn_id}", [cookie])


@http.route(bp, "/v1/me/login/resume", query=ResumeQuery,
            summary="Return from the login page to the account page", tag="account",
            errors_documented=(400, 404))
def portal_resume(query: ResumeQuery) -> Response:
    from iamsmart.identity import login, sessions

    request = bp.current_request
    try:
        result = login.result(query.txn, request.headers.get("cookie"))
    except (login.LoginDenied, login.LoginExpired):
        return _redirect("/account.html", [login.clear_cookie_header()])
    if result.grant_id != login.PORTAL:  # an authorization's login resumes at the provider
        raise errors.NotFound()
    _, cookie = sessions.create(result.account_id, result.amr, result.acr, result.auth_time)
    return _redirect("/account.html", [cookie, login.clear_cookie_header()])


def _session() -> Any:
    return http.citizen_session(bp.current_request)


class PasskeyBody(Model):
    model_config = ConfigDict(extra="forbid")

    credential: dict[str, Any]
    # The citizen's name for it (the account page requires one); spaces alone are no name.
    label: str = Field(default="Passkey", min_length=1, max_length=60, pattern=r"\S")


def _passkey_view(p: Any) -> dict[str, Any]:
    return {"id": p.credential_id, "label": p.label, "created_at": p.created_at,
            "last_used_at": p.last_used_at}


@http.route(bp, "/v1/me", summary="The logged-in citizen's profile and session "
            "(``authenticated: false`` without a session: pages ask it on every load)",
            tag="account", errors_documented=(503,))
def me() -> dict[str, Any]:
    from iamsmart.identity import accounts, authenticators, sessions

    session = sessions.current(bp.current_request)
    if session is None:
        return {"authenticated": False}
    account = accounts.get(session.account_id)
    return {
        "authenticated": True,
        "name_en": account.name_en, "name_tc": account.name_tc, "email": account.email,
        "phone_number": account.phone_number, "level": account.level,
        "session": {"auth_time": session.auth_time, "amr": list(session.amr),
                    "acr": session.acr, "expires_at": session.expires_at},
        "devices": [{"id": d.device_id, "label": d.label, "created_at": d.created_at}
                    for d in authenticators.devices_of(account.id)],
    }


@http.route(bp, "/v1/me/passkeys/options", method="POST",
            summary="Start adding a passkey (WebAuthn creation options)", tag="account",
            errors_documented=(400, 401, 503))
def passkey_options() -> dict[str, Any]:
    from iamsmart.identity import accounts, passkeys

    http.require_json(bp.current_request)
    session = _session()
    return passkeys.registration_options(accounts.get(session.account_id), session.id)


@http.route(bp, "/v1/me/passkeys", method="POST", body=PasskeyBody, status=201,
            summary="Finish adding a passkey (WebAuthn registration response)", tag="account",
            errors_documented=(400, 401, 403, 409, 503))
def passkey_register(body: PasskeyBody) -> Response:
    from iamsmart.identity import passkeys

    http.require_json(bp.current_request)
    session = _session()
    passkey = passkeys.register(session.account_id, session.id, body.credential, body.label)
    return Response(body=_passkey_view(passkey), status_code=201)


@http.route(bp, "/v1/me/passkeys", summary="The citizen's passkeys", tag="account",
            errors_documented=(401, 503))
def passkey_list() -> dict[str, Any]:
    from iamsmart.identity import authenticators

    session = _session()
    return {"passkeys": [_passkey_view(p)
                         for p in authenticators.passkeys_of(session.account_id)]}


@http.route(bp, "/v1/me/passkeys/{credential_id}", method="DELETE",
            summary="Remove one of the citizen's passkeys", tag="account",
            errors_documented=(400, 401, 404, 503))
def passkey_delete(credential_id: str) -> dict[str, Any]:
    from iamsmart.identity import authenticators

    http.require_json(bp.current_request)
    session = _session()
    if not authenticators.delete_passkey(session.account_id, credential_id):
        raise errors.NotFound()
    return {"deleted": credential_id}


@http.route(bp, "/v1/me/logout-all", method="POST",
            summary="Log out everywhere (ends every session of the account)", tag="account",
            errors_documented=(400, 401, 503))
def logout_all() -> Response:
    from iamsmart.identity import sessions

    http.require_json(bp.current_request)
    session = _session()
    ended = sessions.end_all(session.account_id)
    return Response(body={"ended": ended}, status_code=200,
                    headers=http.cookie_headers([sessions.clear_cookie_header()]))
