"""Seed a deployed stage: the catalogue, department and staff API keys, OIDC clients, and the
chip trust anchors (``infra.seeding``, the same code the local platform seeds itself with).

    python -m tools.seed --stage dev --region ap-east-1 [--profile ops] \\
        [--department TD ...] [--staff reviewer-01 ...] \\
        [--client td-app.json ...] [--csca hk-csca.pem] [--sandbox]
    python -m tools.seed --endpoint-url http://127.0.0.1:<port> ...   # the local platform

Run it after ``cdk deploy`` (it needs the tables and the API's usage plan), as often as you
like: it only creates what is missing. What it creates is printed; a new API key's value is
printed once (API Gateway keeps it, the registry never does). The target is
``tools.target``'s (``--region``, ``--profile``, ``--stage`` or ``--endpoint-url``), as
for the other operator CLIs. Registration sites and their keys: ``python -m tools.sites``.
``--sandbox`` adds the sandbox citizens, sites, department and reviewer keys and the sandbox
CSCA (never with ``--stage prod``).

Exit codes: 0 done, 2 usage, 4 the plan was refused (nothing written), 1 AWS refused or failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from infra import seeding
from tools import target

EXIT_INVALID = 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.seed",
                                     description="Seed a deployed stage (idempotent).")
    target.add_arguments(parser)
    parser.add_argument("--department", action="append", default=[], dest="departments",
                        metavar="ABBR", help="issue an API key for this department (e.g. TD)")
    parser.add_argument("--staff", action="append", default=[], metavar="STAFF_ID",
                        help="issue a registration staff API key for this reviewer")
    parser.add_argument("--client", action="append", default=[], dest="clients", type=Path,
                        metavar="FILE", help="register this OIDC client (JSON, as for "
                        "python -m tools.clients register --file)")
    parser.add_argument("--csca", type=Path, metavar="PEM",
                        help="the CSCA master list: PEM bundle of trusted CSCA certificates")
    parser.add_argument("--sandbox", action="store_true",
                        help="sandbox citizens, sites, keys and CSCA too (not for prod)")
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(argv)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the seeders' logs: not here
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    stage = target.apply(args)
    from iamsmart import parameters

    parameters.reset()

    from botocore.exceptions import BotoCoreError, ClientError

    try:
        csca = args.csca.read_bytes() if args.csca else None
    except OSError as exc:
        print(f"cannot read {args.csca}: {exc.strerror}", file=err)
        return EXIT_INVALID
    plan = seeding.Plan(stage=stage, sandbox=args.sandbox,
                        departments=tuple(args.departments), staff=tuple(args.staff),
                        client_files=tuple(args.clients), csca_pem=csca)
    where = args.endpoint_url or os.environ.get("AWS_REGION", "the ambient region")
    print(f"seeding stage {stage or 'local'} in {where}"
          + (f", profile {args.profile}" if args.profile else ""), file=out)
    try:
        report = seeding.seed(plan)
    except seeding.SeedError as exc:
        print(f"refused, nothing written: {exc}", file=err)
        return EXIT_INVALID
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        print(f"AWS refused: {code}: {exc.response.get('Error', {}).get('Message', '')}",
              file=err)
        return 1
    except BotoCoreError as exc:
        print(f"AWS unreachable: {exc}", file=err)
        return 1
    _print(report, out)
    return 0


def _print(report: seeding.Report, out: TextIO) -> None:
    for seeder, counts in report.data.items():
        shown = ", ".join(f"{k} {v}" for k, v in counts.items()) or "done"
        print(f"data {seeder.rpartition(':')[2]}: {shown}", file=out)
    for name, value in report.keys_created.items():
        print(f"api key created {name}: {value}  (shown once)", file=out)
    for site, value in report.site_keys.items():
        print(f"site key created {site}: {value}  (shown once)", file=out)
    for name in report.keys_existing:
        print(f"api key exists {name} (value not shown again)", file=out)
    for client_id in report.clients_registered:
        print(f"client registered {client_id}", file=out)
    for client_id in report.clients_existing:
        print(f"client exists {client_id} (change it with tools.clients --replace)",
              file=out)
    print(f"chip trust anchors: {report.trust_anchors}", file=out)
    if report.public_url:
        print(f"public origin (OIDC issuer): {report.public_url}", file=out)
    else:
        print("public origin: not written yet (deploy the web stack); the OpenID Provider "
              "answers 503 until then", file=out)


if __name__ == "__main__":
    sys.exit(main())
