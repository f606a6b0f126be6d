"""OAuth 2.0 / OpenID Connect errors (RFC 6749 §5.2, RFC 6750 §3.1, RFC 9449 §7, OIDC Core
§3.1.2.6), as domain errors: ``code`` is the protocol's ``error`` value, the HTTP status comes
from the base class through the edge's one mapping (``chalicelib.http.STATUS``).

Protocol headers travel with the error (``headers=``): ``WWW-Authenticate`` on 401s from
resource endpoints, ``DPoP-Nonce`` with ``use_dpop_nonce``.
"""

from __future__ import annotations

from iamsmart import errors


class InvalidRequest(errors.InvalidInput):
    code = "invalid_request"
    en = "The request is missing a parameter or is malformed."
    tc = "請求缺少參數或格式不正確。"


class InvalidRequestUri(errors.InvalidInput):
    code = "invalid_request_uri"
    en = "The request_uri is unknown, expired, already used, or belongs to another client."
    tc = "request_uri 無效、已過期、已使用或屬於其他用戶端。"


class InvalidClient(errors.Unauthorized):
    code = "invalid_client"
    en = "Client authentication failed."
    tc = "用戶端驗證失敗。"


class InvalidGrant(errors.InvalidInput):
    code = "invalid_grant"
    en = "The authorization code or refresh token is invalid, expired or already used."
    tc = "授權碼或更新權杖無效、已過期或已使用。"


class UnsupportedGrantType(errors.InvalidInput):
    code = "unsupported_grant_type"
    en = "The grant type is not supported."
    tc = "不支援此授權類型。"


class InvalidScope(errors.InvalidInput):
    code = "invalid_scope"
    en = "The requested scope is not allowed for this client."
    tc = "此用戶端不獲准要求所申請的範圍。"


class InvalidDpopProof(errors.InvalidInput):
    """At the token endpoint (400); resource endpoints answer 401 with ``InvalidToken``."""

    code = "invalid_dpop_proof"
    en = "The DPoP proof is missing or invalid."
    tc = "DPoP 證明缺失或無效。"


class UseDpopNonce(errors.InvalidInput):
    code = "use_dpop_nonce"
    en = "Use the DPoP nonce given in the DPoP-Nonce header."
    tc = "請使用 DPoP-Nonce 標頭提供的 nonce。"


class InvalidToken(errors.Unauthorized):
    code = "invalid_token"
    en = "The access token is invalid, expired or revoked."
    tc = "存取權杖無效、已過期或已撤銷。"


# Errors sent back to the relying party's redirect_uri (the citizen's side of the login).
class AccessDenied(errors.Forbidden):
    code = "access_denied"
    en = "The citizen declined."
    tc = "市民拒絕了要求。"


class LoginRequired(errors.Forbidden):
    code = "login_required"
    en = "The citizen must log in."
    tc = "市民須登入。"


class ConsentRequired(errors.Forbidden):
    code = "consent_required"
    en = "The citizen must give consent."
    tc = "須取得市民同意。"
