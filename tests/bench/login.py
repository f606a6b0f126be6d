"""Login figures for `make bench` (issue 3): complete logins per second and their latency at a
fixed concurrency, CPU milliseconds per login in the platform's own code, and the AWS and KMS
calls each login makes.

The local platform runs in this process (moto, the API, the sandbox department service), so:
- AWS calls are counted with a botocore event hook (``before-call``) added to botocore's
  built-in handlers before any session exists: every client (boto3's, PynamoDB's) sees it.
  Calls the AWS emulator makes to itself are not botocore calls and are not counted.
- CPU is the thread CPU time of the API's request threads (``time.thread_time``), which
  covers our code and botocore's client side; the emulator's own threads are outside it.

A "complete login" starts at the department's login link and ends when the department shows
the citizen's claims: PAR, authorize, (login page, app approval with number matching, polls,
resume), code, token (ID token signed by KMS, validated against the JWKS) and userinfo. AWS
calls are given up to the token response (the login itself), userinfo's apart.
"""

from __future__ import annotations

import collections
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cost  # noqa: E402
import prices  # noqa: E402

USERINFO = "/v1/oidc/userinfo "
POLL = "/v1/login/{id}"  # the login page's poll of its transaction
POLL_MS = 1500  # web/assets/js/login.js POLL_MS
HUMAN_SECONDS = 15  # the citizen takes this long to approve in the app (cost model)
CONCURRENCY = 4
SSO_PER_WORKER = 25
DEVICE_PER_WORKER = 8
CITIZENS = ["SANDBOX-CHAN-TAI-MAN", "SANDBOX-LEE-SIU-MEI", "SANDBOX-WONG-KA-YAN",
            "SANDBOX-CHEUNG-CHI-KEUNG"]


