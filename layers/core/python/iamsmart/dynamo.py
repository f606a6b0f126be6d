"""What every data-access module shares about DynamoDB: which SDK failures mean "busy or
down, try later" (→ ``errors.Unavailable``: 503 with Retry-After at the edge, a retry in Step
Functions) as opposed to a bug of ours, which is left to surface."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from iamsmart import errors

RETRYABLE = frozenset({
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
})


@contextmanager
def translated(action: str) -> Iterator[None]:
    """Run PynamoDB or boto3 DynamoDB calls; throttling and outages become ``Unavailable``."""
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    try:
        yield
    except PynamoDBException as exc:
        code = exc.cause_response_code
        if code is None or code in RETRYABLE:
            raise errors.Unavailable(operation=action, reason=code or "connection") from exc
        raise
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in RETRYABLE:
            raise errors.Unavailable(operation=action, reason=code) from exc
        raise
    except BotoCoreError as exc:  # endpoint unreachable, read timeout
        raise errors.Unavailable(operation=action, reason=type(exc).__name__) from exc
