"""Operator CLI for data-exchange consumers: the services registered to receive citizens'
data through the exchange gateway, per purpose (``iamsmart.exchange.models.Consumer``).

    python -m tools.consumers list [--json]
    python -m tools.consumers show CLIENT_ID
    python -m tools.consumers put --file consumer.json
    python -m tools.consumers remove CLIENT_ID

Target (``tools.target``): ``--region``/``--profile``/``--stage`` for a deployment in
AWS, ``--endpoint-url`` for the local platform's emulator (``make dev`` prints it), else the
ambient configuration.

A consumer file is one JSON object: ``client_id`` (a registered OIDC client:
``python -m tools.clients``), ``department``, ``name_en``, ``name_tc``,
``encryption_jwk`` (the public EC P-256 key with a ``kid`` the data is encrypted to),
``notification_uri`` (optional: where revocation notices are posted) and ``purposes``
(``{"form_filling": {"retention_days": 30, "fields": ["IMMD.particulars.name_en", ...]}}``).
``put`` creates or replaces it after checking every field against the providers' registry
(the field exists, its data set allows the purpose, the retention fits). Exit codes: 0 done,
2 usage, 3 not found, 4 invalid, 1 AWS unavailable.
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
    return target.registry_parser("python -m tools.consumers", "consumer", "client_id",
                                  "remove a registration (fetches refused)")


def _summary(consumer: Any) -> str:
    purposes = ", ".join(f"{name} ({len(reg.fields)} fields, {reg.retention_days} d)"
                         for name, reg in sorted(consumer.purposes.items()))
    return f"{consumer.client_id}\t{consumer.department}\t{purposes}\t{consumer.name_en}"


def _load(path: Path) -> Any:
    from iamsmart.exchange.models import Consumer

    return target.load_object(path, Consumer, "consumer")


def _put(consumer: Any) -> None:
    from iamsmart.exchange import registry
    from iamsmart.oidc import clients
    from iamsmart.oidc.errors import InvalidClient

    try:
        clients.get(consumer.client_id)  # a consumer is a registered client first
    except InvalidClient:
        raise target.Refused(f"{consumer.client_id} is not a registered client "
                             "(python -m tools.clients register ...)") from None
    registry.put_consumer(consumer)


def main(argv: list[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    args = _parser().parse_args(argv)
    target.apply(args)
    from iamsmart.exchange import registry
    from iamsmart.oidc import clients

    registry.reset()  # an admin tool always reads the table
    clients.reset_cache()
    return target.run_registry(target.Registry(
        noun="consumer", id_name="client_id", listed=registry.list_consumers,
        find=registry.find_consumer, put=_put, delete=registry.delete_consumer, load=_load,
        summary=_summary, key=lambda consumer: consumer.client_id),
        args, out or sys.stdout, err or sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
