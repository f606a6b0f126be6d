"""The cost model of `make bench`: what one flow costs in AWS charges, from the AWS calls the
benches count (botocore hooks) priced at the list prices in tests/bench/prices.py.

A bench describes one flow as a ``Flow`` (its counted calls and DynamoDB request units, plus
what AWS bills that botocore does not see: API Gateway requests, Lambda invocations and their
duration, Step Functions transitions or Express executions, CloudFront requests, Rekognition
images on the local dlib engine), then calls ``report``: one line with the cost per flow and
per million flows, and, when ``BENCH_COSTS`` names a file (tests/bench/run.py sets it), a JSON
line there for the summary table ``python tests/bench/cost.py FILE`` prints.

DynamoDB request units come from each call's parameters (``units``): items up to 1 KB written
and 4 KB read are assumed (one unit each; half a read unit when not strongly consistent;
transactions two units an item, condition checks included). Calls the emulator makes only
because it is an emulator (moto invoking task functions) are dropped by the benches before
pricing; the invocations are priced as Lambda.
"""

from __future__ import annotations

import collections
import contextlib
import json
import math
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from prices import AS_OF, ASSUMED, PRICES, REGION

# KMS operations on asymmetric keys (priced higher than symmetric and HMAC ones).
ASYMMETRIC = {"Sign", "Verify", "GetPublicKey"}
S3_PUT = {"PutObject", "CopyObject", "PostObject", "ListObjects", "ListObjectsV2",
          "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"}
FREE = {"s3:DeleteObject", "s3:DeleteObjects"}  # S3 charges nothing for deletes


