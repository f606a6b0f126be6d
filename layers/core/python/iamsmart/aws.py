"""Cached boto3 clients, created on first use (never at import time).

Endpoints follow botocore's own configuration (``AWS_ENDPOINT_URL`` locally, the Lambda
environment in AWS), so the same code talks to AWS or to the embedded moto server.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from iamsmart import errors
from iamsmart.settings import settings

T = TypeVar("T")


@functools.cache
def _loader() -> Any:
    """botocore's data loader, shared by every session: the endpoint rules and service models
    are parsed once per process, not once per client (a cold start creates several)."""
    from botocore.loaders import create_loader

    return create_loader()


@functools.cache
def client(service: str, *, read_timeout: int = 10, max_attempts: int = 3) -> Any:
    """The cached client of ``service``; a call that waits longer than ten seconds by design
    (``StartSyncExecution``) asks for its own ``read_timeout`` (and attempts). Each client has
    a session of its own (configuration and credentials read afresh), all sharing one loader."""
    import boto3
    import botocore.session
    from botocore.config import Config

    cfg = settings()
    core = botocore.session.Session()
    core.register_component("data_loader", _loader())
    return boto3.session.Session(botocore_session=core).client(
        service,
        # Rekognition is not offered in ap-east-1 (Hong Kong): its calls cross to its region.
        region_name=cfg.rekognition_region if service == "rekognition" else cfg.region,
        config=Config(retries={"mode": "standard", "max_attempts": max_attempts},
                      connect_timeout=3, read_timeout=read_timeout),
    )


def reset() -> None:
    """Forget cached clients (tests switch endpoints between runs)."""
    client.cache_clear()


def guarded(service: str, operation: str, call: Callable[[], T],
            refusals: Mapping[str, type[errors.DomainError]] | None = None) -> T:
    """Run one AWS call that must fail closed (KMS, Rekognition): an error code listed in
    ``refusals`` becomes that domain error; every other failure (throttling, outage, access)
    becomes ``errors.Unavailable`` (503 with Retry-After), never a partial success. Only the
    error code is logged: requests may hold personal data."""
    from botocore.exceptions import BotoCoreError, ClientError

    from iamsmart.observability import logger

    try:
        return call()
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        if refusals and code in refusals:
            raise refusals[code](aws_error=code) from None
    except BotoCoreError as exc:  # connection, read timeout, retries exhausted
        code = type(exc).__name__
    logger().warning("AWS call failed", extra={"aws_service": service,
                                               "aws_operation": operation, "aws_error": code})
    raise errors.Unavailable(aws_service=service, aws_error=code)


def call(service: str, operation: str, **params: Any) -> Any:
    """``client(service).<operation>(**params)``, guarded (see ``guarded``)."""
    return guarded(service, operation,
                   lambda: getattr(client(service), operation)(**params))