class Meter:
    """AWS calls by service/operation, and API thread CPU seconds, since the last ``reset``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: collections.Counter[str] = collections.Counter()
        self.by_path: collections.Counter[str] = collections.Counter()
        self.requests: collections.Counter[str] = collections.Counter()  # API requests by path
        self.units: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0])
        self.cpu = 0.0
        self.local = threading.local()

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.by_path.clear()
            self.requests.clear()
            self.units.clear()
            self.cpu = 0.0

    def on_call(self, model: Any, params: Any = None, **_: Any) -> None:
        service = model.service_model.service_name
        rru = wru = 0.0
        if service == "dynamodb" and params and params.get("body"):
            rru, wru = cost.units(model.name, json.loads(params["body"]))
        with self.lock:
            self.calls[f"{service}:{model.name}"] += 1
            path = getattr(self.local, "path", "-")
            self.by_path[f"{path} {service}:{model.name}"] += 1
            self.units[path][0] += rru
            self.units[path][1] += wru

    def on_request(self, path: str) -> None:
        with self.lock:
            self.requests[path] += 1

    def add_cpu(self, seconds: float) -> None:
        with self.lock:
            self.cpu += seconds


METER = Meter()


def install_meters() -> None:
    import botocore.handlers

    botocore.handlers.BUILTIN_HANDLERS.append(("before-call", METER.on_call))
    from infra.local import server

    dispatch = server.FrontHandler._dispatch

    def timed(self: Any) -> None:
        import re

        METER.local.path = re.sub(r"/[A-Za-z0-9_-]{16,}", "/{id}", self.path.split("?")[0])
        METER.on_request(METER.local.path)
        started = time.thread_time()
        try:
            dispatch(self)
        finally:
            METER.add_cpu(time.thread_time() - started)

    for verb in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        setattr(server.FrontHandler, f"do_{verb}", timed)


def _absolute(base: str, location: str) -> str:
    if "://" in location:
        return location
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}{location}"


def _hop(http: Any, url: str) -> str:
    answer = http.get(url, allow_redirects=False, timeout=10)
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"{urlsplit(url).path} answered {answer.status_code}: "
                           f"{answer.text[:200]}")
    return _absolute(url, answer.headers["Location"])


def _finish_at_department(http: Any, callback: str, department: str) -> None:
    page = http.get(callback, timeout=10)
    if page.status_code != 200 or page.url != f"{department}/me":
        raise RuntimeError(f"department answered {page.status_code} at {page.url}")


def device_login(base: str, department: str, device: Any) -> Any:
    """A first login of the day: approval in the app with number matching."""
    import requests

    http = requests.Session()
    login_page = _hop(http, _hop(http, f"{department}/login"))
    txn = dict(p.split("=", 1) for p in urlsplit(login_page).query.split("&"))["txn"]
    view = http.get(f"{base}/v1/login/{txn}", timeout=10).json()
    device.approve(view["qr"]["payload"], number=view["number"])
    while True:
        view = http.get(f"{base}/v1/login/{txn}", timeout=10).json()
        if view["status"] == "authenticated":
            break
        if view["status"] != "pending":
            raise RuntimeError(f"login ended {view['status']}")
        time.sleep(0.05)
    location = _hop(http, base + view["next"])
    if urlsplit(location).path == "/consent.html":
        consent = dict(p.split("=", 1) for p in urlsplit(location).query.split("&"))["txn"]
        answer = http.post(f"{base}/v1/oidc/consent/{consent}", json={"decision": "allow"},
                           timeout=10)
        location = answer.json()["next"]
    _finish_at_department(http, location, department)
    return http


def sso_login(http: Any, department: str) -> None:
    """One click from the portal with a live session: no approval, no consent."""
    callback = _hop(http, _hop(http, f"{department}/login"))
    _finish_at_department(http, callback, department)


def run(kind: str, work: Any, per_worker: int) -> dict[str, Any]:
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for _ in range(per_worker):
            started = time.perf_counter()
            try:
                work(n)
            except Exception as exc:  # noqa: BLE001 - reported, not fatal to the bench
                with lock:
                    failures.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    METER.reset()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    done = max(len(latencies), 1)
    latencies.sort()
    with METER.lock:
        calls = dict(METER.calls)
        by_path = dict(METER.by_path)
        requests = dict(METER.requests)
        units = {k: list(v) for k, v in METER.units.items()}
        cpu = METER.cpu
    return {
        "kind": kind, "logins": len(latencies), "failures": failures,
        "per_second": len(latencies) / wall,
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        if latencies else 0.0,
        "cpu_ms": cpu * 1000 / done,
        "aws": sum(v for k, v in by_path.items() if not k.startswith(USERINFO)) / done,
        "userinfo": sum(v for k, v in by_path.items() if k.startswith(USERINFO)) / done,
        "kms": sum(v for k, v in calls.items() if k.startswith("kms:")) / done,
        "by_call": {k: v / done for k, v in sorted(calls.items())},
        "by_path": {k: v / done for k, v in sorted(by_path.items())},
        "requests": {k: v / done for k, v in requests.items()},
        "units": {k: [r / done, w / done] for k, (r, w) in units.items()},
    }


def flow(name: str, figures: dict[str, Any], *, polls_to: float | None = None,
         pages: float = 0.0) -> cost.Flow:
    """The cost model's view of one measured login (userinfo included). With ``polls_to``,
    the login page's polls of the transaction (GET /v1/login/{id}) are rescaled from the
    bench's to that many, each costing what the bench's cost on average."""
    requests = {k: v for k, v in figures["requests"].items() if k.startswith("/v1/")}
    by_path = dict(figures["by_path"])
    units = {k: list(v) for k, v in figures["units"].items()}
    notes = []
    if polls_to is not None and requests.get(POLL):
        scale = polls_to / requests[POLL]
        notes.append(f"the page's polls: {polls_to:.0f} (15 s at {POLL_MS} ms, and one at "
                     f"load) instead of the bench's {requests[POLL]:.1f}")
        requests[POLL] = polls_to
        by_path = {k: v * scale if k.startswith(POLL + " ") else v for k, v in by_path.items()}
        if POLL in units:
            units[POLL] = [u * scale for u in units[POLL]]
    calls: collections.Counter[str] = collections.Counter()
    for key, value in by_path.items():
        calls[key.rsplit(" ", 1)[1]] += value
    total_calls = sum(calls.values())
    api_requests = sum(requests.values())
    # Billed: the platform's measured CPU, the wait for each AWS call (prices.py), and up to
    # 1 ms of rounding per invocation.
    api_ms = figures["cpu_ms"] + prices.AWS_CALL_MS * total_calls + api_requests
    return cost.Flow(name=name, calls=dict(calls), rru=sum(u[0] for u in units.values()),
                     wru=sum(u[1] for u in units.values()), api_requests=api_requests,
                     api_lambda_ms=api_ms, pages=pages, notes=notes)


def report(figures: dict[str, Any]) -> None:
    print(f"{figures['kind']}, concurrency {CONCURRENCY}: {figures['logins']} logins, "
          f"{figures['per_second']:.1f} logins/s, p50 {figures['p50']:.0f} ms, "
          f"p99 {figures['p99']:.0f} ms; platform CPU {figures['cpu_ms']:.1f} ms/login; "
          f"AWS calls {figures['aws']:.1f}/login up to the token response (KMS "
          f"{figures['kms']:.1f})" + (" [target ≤ 5]" if figures["kind"].startswith("SSO")
                                     else " [target ≤ 12]")
          + f", then {figures['userinfo']:.1f} for userinfo")
    print("    " + ", ".join(f"{k} {v:.1f}" for k, v in figures["by_call"].items()))
    if "-v" in sys.argv:
        for key, value in figures["by_path"].items():
            print(f"      {key}: {value:.1f}")
    if figures["failures"]:
        print(f"    failures: {len(figures['failures'])}, first: {figures['failures'][0]}")


def main() -> None:
    import os

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    install_meters()
    from infra.local.platform import LocalPlatform
    from tools.device import Device

    platform = LocalPlatform(port=0, department_port=0)
    platform.start()
    base, department = platform.url, platform.department.url
    state = Path(tempfile.mkdtemp(prefix="bench-devices-"))
    try:
        devices = []
        for n in range(CONCURRENCY):
            device = Device(base, state / f"device-{n}.json")
            device.enrol(CITIZENS[n % len(CITIZENS)], label=f"bench {n}")
            devices.append(device)
        # Warm up: first logins give consent, and leave each worker a browser with a session.
        browsers = [device_login(base, department, devices[n]) for n in range(CONCURRENCY)]

        fresh = run("Fresh login (app approval, number matching, polls)",
                    lambda n: device_login(base, department, devices[n]), DEVICE_PER_WORKER)
        report(fresh)
        sso = run("SSO login (one click with a live session)",
                  lambda n: sso_login(browsers[n], department), SSO_PER_WORKER)
        report(sso)
        cost.report(flow("SSO login (with userinfo)", sso))
        cost.report(flow(f"fresh login, {HUMAN_SECONDS} s approval (with userinfo)", fresh,
                         polls_to=1 + HUMAN_SECONDS * 1000 / POLL_MS,
                         pages=prices.LOGIN_PAGE_REQUESTS))
    finally:
        platform.stop()


if __name__ == "__main__":
    main()
