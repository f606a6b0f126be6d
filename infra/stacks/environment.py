"""The environment every function of the platform starts with (Settings reads it)."""

from __future__ import annotations

from infra.names import (
    FACE_COLLECTION,
    key_environment,
    parameter_environment,
    table_environment,
)
from infra.stacks.config import DeployConfig


def function_environment(config: DeployConfig) -> dict[str, str]:
    """Table names (``FEEDS_TABLE`` ...) and key aliases of this stage, the stage, the face
    region and collection, and Powertools' service name (the stage's prefix: it is the
    ``service`` dimension of every metric, so deployments sharing an account stay apart).

    ``FEED_URLS`` is left unset so the functions use their built-in defaults. The public
    origin: with an own domain (``-c domain_name``) ``PUBLIC_URL``; without one the functions
    read the SSM parameter the web stack writes (``iamsmart.origin``): right on the first
    deploy, 503 until the parameter exists. The registration help desk (``-c help_email``,
    ``-c help_phone``): without either, the settings' sandbox address, marked fictitious.
    """
    env = {
        **table_environment(config.stage),
        **key_environment(config.stage),
        **parameter_environment(config.stage),
        "STAGE": config.stage,
        "REKOGNITION_REGION": config.face_region,
        "FACE_COLLECTION_ID": config.name(FACE_COLLECTION),
        "POWERTOOLS_SERVICE_NAME": config.prefix,
        "COOKIE_SECURE": "true",
    }
    if config.public_url:
        env["PUBLIC_URL"] = config.public_url
    if config.help_email or config.help_phone:
        # A deployment's own help desk: the sandbox's fictitious address is not shown.
        env["REGISTRATION_HELP_EMAIL"] = config.help_email or ""
        env["REGISTRATION_HELP_PHONE"] = config.help_phone or ""
        env["REGISTRATION_HELP_SANDBOX"] = "false"
    return env
