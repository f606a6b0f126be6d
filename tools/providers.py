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


def _delete(provider_id: str) -> None:
    from iamsmart.exchange import registry

    prefix = f"{provider_id}."
    users = [c.client_id for c in registry.list_consumers()
             if any(f.startswith(prefix) for r in c.purposes.values() for f in r.fields)]
    if users:
        raise target.Refused(f"consumers register fields of {provider_id}: "
                             f"{', '.join(users)} (python -m tools.consumers)")
    registry.delete_provider(provider_id)


def main(argv: list[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    args = _parser().parse_args(argv)
    target.apply(args)
    from iamsmart.exchange import registry

    registry.reset()  # an admin tool always reads the table
    return target.run_registry(target.Registry(
        noun="provider", id_name="provider_id",
        listed=lambda: sorted(registry.providers().values(), key=lambda p: p.id),
        find=registry.get_provider, put=registry.put_provider, delete=_delete, load=_load,
        summary=_summary, key=lambda provider: provider.id),
        args, out or sys.stdout, err or sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
