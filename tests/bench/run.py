"""`make bench`: the foundation's speed and memory figures (targets in brackets).

- cold import of every Lambda entry point, median of 5 fresh interpreters [API ≤ 250 ms]
- the local platform: time to `Ready` [≤ 20 s] and resident memory [≤ 1 GiB]
- the local API at concurrency 8: p50/p99 of catalogue searches [p99 ≤ 50 ms] and of the
  home page's data calls
- logins (tests/bench/login.py): logins/s, p50/p99, CPU ms and AWS/KMS calls per login
  [SSO login ≤ 5 AWS calls]
- registration (tests/bench/registration.py): intake acceptances/s, workflow completions/s,
  AWS calls per application
- face step-ups (tests/bench/stepup.py): step-ups/s with the local engine, AWS calls per
  step-up
- the cost model (tests/bench/cost.py, prices in tests/bench/prices.py): dollars per flow and
  per million flows (SSO login, fresh login with a 15 s approval, registration, data fetch,
  face step-up) from the counted calls at ap-east-1 list prices
"""

from __future__ import annotations

import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from infra.local.platform import local_environment  # noqa: E402
from infra.names import FUNCTIONS  # noqa: E402

CONCURRENCY = 8
REQUESTS_PER_WORKER = 60
SEARCHES = ["入境", "驾驶", "driving", "licence", "稅", "elderly", "出生登記", "permit", "", "BD"]
HOME = ["/v1/info/weather?lang=tc", "/v1/info/traffic?lang=tc", "/v1/info/food-alerts?lang=en",
        "/v1/info/announcements?lang=en", "/v1/services?lang=tc"]

ENTRY_POINTS = {"api (functions/api/app.py)": (ROOT / "functions/api", "app")}
for spec in FUNCTIONS.values():
    ENTRY_POINTS.setdefault(f"{spec.asset} (functions/{spec.asset}/"
                            f"{spec.handler.split('.')[0]}.py)",
                            (spec.source, spec.handler.split(".")[0]))


def fresh_process_ms(code: str, cwd: Path, runs: int = 5) -> float:
    """Median of ``runs`` fresh interpreters running ``code``, which prints milliseconds."""
    env = {**os.environ, **local_environment(None, {}), "PYTHONDONTWRITEBYTECODE": "1"}
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env,  # noqa: S603
                             capture_output=True, text=True, check=True)
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def cold_import_ms(directory: Path, module: str) -> float:
    return fresh_process_ms(
        f"import sys,time; sys.path.insert(0, {str(directory)!r}); t=time.perf_counter(); "
        f"import {module}; print((time.perf_counter()-t)*1000)", directory)


def first_clients_ms() -> float:
    """A fresh process creating the API's first four AWS clients (``iamsmart.aws.client``):
    what a Lambda's first requests pay on top of the cold import."""
    return fresh_process_ms(
        "import sys,time; sys.path.insert(0, 'layers/core/python'); "
        "from iamsmart import aws; t=time.perf_counter(); "
        "[aws.client(s) for s in ('dynamodb','kms','ssm','stepfunctions')]; "
        "print((time.perf_counter()-t)*1000)", ROOT)


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def start_platform() -> tuple[subprocess.Popen, str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PORT"] = "0"
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "infra.local"], cwd=ROOT, env=env,  # noqa: S603
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        match = re.match(r"Ready: (http://\S+)", line)
        if match:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, match.group(1), time.monotonic() - started
    raise SystemExit("the local platform did not start")


def load(base: str, paths: list[str]) -> tuple[float, float, int]:
    host = urllib.parse.urlsplit(base).netloc
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def worker(offset: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(host, timeout=10)
        mine, bad = [], 0
        for i in range(REQUESTS_PER_WORKER):
            path = paths[(i + offset) % len(paths)]
            t = time.perf_counter()
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            mine.append((time.perf_counter() - t) * 1000)
            bad += resp.status != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies), p99, errors


def main() -> None:
    print("Cold import per Lambda entry point (median of 5) [target: API ≤ 250 ms]")
    for name, (directory, module) in ENTRY_POINTS.items():
        print(f"  {name:<48} {cold_import_ms(directory, module):7.1f} ms")

    print(f"First four AWS clients in a fresh process (median of 5): "
          f"{first_clients_ms():.0f} ms")

    subprocess.run([sys.executable, str(ROOT / "tests/bench/catalogue_search.py")],  # noqa: S603
                   cwd=ROOT, check=True)

    proc, base, ready_s = start_platform()
    try:
        print(f"Local platform ready in {ready_s:.1f} s [≤ 20 s]; "
              f"resident memory {rss_mib(proc.pid):.0f} MiB at start")
        searches = [f"/v1/services?lang=tc&q={urllib.parse.quote(q)}" for q in SEARCHES]
        load(base, searches)  # warm up
        p50, p99, errors = load(base, searches)
        print(f"Catalogue search, concurrency {CONCURRENCY}: p50 {p50:.1f} ms, p99 {p99:.1f} ms "
              f"[p99 ≤ 50 ms], non-200: {errors}")
        p50, p99, errors = load(base, HOME)
        print(f"Home page data calls, concurrency {CONCURRENCY}: p50 {p50:.1f} ms, "
              f"p99 {p99:.1f} ms, non-200: {errors}")
        print(f"Resident memory after load: {rss_mib(proc.pid):.0f} MiB [≤ 1024 MiB]")
    finally:
        proc.terminate()
        proc.wait(timeout=15)

    # Each flow's bench adds its cost (tests/bench/cost.py) to this file; the table comes last.
    costs = Path(tempfile.mkstemp(prefix="bench-costs-", suffix=".jsonl")[1])
    os.environ["BENCH_COSTS"] = str(costs)
    # Logins run in a process of their own: it counts AWS calls with a botocore hook.
    print("Logins (tests/bench/login.py)")
    subprocess.run([sys.executable, str(ROOT / "tests/bench/login.py")], cwd=ROOT,  # noqa: S603
                   check=True)
    print("Registration (tests/bench/registration.py)")
    subprocess.run([sys.executable, str(ROOT / "tests/bench/registration.py")],  # noqa: S603
                   cwd=ROOT, check=True)
    print("Data exchange (tests/bench/exchange.py)")
    subprocess.run([sys.executable, str(ROOT / "tests/bench/exchange.py")],  # noqa: S603
                   cwd=ROOT, check=True)
    print("Face step-ups (tests/bench/stepup.py)")
    subprocess.run([sys.executable, str(ROOT / "tests/bench/stepup.py")],  # noqa: S603
                   cwd=ROOT, check=True)
    subprocess.run([sys.executable, str(ROOT / "tests/bench/cost.py"), str(costs)],  # noqa: S603
                   cwd=ROOT / "tests/bench", check=True)
    costs.unlink()


if __name__ == "__main__":
    main()