class Tally:
    """AWS calls ("service:Operation") and DynamoDB request units counted inside ``counting``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: collections.Counter[str] = collections.Counter()
        self.rru = 0.0
        self.wru = 0.0

    def add(self, service: str, operation: str, params: dict[str, Any]) -> None:
        rru, wru = units(operation, params) if service == "dynamodb" else (0.0, 0.0)
        with self.lock:
            self.calls[f"{service}:{operation}"] += 1
            self.rru += rru
            self.wru += wru


@contextlib.contextmanager
def counting() -> Iterator[Tally]:
    """Every botocore call made inside, by any client of the process."""
    from botocore.client import BaseClient

    tally = Tally()
    original = BaseClient._make_api_call

    def counted(self: Any, operation: str, params: Any) -> Any:
        tally.add(self.meta.service_model.service_name, operation, params)
        return original(self, operation, params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield tally
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def units(operation: str, params: dict[str, Any]) -> tuple[float, float]:
    """DynamoDB (read, write) request units of one call, items ≤ 4 KB read / ≤ 1 KB written."""

    def read(consistent: Any) -> float:
        return 1.0 if consistent else 0.5

    if operation == "GetItem":
        return read(params.get("ConsistentRead")), 0.0
    if operation in ("Query", "Scan"):
        return read(params.get("ConsistentRead")), 0.0
    if operation == "BatchGetItem":
        return sum(len(t.get("Keys", [])) * read(t.get("ConsistentRead"))
                   for t in params.get("RequestItems", {}).values()), 0.0
    if operation == "TransactGetItems":
        return 2.0 * len(params.get("TransactItems", [])), 0.0
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return 0.0, 1.0
    if operation == "BatchWriteItem":
        return 0.0, float(sum(len(v) for v in params.get("RequestItems", {}).values()))
    if operation == "TransactWriteItems":
        return 0.0, 2.0 * len(params.get("TransactItems", []))
    return 0.0, 0.0


@dataclass
class Flow:
    """What one flow uses, per flow (averages may be fractional)."""

    name: str
    calls: dict[str, float]  # "service:Operation" as AWS sees them (emulator-only calls dropped)
    rru: float = 0.0
    wru: float = 0.0
    api_requests: float = 0.0  # API Gateway REST requests, each one API Lambda invocation
    api_memory_mb: int = 1024
    api_lambda_ms: float = 0.0  # the API function's billed milliseconds for the whole flow
    pages: float = 0.0  # CloudFront requests for pages and assets (the API's pass it too)
    tasks: list[tuple[float, int, float]] = field(default_factory=list)  # (count, MB, ms each)
    standard_transitions: float = 0.0
    express_executions: float = 0.0
    express_seconds: float = 0.0
    express_memory_mb: int = 64
    rekognition_images: float = 0.0
    liveness_checks: float = 0.0
    notes: list[str] = field(default_factory=list)


def price(flow: Flow) -> dict[str, float]:
    """Dollars per flow by line item."""
    p = PRICES
    lines: dict[str, float] = {}

    def add(item: str, dollars: float) -> None:
        if dollars:
            lines[item] = lines.get(item, 0.0) + dollars

    invocations = flow.api_requests + sum(n for n, _, _ in flow.tasks)
    gb_s = (flow.api_lambda_ms / 1000 * flow.api_memory_mb / 1024
            + sum(n * mb / 1024 * ms / 1000 for n, mb, ms in flow.tasks))
    add("Lambda", invocations * p["lambda_request"] + gb_s * p["lambda_gb_second"])
    add("API Gateway", flow.api_requests * p["apigateway_rest_request"])
    add("CloudFront", (flow.api_requests + flow.pages) * p["cloudfront_https_request"])
    add("DynamoDB", flow.rru * p["dynamodb_rru"] + flow.wru * p["dynamodb_wru"])
    for call, count in flow.calls.items():
        service, _, operation = call.partition(":")
        if call in FREE:
            continue
        if service == "kms":
            add("KMS", count * p["kms_asymmetric_request" if operation in ASYMMETRIC
                             else "kms_request"])
        elif service == "s3":
            add("S3", count * p["s3_put" if operation in S3_PUT else "s3_get"])
        elif service == "sqs":
            add("SQS", count * p["sqs_request"])
    add("Step Functions", flow.standard_transitions * p["sfn_standard_transition"])
    blocks = math.ceil(flow.express_seconds * 10) / 10 if flow.express_seconds else 0.0
    add("Step Functions", flow.express_executions * (
        p["sfn_express_request"]
        + blocks * flow.express_memory_mb / 1024 * p["sfn_express_gb_second"]))
    add("Rekognition", flow.rekognition_images * p["rekognition_image"]
        + flow.liveness_checks * p["rekognition_liveness_check"])
    return lines


def unpriced(flow: Flow) -> list[str]:
    """Counted calls of services the model has no price for (they should be none)."""
    known = {"dynamodb", "kms", "s3", "sqs", "stepfunctions", "lambda", "rekognition"}
    return sorted(c for c in flow.calls if c.partition(":")[0] not in known)


def report(flow: Flow) -> None:
    lines = price(flow)
    total = sum(lines.values())
    print(f"  cost of {flow.name}: ${total:.7f} a flow, ${total * 1e6:,.2f} per million "
          f"({REGION} list prices as of {AS_OF.split(' ')[0]}, assumptions in "
          f"tests/bench/prices.py)")
    print("    " + ", ".join(f"{k} ${v * 1e6:,.2f}" for k, v in
                             sorted(lines.items(), key=lambda kv: -kv[1])) + " per million")
    for note in flow.notes:
        print(f"    {note}")
    missing = unpriced(flow)
    if missing:
        print(f"    not priced: {', '.join(missing)}")
    target = os.environ.get("BENCH_COSTS")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps({**asdict(flow), "lines": lines, "total": total}) + "\n")


def summary(path: str) -> None:
    """The per-flow table of one `make bench` run."""
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    print(f"Cost per flow at {REGION} list prices ({AS_OF}); "
          f"{sum(v != 'uniform' for v in ASSUMED.values())} of {len(ASSUMED)} prices are "
          f"assumptions (tests/bench/prices.py)")
    print(f"  {'flow':<52} {'per flow':>11} {'per million':>12}  largest items")
    for row in rows:
        top = sorted(row["lines"].items(), key=lambda kv: -kv[1])[:3]
        print(f"  {row['name']:<52} ${row['total']:>10.6f} ${row['total'] * 1e6:>11,.0f}  "
              + ", ".join(f"{k} {v / row['total']:.0%}" for k, v in top))


if __name__ == "__main__":
    summary(sys.argv[1])
