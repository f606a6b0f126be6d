"""The environment every function of the platform starts with (Settings reads it)."""

from __future__ import annotations

from urllib.parse import urlsplit

from infra.names import APP, key_environment, table_environment
from infra.stacks.config import DeployConfig


def function_environment(config: DeployConfig) -> dict[str, str]:
    """Table names (``FEEDS_TABLE`` ...), the stage and Powertools' service name.

    ``FEED_URLS`` is left unset so the functions use their built-in defaults. Without a
    public origin (first dev deploy) the OpenID Provider answers 503 until one is given.
    """
    env = {
        **table_environment(),
        **key_environment(),
        "STAGE": config.stage,
        "POWERTOOLS_SERVICE_NAME": APP,
        "COOKIE_SECURE": "true",
    }
    if config.public_url:
        env["PUBLIC_URL"] = config.public_url
        env["WEBAUTHN_RP_ID"] = urlsplit(config.public_url).hostname or ""
    return env
