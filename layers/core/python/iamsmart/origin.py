"""The platform's public origin: the OpenID issuer, the WebAuthn origin and relying party id,
and the base of every absolute URL the platform signs or checks (DPoP ``htu``, audiences).

Configured one of two ways, with the same code in AWS and on the local platform:

- ``PUBLIC_URL`` (``settings.public_url``): the portal's own domain, known at deploy time
  (``cdk deploy -c domain_name=...``);
- otherwise the SSM parameter named by ``PUBLIC_URL_PARAMETER``: the web stack writes
  ``https://<CloudFront domain>`` there on the first deploy (the local platform writes its own
  origin to the same parameter in the emulator). Read lazily and cached (``iamsmart.parameters``).

Until one of them holds a usable origin, ``public_url()`` raises ``errors.Unavailable`` (reason
``public_origin_not_configured``; the class name stays ``Unavailable``, which workflows retry):
a 503 with a bilingual message, never an issuer that is wrong.

An origin is ``https://host[:port]``, or ``http://`` on a loopback host only (browsers treat
those as secure contexts), without path, query or fragment; a trailing slash is dropped.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from iamsmart import errors, parameters
from iamsmart.settings import settings

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


NOT_CONFIGURED_EN = "The login service is still being set up. Please try again later."
NOT_CONFIGURED_TC = "登入服務仍在設定中，請稍後再試。"


def parse(value: str) -> str | None:
    """``value`` as an origin without a trailing slash, or None if it is not a usable one."""
    text = value.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError:
        return None
    if not host or parts.path or parts.query or parts.fragment or parts.username:
        return None
    if parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK_HOSTS):
        return text
    return None


def public_url() -> str:
    """The public origin, e.g. ``https://d1234.cloudfront.net`` (see the module docs)."""
    cfg = settings()
    raw = cfg.public_url or (parameters.get(cfg.public_url_parameter)
                             if cfg.public_url_parameter else None)
    origin = parse(raw) if raw else None
    if origin is None:
        if raw:
            from iamsmart.observability import logger

            logger().error("public origin is not a usable origin",
                           extra={"parameter": cfg.public_url_parameter or "PUBLIC_URL"})
        raise errors.Unavailable(en=NOT_CONFIGURED_EN, tc=NOT_CONFIGURED_TC,
                                 reason="public_origin_not_configured")
    return origin


def rp_id() -> str:
    """The WebAuthn relying party id: configured, or the host of the public origin."""
    return settings().webauthn_rp_id or (urlsplit(public_url()).hostname or "")
