"""Operator CLI for data providers: the departments registered to answer the exchange
gateway's fetches for their data sets (``iamsmart.exchange.models.Provider``).

    python -m tools.providers list [--json]
    python -m tools.providers show PROVIDER_ID
    python -m tools.providers put --file provider.json
    python -m tools.providers remove PROVIDER_ID

Target (``tools.target``): ``--region``/``--profile``/``--stage`` for a deployment in
AWS, ``--endpoint-url`` for the local platform's emulator (``make dev`` prints it), else the
ambient configuration.

A provider file is one JSON object: ``id`` (the department, e.g. ``IMMD``), ``name_en``,
``name_tc``, ``base_url`` (https, where the gateway calls it), ``timeout_seconds``
(optional, 0.2-10, default 3) and ``datasets`` (``{"particulars": {"name_en": ...,
"name_tc": ..., "fields": {"address": {"type": "address", "label_en": ..., "label_tc": ...}},
"purposes": ["form_filling"], "max_retention_days": 90}}``). ``put`` validates it with the
model and creates or replaces it through ``iamsmart.exchange.registry``; ``remove`` is
refused while a consumer registers one of its fields (remove or change those first). Exit
codes: 0 done, 2 usage, 3 not found, 4 invalid or refused (nothing written), 1 AWS
unavailable.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from tools import target

EXIT_UNAVAILABLE = target.EXIT_UNAVAILABLE
EXIT_NOT_FOUND = target.EXIT_NOT_FOUND
EXIT_INVALID = target.EXIT_INVALID


def _parser() -> argparse.ArgumentParser:
    return target.registry_parser("python -m tools.providers", "provider", "provider_id",
                                  "remove a registration (no consumer may use it)")


def _summary(provider: Any) -> str:
    datasets = ", ".join(f"{name} ({len(ds.fields)} fields, {ds.max_retention_days} d)"
                         for name, ds in sorted(provider.datasets.items()))
    return f"{provider.id}\t{provider.base_url}\t{datasets}\t{provider.name_en}"


def _load(path: Path) -> Any:
    from iamsmart.exchange.models import Provider

    return target.load_object(path, Provider, "provider")


def main(argv: list[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(argv)
    target.apply(args)

    from pydantic import ValidationError

    from iamsmart import errors
    from iamsmart.exchange import registry

    registry.reset()  # an admin tool always reads the table
    try:
        if args.command == "list":
            found = sorted(registry.providers().values(), key=lambda p: p.id)
            for each in found:
                print(json.dumps(each.model_dump(mode="json"), ensure_ascii=False)
                      if args.json else _summary(each), file=out)
            if not found:
                print("no providers registered", file=err)
            return 0
        if args.command == "show":
            provider = registry.get_provider(args.provider_id)
            if provider is None:
                print(f"no such provider: {args.provider_id}", file=err)
                return EXIT_NOT_FOUND
            print(json.dumps(provider.model_dump(mode="json"), ensure_ascii=False, indent=2),
                  file=out)
            return 0
        if args.command == "remove":
            if registry.get_provider(args.provider_id) is None:
                print(f"no such provider: {args.provider_id}", file=err)
                return EXIT_NOT_FOUND
            prefix = f"{args.provider_id}."
            users = [c.client_id for c in registry.list_consumers()
                     if any(f.startswith(prefix) for r in c.purposes.values() for f in r.fields)]
            if users:
                print(f"refused: consumers register fields of {args.provider_id}: "
                      f"{', '.join(users)} (python -m tools.consumers)", file=err)
                return EXIT_INVALID
            registry.delete_provider(args.provider_id)
            print(f"removed {args.provider_id}", file=out)
            return 0
        # put
        try:
            provider = _load(args.file)
        except (ValueError, OSError) as exc:
            reason = exc.errors(include_url=False) if isinstance(exc, ValidationError) else exc
            print(f"invalid registration: {reason}", file=err)
            return EXIT_INVALID
        existed = registry.get_provider(provider.id) is not None
        registry.put_provider(provider)
        print(f"{'updated' if existed else 'registered'} {provider.id}", file=out)
        return 0
    except errors.Unavailable as exc:
        print(f"AWS unavailable: {exc.details}", file=err)
        return EXIT_UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
