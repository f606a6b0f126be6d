"""Data-exchange figures for `make bench` (issue 5): consumer fetches per second and their
latency (p50/p99) with two providers, and the AWS calls each fetch makes.

Runs in one process on in-process moto (as the integration tests do): the real Chalice app
behind the local platform's gateway (API keys enforced), the real fetch state machine
executed by moto with the real task handler, and two providers (Immigration, Transport) on a
loopback HTTP server checking every gateway signature against the JWKS. One standing
consent; each fetch asks both providers. AWS calls are counted on every botocore client in
the process (the API's and the task's), so KMS signatures of provider calls are included.
The gateway runs the machine with one StartSyncExecution, as in AWS (infra/local/express.py);
the Lambda invokes moto's Step Functions makes for the tasks are shown apart.
"""

from __future__ import annotations

import collections
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "integration"))
sys.path.insert(0, str(ROOT / "functions" / "api"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cost  # noqa: E402
import prices  # noqa: E402

from infra.names import FUNCTIONS  # noqa: E402

FETCHES = 60
CONCURRENCY = 4


def main() -> None:
    import exchange_helpers as xh
    from moto import mock_aws
    from oidc_helpers import PUBLIC_URL, reset_caches

    from infra.local import lambdas, provision
    from infra.local.api import chalice_app
    from infra.local.platform import apply_environment, local_environment
    from infra.names import STATE_MACHINES

    env = local_environment(None, {})
    env["POWERTOOLS_METRICS_DISABLED"] = "true"
    env["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    os.environ.update(env)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    apply_environment(env)
    reset_caches()
    lambdas.install()
    with mock_aws(config=xh.CONFIG):
        from iamsmart import aws
        from iamsmart.exchange import registry
        from iamsmart.identity import accounts

        provision.create_tables()
        provision.create_keys()
        provision.create_parameters(PUBLIC_URL)
        accounts.seed_sandbox_citizens()
        role = provision._role(provision.LAMBDA_ROLE, "lambda.amazonaws.com")
        spec = provision.FUNCTIONS["exchange-call"]
        arn = aws.client("lambda").create_function(
            FunctionName=spec.name, Runtime="python3.12", Role=role, Handler=spec.handler,
            Code={"ZipFile": provision._zip(spec.source)}, Timeout=15,
            Environment={"Variables": env})["FunctionArn"]
        machine = STATE_MACHINES["exchange-fetch"]
        aws.client("stepfunctions").create_state_machine(
            name=machine.name, roleArn=provision._role(provision.STATES_ROLE,
                                                       "states.amazonaws.com"),
            definition=provision.definition(machine, {"exchange-call": arn}, fast=True),
            type="EXPRESS")
        provision.create_usage_plans()
        keys = provision.create_department_keys()
        # A generous usage plan for the bench key (the sandbox plan throttles at 10/s).
        apigw = aws.client("apigateway")
        plan = apigw.create_usage_plan(name="bench", throttle={"rateLimit": 10000,
                                                               "burstLimit": 10000})
        key = apigw.create_api_key(name="bench-td", enabled=True, value="bench-td-key-0123456",
                                   tags={"department": "TD"})
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        from iamsmart.apikeys import registry as apikeys

        apikeys.record(key["id"], "department", department="TD")
        keys["BENCH"] = "bench-td-key-0123456"
        served = xh.Providers()
        served.start()
        for model in xh.provider_models(served.base):
            registry.put_provider(model)
        http = xh.KeyedHttp(chalice_app())
        consumer = xh.Consumer(http, keys)
        browser = xh.citizen(http)
        tokens = consumer.login(browser, ["IMMD.particulars.address",
                                          "TD.driving_licence.licence_number"],
                                mode="standing", days=30)
        body = {"purpose": "licence_application"}

        def one() -> float:
            start = time.perf_counter()
            status, answer = consumer.fetch(tokens["access_token"], body, key="BENCH")
            assert status == 200 and answer["status"] == "complete", answer
            return time.perf_counter() - start

        for _ in range(3):  # warm: caches (clients, registry, signing key, department key)
            one()
        calls: collections.Counter[str] = collections.Counter()
        lock = threading.Lock()
        units = [0.0, 0.0]

        from botocore.client import BaseClient

        original = BaseClient._make_api_call

        def counting(self: BaseClient, name: str, params: object) -> object:
            service = self.meta.service_model.service_name
            rru, wru = cost.units(name, params) if service == "dynamodb" else (0.0, 0.0)
            with lock:
                calls[f"{service}:{name}"] += 1
                units[0] += rru
                units[1] += wru
            return original(self, name, params)

        BaseClient._make_api_call = counting  # type: ignore[method-assign]
        try:
            samples = [one() for _ in range(20)]
        finally:
            BaseClient._make_api_call = original  # type: ignore[method-assign]
        per_fetch = {k: v / 20 for k, v in sorted(calls.items())}

        latencies: list[float] = []

        def worker() -> None:
            for _ in range(FETCHES // CONCURRENCY):
                took = one()
                with lock:
                    latencies.append(took)

        start = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        served.stop()
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    total = sum(per_fetch.values())
    print(f"  sequential fetch latency p50 {statistics.median(samples) * 1000:.0f} ms")
    print(f"  {CONCURRENCY} concurrent: {len(latencies) / elapsed:.1f} fetches/s, "
          f"p50 {p(0.50):.0f} ms, p99 {p(0.99):.0f} ms (two providers per fetch)")
    invokes = per_fetch.get("lambda:Invoke", 0.0)
    gateway = per_fetch.get("apigateway:GetApiKey", 0.0)  # the local gateway's key check
    print(f"  AWS calls per fetch: {total:.1f} locally, of which {invokes:.1f} Lambda invokes "
          f"made by moto's Step Functions and {gateway:.1f} the local gateway's API-key check; "
          f"in AWS (the services doing those themselves): {total - invokes - gateway:.1f}"
          f", of which {per_fetch.get('kms:Sign', 0.0):.1f} KMS Sign (one per provider)")
    print("  " + json.dumps(per_fetch))
    # Dropped: the emulator's own calls (task invocations, and the local gateway's API-key
    # lookup, which API Gateway does itself within the request's price).
    priced = {k: v for k, v in per_fetch.items()
              if k not in ("lambda:Invoke", "apigateway:GetApiKey")}
    task_ms = (prices.TASK_CPU_MS + prices.AWS_CALL_MS * sum(priced.values()) / max(invokes, 1)
               + prices.PROVIDER_MS)
    cost.report(cost.Flow(
        name="data fetch (two providers)", calls=priced, rru=units[0] / 20, wru=units[1] / 20,
        api_requests=1.0, api_lambda_ms=prices.TASK_CPU_MS + prices.EXPRESS_SECONDS * 1000,
        tasks=[(invokes, FUNCTIONS["exchange-call"].memory_mb, task_ms)],
        express_executions=1.0, express_seconds=prices.EXPRESS_SECONDS,
        notes=[f"provider answers assumed {prices.PROVIDER_MS:.0f} ms; Express duration "
               f"assumed {prices.EXPRESS_SECONDS:.0f} s"]))
    reset_caches()
    apply_environment({})


if __name__ == "__main__":
    main()
