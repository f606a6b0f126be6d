"""``/v1/oidc/logout``: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).

A logout with a valid ``id_token_hint`` naming the current session ends it at once; without
one, the citizen is asked to confirm (a same-origin POST from our own page) rather than the
session ending on a cross-site GET. The post-logout redirect URI is followed only when
registered exactly for that client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from iamsmart import errors
from iamsmart.identity import sessions
from iamsmart.oidc import clients, discovery, signing
from iamsmart.oidc.front import MAX_STATE, Outcome, header


def _hint(token: str | None) -> dict[str, Any] | None:
    """An ID token we issued (signature, ``kid`` among our keys, our ``iss``); expiry does
    not matter for a logout hint (OIDC RP-Initiated Logout §2)."""
    if not token or len(token) > 8192:
        return None
    from joserfc import jws, jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import ECKey

    try:
        header = jws.extract_compact(token.encode("ascii")).protected
        if header.get("alg") != "ES256" or any(
                h in header for h in ("jku", "x5u", "jwk", "x5c", "crit")):
            return None
        jwk = next((k for k in signing.jwks()["keys"] if k["kid"] == header.get("kid")), None)
        if jwk is None:
            return None
        decoded = jwt.decode(token, ECKey.import_key(jwk), algorithms=["ES256"])
    except (JoseError, ValueError, TypeError, UnicodeError):
        return None
    claims = dict(decoded.claims)
    return claims if claims.get("iss") == discovery.issuer() else None


def _logout_target(client_id: str | None, hint: dict[str, Any] | None,
                   uri: str | None) -> str | None:
    """The post-logout redirect URI, only when registered exactly for that client."""
    aud = hint.get("aud") if hint else None
    if isinstance(aud, list):
        aud = aud[0] if len(aud) == 1 else None
    if client_id and aud and client_id != aud:
        return None
    cid = client_id or aud
    if not uri or not isinstance(cid, str):
        return None
    try:
        client = clients.get(cid)
    except errors.DomainError:
        return None
    return uri if uri in client.post_logout_redirect_uris else None


def _with_state(uri: str, state: str | None) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if state:
        query.append(("state", state[:MAX_STATE]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def logout(params: Mapping[str, str], http_request: Any) -> Outcome:
    """``GET /v1/oidc/logout`` (RP-initiated logout)."""
    hint = _hint(params.get("id_token_hint"))
    target = _logout_target(params.get("client_id"), hint,
                            params.get("post_logout_redirect_uri"))
    session = sessions.current(http_request)
    if session is not None and not (hint and hint.get("sid") == session.id):
        # No proof the relying party speaks for this session: ask the citizen.
        keep = {k: params[k] for k in ("client_id", "post_logout_redirect_uri", "state")
                if params.get(k) and (k != "post_logout_redirect_uri" or target)}
        if hint and isinstance(hint.get("aud"), str) and "client_id" not in keep:
            keep["client_id"] = hint["aud"]
        return Outcome(page="confirm_logout", params=keep)
    cookies = [sessions.end(session)] if session is not None else []
    if target:
        return Outcome(location=_with_state(target, params.get("state")), cookies=cookies)
    return Outcome(page="logged_out", cookies=cookies)


def logout_confirmed(form: Mapping[str, str], http_request: Any) -> Outcome:
    """``POST /v1/oidc/logout`` from our own confirmation page (same origin only)."""
    origin = header(http_request, "origin")
    if origin != discovery.issuer():
        raise errors.Forbidden(en="Log out from the iAM Smart page.",
                               tc="請在「智方便」頁面登出。")
    target = _logout_target(form.get("client_id"), None, form.get("post_logout_redirect_uri"))
    session = sessions.current(http_request)
    cookies = [sessions.end(session)] if session is not None else [
        sessions.clear_cookie_header()]
    if target:
        return Outcome(location=_with_state(target, form.get("state")), cookies=cookies)
    return Outcome(page="logged_out", cookies=cookies)
