"""Domain errors: what went wrong, in words a citizen can read, in both languages.

The HTTP edge maps each class to a status code in one table (functions/api/chalicelib/http.py);
Step Functions' ASL matches on the class names (``ErrorEquals``), so names are a contract.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the platform reports on purpose."""

    code = "error"
    en = "Something went wrong."
    tc = "發生錯誤。"

    def __init__(self, en: str | None = None, tc: str | None = None,
                 headers: dict[str, str] | None = None, **details: object):
        self.en = en or type(self).en
        self.tc = tc or type(self).tc
        self.details = details
        # Protocol headers the answer must carry (WWW-Authenticate, DPoP-Nonce ...).
        self.headers = headers or {}
        super().__init__(self.en)


class InvalidInput(DomainError):
    code = "invalid_request"
    en = "The request is not valid."
    tc = "請求無效。"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    en = "The request is too large."
    tc = "請求內容過大。"


class NotFound(DomainError):
    code = "not_found"
    en = "Not found."
    tc = "找不到所需資料。"


class Unauthorized(DomainError):
    """Missing or invalid credentials (401): client authentication, tokens, DPoP proofs."""

    code = "unauthorized"
    en = "Authentication is required."
    tc = "需要驗證身份。"


class Forbidden(DomainError):
    code = "forbidden"
    en = "You are not allowed to do this."
    tc = "你沒有權限進行此操作。"


class Conflict(DomainError):
    code = "conflict"
    en = "The request conflicts with the current state."
    tc = "請求與現時狀態衝突。"


class TooManyRequests(DomainError):
    """A limit was reached (429). ``retry_after`` is required: the real number of seconds until
    the limit lets the caller in again (the edge sends it as ``Retry-After``)."""

    code = "too_many_requests"
    en = "Too many requests. Please try again later."
    tc = "請求過於頻繁，請稍後再試。"

    def __init__(self, en: str | None = None, tc: str | None = None, *, retry_after: int,
                 headers: dict[str, str] | None = None, **details: object):
        super().__init__(en, tc, headers, **details)
        self.retry_after = max(1, int(retry_after))


class Unavailable(DomainError):
    """A dependency (DynamoDB, KMS, an upstream) is throttled or down: fail closed, retry later."""

    code = "temporarily_unavailable"
    en = "The service is temporarily unavailable. Please try again later."
    tc = "服務暫時未能提供，請稍後再試。"

    def __init__(self, en: str | None = None, tc: str | None = None, retry_after: int = 5,
                 headers: dict[str, str] | None = None, **details: object):
        super().__init__(en, tc, headers, **details)
        self.retry_after = retry_after


class DataNotReady(NotFound):
    """Public information has not been fetched yet (first start, before the first refresh)."""

    code = "not_ready"
    en = "This information is not available yet. Please try again shortly."
    tc = "資料尚未提供，請稍後再試。"


# --- feed ingestion (Step Functions contract: the ASL catches these names) ---------------

class UpstreamError(DomainError):
    """The upstream could not be reached or answered with an HTTP error."""

    code = "upstream_error"


class FeedTooLarge(UpstreamError):
    code = "feed_too_large"


class MalformedFeed(DomainError):
    """The upstream answered, but the document is not the format we expect."""

    code = "malformed_feed"


# --- face images (registration, face step-up) ------------------------------------------

class InvalidImage(InvalidInput):
    """An uploaded photo is not a usable JPEG or PNG (type, corruption, pixel limits)."""

    code = "invalid_image"
    en = "The photo could not be used. Please upload a clear JPEG or PNG photo."
    tc = "未能使用此相片。請上載清晰的 JPEG 或 PNG 相片。"


class FaceNotUsable(InvalidImage):
    """The photo is an image, but not exactly one whole face (none, several, cut off)."""

    code = "face_not_usable"
    en = "The photo must show exactly one whole face. Please take the photo again."
    tc = "相片必須清楚顯示一張完整的面孔。請重新拍攝。"
