"""The environment every function of the platform starts with (Settings reads it)."""

from __future__ import annotations

from infra.names import APP, table_environment
from infra.stacks.config import DeployConfig


def function_environment(config: DeployConfig) -> dict[str, str]:
    """Table names (``FEEDS_TABLE`` ...), the stage and Powertools' service name.

    ``FEED_URLS`` is left unset so the functions use their built-in defaults.
    """
    return {
        **table_environment(),
        "STAGE": config.stage,
        "POWERTOOLS_SERVICE_NAME": APP,
    }
