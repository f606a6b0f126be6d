"""Operator CLI for registration sites (the ``sites`` table) and their own API keys.

    python -m tools.sites list [--all] [--json]
    python -m tools.sites show SITE_ID
    python -m tools.sites add --file site.json [--no-key]
    python -m tools.sites update --file site.json
    python -m tools.sites issue-key SITE_ID [--rotate]
    python -m tools.sites retire SITE_ID

Target (``tools.target``): ``--region``/``--profile``/``--stage`` for a deployment in
AWS, ``--endpoint-url`` for the local platform's emulator, else the ambient configuration.

A site file is one JSON object (``iamsmart.sites.models.Site``: id, type kiosk|counter|mobile,
district, bilingual name and address, opening hours, elderly assistance, map link, and for a
mobile team its visits); it is validated before anything is written. ``add`` issues the
site's own API key on the usage plan for sites and prints its value once (API Gateway keeps
it; the platform never shows it again: ``issue-key --rotate`` makes a new one and disables
the old). ``retire`` disables the site's key (registry and API Gateway) and takes the site
off the public list. Exit codes: 0 done, 2 usage, 3 not found, 4 invalid or conflicting,
1 AWS unavailable.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from infra.names import USAGE_PLAN_OF_KIND, USAGE_PLANS
from tools import target

EXIT_UNAVAILABLE = 1
EXIT_NOT_FOUND = 3
EXIT_INVALID = 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.sites",
        description="Manage registration sites (kiosks, post-office counters, mobile teams) "
                    "and their API keys.")
    target.add_arguments(parser)
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="list sites (active ones unless --all)")
    listing.add_argument("--all", action="store_true", help="retired sites too")
    listing.add_argument("--json", action="store_true", help="full records as JSON lines")

    show = commands.add_parser("show", help="one site as JSON")
    show.add_argument("site_id")

    add = commands.add_parser("add", help="add a site and issue its own API key")
    add.add_argument("--file", type=Path, required=True, help="the site (JSON object)")
    add.add_argument("--no-key", action="store_true", help="add without a key (issue later)")

    update = commands.add_parser("update", help="replace an active site's details")
    update.add_argument("--file", type=Path, required=True, help="the site (JSON object)")

    issue = commands.add_parser("issue-key", help="issue a site's API key")
    issue.add_argument("site_id")
    issue.add_argument("--rotate", action="store_true",
                       help="replace the site's key (the old one is disabled)")

    retire = commands.add_parser("retire", help="retire a site: its key stops working")
    retire.add_argument("site_id")
    return parser


def _load(path: Path) -> Any:
    from iamsmart.sites.models import Site

    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("the site file must hold one JSON object")
    for managed in ("status", "key_id", "updated_at", "retired_at"):
        if managed in data:
            raise ValueError(f"{managed} is managed by the platform; leave it out of the file")
    return Site.model_validate(data)


def _summary(site: Any) -> str:
    key = site.key_id or "-"
    return (f"{site.id}\t{site.type}\t{site.district}\t{site.status}\tkey:{key}\t"
            f"{site.name_en} / {site.name_tc}")


def _dump(site: Any) -> str:
    return json.dumps(site.model_dump(mode="json", exclude_none=True), ensure_ascii=False)


def _key_lines(issued: Any) -> list[str]:
    return [f"api key id: {issued.principal.key_id}",
            f"api key (shown once, give it to the site's device): {issued.value}"]


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from pydantic import ValidationError

    from iamsmart import errors
    from iamsmart.sites import logic

    plan = USAGE_PLANS[USAGE_PLAN_OF_KIND["site"]].name_in(args.stage)
    try:
        if args.command == "list":
            sites = [s for s in logic.all_sites() if args.all or s.status == "active"]
            for listed in sites:
                print(_dump(listed) if args.json else _summary(listed), file=out)
            if not sites:
                print("no sites", file=err)
            return 0
        if args.command == "show":
            site = logic.get(args.site_id)
            if site is None:
                print(f"no such site: {args.site_id}", file=err)
                return EXIT_NOT_FOUND
            print(_dump(site), file=out)
            return 0
        if args.command in ("add", "update"):
            try:
                site = _load(args.file)
            except (ValueError, OSError) as exc:  # pydantic's ValidationError is a ValueError
                reason = (json.dumps(exc.errors(include_url=False, include_context=False),
                                     default=str)
                          if isinstance(exc, ValidationError) else str(exc))
                print(f"invalid site: {reason}", file=err)
                return EXIT_INVALID
            if args.command == "update":
                print(_summary(logic.update(site)), file=out)
                return 0
            stored, issued = logic.add(site, usage_plan=None if args.no_key else plan)
            print(f"added {_summary(stored)}", file=out)
            for line in _key_lines(issued) if issued else []:
                print(line, file=out)
            return 0
        if args.command == "issue-key":
            stored, issued = logic.issue_key(args.site_id, usage_plan=plan, rotate=args.rotate)
            print(_summary(stored), file=out)
            for line in _key_lines(issued):
                print(line, file=out)
            return 0
        # retire
        stored = logic.retire(args.site_id)
        print(f"retired {_summary(stored)} (its key is disabled)", file=out)
        return 0
    except errors.NotFound as exc:
        print(exc.en, file=err)
        return EXIT_NOT_FOUND
    except errors.Conflict as exc:
        print(exc.en, file=err)
        return EXIT_INVALID
    except errors.Unavailable as exc:
        print(f"AWS unavailable: {exc.details}", file=err)
        return EXIT_UNAVAILABLE


def main(argv: list[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    args = _parser().parse_args(argv)
    target.apply(args)
    return run(args, out or sys.stdout, err or sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
