"""OpenID Provider endpoints (discovery, JWKS, PAR, authorize, token, userinfo, revocation,
introspection, logout, consent).

Browser-facing endpoints (authorize, resume, logout) answer with redirects or with the
provider's own bilingual HTML page (``iamsmart.oidc.pages``), never a redirect to a URI that
was not validated; every answer carries ``Referrer-Policy: no-referrer``. The protocol logic
lives in ``iamsmart.oidc`` (``par``, ``authorize``, ``consent_page``, ``logout``,
``tokens``).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib import http
from iamsmart import errors
from iamsmart.common.model import Model

bp = Blueprint(__name__)

_CLIENT_BASIC = http.Header("Authorization", "HTTP Basic client authentication "
                            "(client_secret_basic), when the client is registered for it; "
                            "otherwise client_assertion in the form (private_key_jwt)")
_DPOP_TOKEN = http.Header("DPoP", "DPoP proof (RFC 9449): the tokens are bound to its key")


class OAuthForm(Model):
    """Any urlencoded OAuth request: the protocol module reads the parameters it knows."""

    model_config = ConfigDict(extra="allow")

    client_id: str | None = Field(default=None, max_length=128)


class AuthorizeQuery(Model):
    model_config = ConfigDict(extra="allow")

    client_id: str | None = Field(default=None, max_length=128)
    request_uri: str | None = Field(default=None, max_length=256)


class ResumeQuery(Model):
    model_config = ConfigDict(extra="forbid")

    txn: str = Field(min_length=1, max_length=128)


class LogoutQuery(Model):
    model_config = ConfigDict(extra="allow")

    id_token_hint: str | None = Field(default=None, max_length=8192)
    post_logout_redirect_uri: str | None = Field(default=None, max_length=2048)
    client_id: str | None = Field(default=None, max_length=128)
    state: str | None = Field(default=None, max_length=512)


class ConsentDecision(Model):
    model_config = ConfigDict(extra="forbid")

    decision: str = Field(pattern=r"^(allow|deny)$")


def _params(model: BaseModel) -> dict[str, str]:
    values = model.model_dump(exclude_none=True)
    return {k: v for k, v in values.items() if isinstance(v, str)}


def _html(html: str, status: int = 200, cookies: list[str] | None = None) -> Response:
    from iamsmart.oidc import pages

    headers: dict[str, Any] = {**pages.HEADERS, **http.cookie_headers(cookies or [])}
    return Response(body=html, status_code=status, headers=headers)


def _error_page(exc: errors.DomainError) -> Response:
    from iamsmart.oidc import pages

    http.logger().info("authorization refused", extra={"error": exc.code})
    return _html(pages.error(exc.code, exc.en, exc.tc), status=http.status_for(exc))


def _browser(outcome: Any) -> Response:
    from iamsmart.oidc import pages

    if outcome.location is not None:
        headers: dict[str, Any] = {"Location": outcome.location, "Cache-Control": "no-store",
                                   "Referrer-Policy": "no-referrer"}
        headers.update(http.cookie_headers(outcome.cookies))
        return Response(body="", status_code=302, headers=headers)
    html = (pages.confirm_logout(outcome.params) if outcome.page == "confirm_logout"
            else pages.logged_out())
    return _html(html, cookies=outcome.cookies)


def _header(name: str) -> str | None:
    value = bp.current_request.headers.get(name)
    return value if isinstance(value, str) else None


@http.route(bp, "/.well-known/openid-configuration", summary="OpenID Provider metadata",
            tag="oidc", cache_seconds=300, errors_documented=(503,))
def openid_configuration() -> dict[str, Any]:
    from iamsmart.oidc import discovery

    return discovery.document()


@http.route(bp, "/v1/oidc/jwks", summary="The ID token signing keys (JWKS)", tag="oidc",
            cache_seconds=300, errors_documented=(503,))
def jwks() -> dict[str, Any]:
    from iamsmart.oidc import signing

    return signing.jwks()


@http.route(bp, "/v1/oidc/par", method="POST", form=OAuthForm, status=201,
            summary="Pushed authorization request (RFC 9126; required)", tag="oidc",
            errors_documented=(400, 401, 503),
            headers=(_CLIENT_BASIC, _DPOP_TOKEN))
def par(body: OAuthForm) -> dict[str, Any]:
    from iamsmart.oidc import par

    return par.push(_params(body), _header("authorization"), _header("dpop"))


@http.route(bp, "/v1/oidc/authorize", query=AuthorizeQuery,
            summary="Authorization endpoint (client_id and a pushed request_uri only)",
            tag="oidc", errors_documented=(400, 401),
            html=True, redirects=True)
def authorize_endpoint(query: AuthorizeQuery) -> Response:
    from iamsmart.oidc import authorize

    try:
        return _browser(authorize.authorize(_params(query), bp.current_request))
    except errors.DomainError as exc:
        return _error_page(exc)


@http.route(bp, "/v1/oidc/authorize/resume", query=ResumeQuery,
            summary="Return from the login page to the authorization", tag="oidc",
            errors_documented=(400, 403, 404),
            html=True, redirects=True)
def resume(query: ResumeQuery) -> Response:
    from iamsmart.oidc import authorize

    try:
        return _browser(authorize.resume(query.txn, bp.current_request))
    except errors.DomainError as exc:
        return _error_page(exc)


@http.route(bp, "/v1/oidc/consent/{txn_id}", summary="What a service asks the citizen to share",
            tag="oidc", errors_documented=(401, 404))
def consent_view(txn_id: str) -> dict[str, Any]:
    from iamsmart.oidc import consent_page

    return consent_page.consent_view(txn_id, bp.current_request)


@http.route(bp, "/v1/oidc/consent/{txn_id}", method="POST", body=ConsentDecision,
            summary="The citizen's consent decision (allow or deny)", tag="oidc",
            errors_documented=(400, 401, 404))
def consent_decide(txn_id: str, body: ConsentDecision) -> dict[str, str]:
    from iamsmart.oidc import consent_page

    http.require_json(bp.current_request)
    return consent_page.consent_decide(txn_id, body.decision, bp.current_request)


@http.route(bp, "/v1/oidc/token", method="POST", form=OAuthForm,
            summary="Token endpoint (authorization_code with PKCE, refresh_token)", tag="oidc",
            errors_documented=(400, 401, 503),
            headers=(_CLIENT_BASIC, _DPOP_TOKEN))
def token(body: OAuthForm) -> dict[str, Any]:
    from iamsmart.oidc import tokens

    return tokens.token(_params(body), _header("authorization"), _header("dpop"))


def _userinfo() -> dict[str, Any]:
    from iamsmart.oidc import tokens

    request = bp.current_request
    return tokens.userinfo(_header("authorization"), _header("dpop"), request.method)


@http.route(bp, "/v1/oidc/userinfo", summary="Claims about the logged-in citizen", tag="oidc",
            errors_documented=(401, 403),
            headers=(http.AUTHORIZATION, http.DPOP))
def userinfo_get() -> dict[str, Any]:
    return _userinfo()


@http.route(bp, "/v1/oidc/userinfo", method="POST",
            summary="Claims about the logged-in citizen (POST)", tag="oidc",
            errors_documented=(401, 403),
            headers=(http.AUTHORIZATION, http.DPOP))
def userinfo_post() -> dict[str, Any]:
    return _userinfo()


@http.route(bp, "/v1/oidc/revoke", method="POST", form=OAuthForm,
            summary="Token revocation (RFC 7009)", tag="oidc", errors_documented=(400, 401),
            headers=(_CLIENT_BASIC,))
def revoke(body: OAuthForm) -> dict[str, Any]:
    from iamsmart.oidc import tokens

    tokens.revoke(_params(body), _header("authorization"))
    return {}


@http.route(bp, "/v1/oidc/introspect", method="POST", form=OAuthForm,
            summary="Token introspection for the client's resource servers (RFC 7662)",
            tag="oidc", errors_documented=(400, 401),
            headers=(_CLIENT_BASIC,))
def introspect(body: OAuthForm) -> dict[str, Any]:
    from iamsmart.oidc import tokens

    return tokens.introspect(_params(body), _header("authorization"))


@http.route(bp, "/v1/oidc/logout", query=LogoutQuery,
            summary="RP-initiated logout", tag="oidc", errors_documented=(400,),
            html=True, redirects=True)
def logout(query: LogoutQuery) -> Response:
    from iamsmart.oidc import logout as endpoint

    try:
        return _browser(endpoint.logout(_params(query), bp.current_request))
    except errors.DomainError as exc:
        return _error_page(exc)


@http.route(bp, "/v1/oidc/logout", method="POST", form=OAuthForm,
            summary="Logout confirmed on the provider's page", tag="oidc",
            errors_documented=(403,),
            html=True, redirects=True)
def logout_confirmed(body: OAuthForm) -> Response:
    from iamsmart.oidc import logout as endpoint

    try:
        return _browser(endpoint.logout_confirmed(_params(body), bp.current_request))
    except errors.DomainError as exc:
        return _error_page(exc)
