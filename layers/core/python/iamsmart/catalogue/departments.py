"""Which department is calling: API Gateway API key id -> its holder in the API key registry.

API Gateway has already validated the key (``api_key_required``) and passes its id in the
request context (``identity.apiKeyId``); the registry (``iamsmart.apikeys``), written when the
key was issued, names the department (an abbreviation such as ``TD``). Answers are cached per
warm function (``settings().apikey_cache_seconds``), so a disabled key may act for that long
more in that function (API Gateway itself stops a deleted or disabled key at once).
"""

from __future__ import annotations

from iamsmart import errors
from iamsmart.apikeys import registry


class NoDepartment(errors.Forbidden):
    en = "This API key does not belong to a department."
    tc = "此 API 密鑰不屬於任何部門。"


def department_for_key(api_key_id: str | None, *, now: float | None = None) -> str:
    """The department abbreviation of the calling API key, or ``Forbidden``."""
    if not api_key_id:
        raise errors.Forbidden(en="A department API key is required.",
                               tc="須使用部門 API 密鑰。")
    principal = registry.holder(api_key_id, now=now)
    if principal is None or principal.kind != "department" or not principal.department:
        raise NoDepartment()
    return principal.department


def reset() -> None:
    """Forget cached answers (tests)."""
    registry.reset()
