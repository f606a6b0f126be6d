"""Cached boto3 clients, created on first use (never at import time).

Endpoints follow botocore's own configuration (``AWS_ENDPOINT_URL`` locally, the Lambda
environment in AWS), so the same code talks to AWS or to the embedded moto server.
"""

from __future__ import annotations

import functools
from typing import Any

from iamsmart.settings import settings


@functools.cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        service,
        region_name=settings().region,
        config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3,
                      read_timeout=10),
    )


def reset() -> None:
    """Forget cached clients (tests switch endpoints between runs)."""
    client.cache_clear()
