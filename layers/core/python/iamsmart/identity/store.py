"""The identity context's way to DynamoDB (the shared helpers of ``iamsmart.dynamo``)."""

from __future__ import annotations

from iamsmart.dynamo import (  # noqa: F401 - the context's data-access surface
    batch_get,
    batch_put,
    delete,
    from_item,
    get,
    now,
    put,
    query,
    to_item,
    transact_write,
    update,
)
