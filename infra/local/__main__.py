"""``python -m infra.local``: the whole platform on loopback; prints ``Ready: <url>``.

Keys and addresses are printed before ``/healthz`` answers 200 (it answers 503 while the
platform starts), so a script that waits for ``/healthz`` can read them.

State lives in the embedded moto server's memory: nothing survives a restart (every start
provisions and seeds afresh), which keeps the sandbox reproducible.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time

from infra.names import FEEDS_REFRESH_MINUTES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--department-port", type=int,
                        default=int(os.environ["DEPARTMENT_PORT"])
                        if os.environ.get("DEPARTMENT_PORT") else None,
                        help="port of the sandbox department service (default: port + 1)")
    parser.add_argument("--refresh-minutes", type=float, default=FEEDS_REFRESH_MINUTES)
    parser.add_argument("--verbose", action="store_true",
                        help="show every function log line and metric (default: warnings only)")
    args = parser.parse_args(argv)

    # The console shows what a developer needs; CloudWatch-style detail on request.
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if not args.verbose:
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

    from infra.local.platform import LocalPlatform

    started = time.monotonic()
    platform = LocalPlatform(host=args.host, port=args.port,
                             department_port=args.department_port)
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        platform.start()
    except OSError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 1
    print(f"Sandbox department API keys (header x-api-key): "
          f"{', '.join(f'{d}={k}' for d, k in platform.department_keys.items())}", flush=True)
    named = ("kiosk", "counter", "mobile", "staff")
    print(f"Sandbox registration keys (kiosk, counter, mobile team, staff console): "
          f"{', '.join(f'{n}={platform.registration_keys[n]}' for n in named)} "
          f"(each sandbox site has its own; the sites: python -m tools.sites "
          f"--endpoint-url {platform.aws_endpoint} list)", flush=True)
    print(f"Sandbox citizens' app: python -m tools.device --base-url {platform.url} "
          f"enrol --code SANDBOX-CHAN-TAI-MAN", flush=True)
    print(f"Admin CLIs (clients registry): AWS_ENDPOINT_URL={platform.aws_endpoint} "
          f"AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local python -m tools.clients list",
          flush=True)
    if platform.department is not None:
        print(f"Sandbox department service: {platform.department.url}", flush=True)
    if platform.bank is not None:
        print(f"Sandbox bank service: {platform.bank.url}", flush=True)
    if getattr(platform, "providers", None) is not None:
        print(f"Sandbox data providers: {platform.providers.url} (/immd /td /rvd /edb)",
              flush=True)
    platform.mark_ready()  # /healthz answers only now: everything above is already printed
    print(f"Ready: {platform.url} (in {time.monotonic() - started:.1f} s)", flush=True)

    next_refresh = time.monotonic() + args.refresh_minutes * 60
    while not stop.wait(1.0):
        if time.monotonic() >= next_refresh:
            platform.refresh_feeds()
            next_refresh = time.monotonic() + args.refresh_minutes * 60
    print("Stopping…", flush=True)
    platform.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
