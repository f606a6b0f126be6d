"""Registration figures for `make bench` (issue 4): applications accepted per second by the
intake API, workflow completions per second on the local platform, and AWS calls per
application (intake, and the workflow's tasks), counted with the same botocore hook as the
login bench (tests/bench/login.py).

Each application is a web self-registration with sandbox chip data and a matching selfie, so
every one runs the whole workflow (chip check, Immigration record, face comparison with the
local dlib engine, decision). The sandbox has five card holders: after the first, an HKID
is a duplicate, which (against enumeration) runs the same checks and differs only at the
decision. The per-source and per-HKID limits are raised for the run (one loopback source).
"""

from __future__ import annotations

import base64
import collections
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cost  # noqa: E402
import prices  # noqa: E402
from login import METER, install_meters  # noqa: E402

from infra.names import FUNCTIONS, STATE_MACHINES  # noqa: E402

CONCURRENCY = 4
APPLICATIONS = 24
FACES = ROOT / "tests" / "fixtures" / "faces"
DONE = ("completed", "not_completed")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def application_body(hkid: str) -> dict[str, object]:
    from iamsmart.registration import card

    sod, groups = card.sandbox_card(hkid)
    return {"channel": "web",
            "evidence": {"kind": "chip", "sod": _b64(sod),
                         "data_groups": {str(k): _b64(v) for k, v in groups.items()}},
            "selfie": _b64((FACES / "obama3.jpg").read_bytes()),
            "consent": {"face_processing": True},
            "contact": {"email": "bench@example.org"}}


def standard_transitions() -> float:
    """State transitions of one completed registration workflow (its execution history's
    entered states: what Standard workflows are billed by)."""
    from iamsmart import aws

    sfn = aws.client("stepfunctions")
    name = STATE_MACHINES["registration"].name
    machine = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]
                   if m["name"] == name)
    done = sfn.list_executions(stateMachineArn=machine, statusFilter="SUCCEEDED")["executions"]
    events = sfn.get_execution_history(executionArn=done[-1]["executionArn"],
                                       maxResults=1000)["events"]
    return float(sum(e["type"].endswith("StateEntered") for e in events))


def main() -> None:
    import requests

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ["REGISTRATION_SOURCE_HOURLY_LIMIT"] = "100000"
    os.environ["REGISTRATION_HKID_DAILY_LIMIT"] = "100000"
    install_meters()
    from infra.local.platform import LocalPlatform

    platform = LocalPlatform(port=0, department_port=0)
    platform.start()
    os.environ["REGISTRATION_SOURCE_HOURLY_LIMIT"] = "100000"
    os.environ["REGISTRATION_HKID_DAILY_LIMIT"] = "100000"
    from iamsmart.settings import settings

    settings.cache_clear()
    base = platform.url
    body = application_body("A123456(3)")
    try:
        # Warm up: the face models load on the first comparison (≈ 4 s once per process).
        warm = requests.post(f"{base}/v1/registrations", json=body, timeout=30).json()
        while requests.get(f"{base}{warm['status_url']}", timeout=10).json()["status"] not in DONE:
            time.sleep(0.2)

        METER.reset()
        latencies: list[float] = []
        ids: list[str] = []
        lock = threading.Lock()

        def submit(n: int) -> None:
            session = requests.Session()
            for _ in range(APPLICATIONS // CONCURRENCY):
                started = time.perf_counter()
                answer = session.post(f"{base}/v1/registrations", json=body, timeout=30)
                elapsed = (time.perf_counter() - started) * 1000
                if answer.status_code != 202:
                    raise SystemExit(f"intake answered {answer.status_code}: {answer.text[:200]}")
                with lock:
                    latencies.append(elapsed)
                    ids.append(answer.json()["status_url"])

        started = time.perf_counter()
        threads = [threading.Thread(target=submit, args=(n,)) for n in range(CONCURRENCY)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        accepted_s = time.perf_counter() - started
        with METER.lock:
            intake_calls = sum(v for k, v in METER.by_path.items()
                               if k.startswith("/v1/registrations "))
            intake_cpu = METER.cpu
        pending = set(ids)
        outcomes: dict[str, int] = {}
        while pending:
            for url in list(pending):
                status = requests.get(f"{base}{url}", timeout=10).json()["status"]
                if status in DONE:
                    pending.discard(url)
                    outcomes[status] = outcomes.get(status, 0) + 1
            time.sleep(0.2)
        completed_s = time.perf_counter() - started
        with METER.lock:
            calls = dict(METER.calls)
            status_calls = sum(v for k, v in METER.by_path.items()
                               if k.startswith("/v1/registrations/"))
            priced = collections.Counter({k.rsplit(" ", 1)[1]: 0.0 for k in METER.by_path})
            for key, value in METER.by_path.items():
                if not key.startswith("/v1/registrations/"):
                    priced[key.rsplit(" ", 1)[1]] += value
            kept = [u for k, u in METER.units.items() if not k.startswith("/v1/registrations/")]
            rru, wru = sum(u[0] for u in kept), sum(u[1] for u in kept)
        # Step Functions invoking the task functions is the service's work, not a call of ours
        # (moto makes it through botocore): reported apart.
        invokes = calls.pop("lambda:Invoke", 0)
        total = sum(calls.values()) - status_calls
        latencies.sort()
        print(f"Intake, concurrency {CONCURRENCY}: {len(ids)} applications accepted in "
              f"{accepted_s:.1f} s = {len(ids) / accepted_s:.1f}/s, p50 "
              f"{statistics.median(latencies):.0f} ms, p99 {latencies[-1]:.0f} ms; "
              f"{intake_calls / len(ids):.1f} AWS calls per application at intake")
        print(f"Workflow: {len(ids)} completed in {completed_s:.1f} s = "
              f"{len(ids) / completed_s:.2f}/s ({outcomes}); "
              f"{total / len(ids):.1f} AWS calls per application in all (status polls excluded; "
              f"plus {invokes / len(ids):.0f} task invocations by Step Functions)")
        print("    " + ", ".join(f"{k} {v / len(ids):.1f}" for k, v in sorted(calls.items())))
        n = len(ids)
        priced.pop("lambda:Invoke", None)
        transitions = standard_transitions()
        task_calls = (total - intake_calls) / max(invokes, 1)
        task_ms = prices.TASK_CPU_MS + prices.AWS_CALL_MS * task_calls
        face_memory = FUNCTIONS["registration-face"].memory_mb
        cost.report(cost.Flow(
            name="registration (web, chip, selfie; workflow)",
            calls={k: v / n for k, v in priced.items() if v}, rru=rru / n, wru=wru / n,
            api_requests=1.0,
            api_lambda_ms=intake_cpu * 1000 / n + prices.AWS_CALL_MS * intake_calls / n + 1,
            tasks=[(invokes / n - 1, FUNCTIONS["registration-validate"].memory_mb, task_ms),
                   (1.0, face_memory, task_ms + 3 * prices.REKOGNITION_CALL_MS)],
            standard_transitions=transitions, rekognition_images=3.0,
            notes=[f"Standard workflow: {transitions:.0f} state transitions (execution "
                   "history); Rekognition: 3 images assumed (DetectFaces, CompareFaces, "
                   "IndexFaces; the bench runs dlib); status polls and the page not priced"]))
    finally:
        platform.stop()


if __name__ == "__main__":
    main()
