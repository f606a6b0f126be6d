"""Face step-up figures: step-ups per second with the local engine (dlib) and the AWS calls
one step-up costs (``/face/liveness`` + ``/face/check``: the Express workflow's tasks
included), in-process on moto with the real handlers. Usage: ``python tests/bench/stepup.py
[runs]``. The login before each step-up (PAR, device approval) is not counted.

AWS calls are counted the way tests/bench/login.py does (botocore's ``_make_api_call``).
The Express machine runs with one StartSyncExecution, as in AWS (infra/local/express.py).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for extra in (Path(__file__).resolve().parent, ROOT, ROOT / "tests" / "integration",
              ROOT / "layers" / "core" / "python", ROOT / "functions" / "api"):
    sys.path.insert(0, str(extra))


def main(runs: int = 5) -> None:
    import os

    from moto import mock_aws

    from infra.local import lambdas, provision
    from infra.local.platform import apply_environment, local_environment

    env = local_environment(None, {})
    os.environ.update(env)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    apply_environment(env)
    lambdas.install()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True},
                          "core": {"reset_boto3_session": False}}):
        provision.provision(env, fast=True)
        import cost
        import prices
        from face_helpers import b64, bank, device_for, enrol, face_login, photo
        from oidc_helpers import Browser, Http, reset_caches

        from infra.local.api import chalice_app
        from infra.names import FUNCTIONS, STATE_MACHINES

        reset_caches()
        http = Http(chalice_app())
        enrol(name="obama.jpg")
        selfie = b64(photo("obama2.jpg"))
        tmp = Path(tempfile.mkdtemp())
        device = device_for(http, tmp)
        rp = bank(http)
        elapsed: list[float] = []
        per_run: list[Counter[str]] = []
        units = [0.0, 0.0]
        for i in range(runs + 1):  # the first run warms the models and caches
            browser = Browser(http)
            txn = face_login(browser, rp, device)
            with cost.counting() as tally:
                started = time.perf_counter()
                _, live = browser.json("POST", f"/v1/login/{txn}/face/liveness", {})
                status, answer = browser.json("POST", f"/v1/login/{txn}/face/check", {
                    "selfie": selfie, "liveness_session": live["liveness_session"]})
                took = time.perf_counter() - started
            assert status == 200 and answer["status"] == "passed", answer
            if i:
                elapsed.append(took)
                per_run.append(Counter({k.replace(":", "."): v for k, v in tally.calls.items()}))
                units[0] += tally.rru
                units[1] += tally.wru
        total = sum(sum(c.values()) for c in per_run) / runs
        mean = sum(elapsed) / runs
        last = per_run[-1]
        print(f"face step-up (local engine, in-process moto): {1 / mean:.2f} step-ups/s "
              f"(mean {mean * 1000:.0f} ms over {runs})")
        print(f"AWS calls per step-up: {total:.0f}")
        print("  " + ", ".join(f"{k} x{v}" for k, v in sorted(last.items())))
        calls: Counter[str] = Counter()
        for run in per_run:
            for key, value in run.items():
                calls[key.replace(".", ":", 1)] += value / runs
        invokes = calls.pop("lambda:Invoke", 0.0)
        memory = FUNCTIONS[STATE_MACHINES["face-stepup"].functions[0]].memory_mb
        task_ms = prices.TASK_CPU_MS + prices.AWS_CALL_MS * sum(calls.values()) / max(invokes, 1)
        cost.report(cost.Flow(
            name="face step-up (liveness and check)", calls=dict(calls),
            rru=units[0] / runs, wru=units[1] / runs, api_requests=2.0,
            # The API waits for the synchronous Express execution.
            api_lambda_ms=2 * prices.TASK_CPU_MS + prices.EXPRESS_SECONDS * 1000,
            tasks=[(invokes, memory, task_ms + prices.REKOGNITION_CALL_MS)],
            express_executions=1.0, express_seconds=prices.EXPRESS_SECONDS,
            rekognition_images=2.0, liveness_checks=1.0,
            notes=["Rekognition assumed: one Face Liveness check and two image calls "
                   "(DetectFaces, CompareFaces; the bench runs dlib); Express duration "
                   f"assumed {prices.EXPRESS_SECONDS:.0f} s"]))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
