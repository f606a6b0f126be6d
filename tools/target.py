"""Which platform an operator CLI talks to: a deployment in AWS or the local emulator.

    --region ap-east-1 --profile ops --stage dev   # a deployment (stage-prefixed names)
    --endpoint-url http://127.0.0.1:<port>         # the local platform's moto server
    (nothing)                                      # the ambient AWS configuration

``add_arguments`` declares the options; ``apply`` turns them into the environment the
platform's code reads (``AWS_REGION``, ``AWS_PROFILE``, ``AWS_ENDPOINT_URL`` and the table
key and parameter names of ``infra.names`` for the stage), so a CLI runs the same code path against
both. The local platform has no stage: its names are the unprefixed ones.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from infra.names import REGION, STAGES, key_environment, parameter_environment, table_environment


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("target")
    group.add_argument("--region", help="AWS region of the deployment (default: AWS_REGION)")
    group.add_argument("--profile", help="AWS named profile (default: the ambient credentials)")
    group.add_argument("--stage", choices=STAGES,
                       help="the deployment's stage (cdk -c stage=); omit for the local platform")
    group.add_argument("--endpoint-url",
                       help="an AWS-compatible endpoint (the local platform's emulator)")


def apply(args: argparse.Namespace) -> str | None:
    """Set the environment for ``args``; returns the stage (``None``: unprefixed names)."""
    env: dict[str, str] = {}
    if args.region:
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = args.region
    if args.profile:
        env["AWS_PROFILE"] = args.profile
        # Named profiles bring their own credentials: drop ambient ones that would win.
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)
    if args.endpoint_url:
        env["AWS_ENDPOINT_URL"] = args.endpoint_url
        env["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
        if not args.profile and "AWS_ACCESS_KEY_ID" not in os.environ:
            # The emulator accepts any credentials: its placeholders, as the platform uses.
            env["AWS_ACCESS_KEY_ID"] = env["AWS_SECRET_ACCESS_KEY"] = "local"  # noqa: S105
        env.setdefault("AWS_REGION", os.environ.get("AWS_REGION") or REGION)
    # With --stage, that deployment's names; without, names already set in the environment
    # stay and the others are the local platform's.
    names = {**table_environment(args.stage), **key_environment(args.stage),
             **parameter_environment(args.stage)}
    for name, value in names.items():
        if args.stage or name not in os.environ:
            env[name] = value
    os.environ.update(env)

    from iamsmart import aws
    from iamsmart.settings import settings

    settings.cache_clear()
    aws.reset()
    return args.stage


# Exit codes shared by the registry CLIs (consumers, providers): 0 done, 2 usage (argparse).
EXIT_UNAVAILABLE = 1
EXIT_NOT_FOUND = 3
EXIT_INVALID = 4


def registry_parser(prog: str, noun: str, id_name: str,
                    remove_help: str) -> argparse.ArgumentParser:
    """``list [--json] | show ID | put --file F | remove ID`` for one kind of registration."""
    parser = argparse.ArgumentParser(prog=prog, description=f"Manage data-exchange {noun}s.")
    add_arguments(parser)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help=f"list registered {noun}s")
    listing.add_argument("--json", action="store_true", help="full registrations as JSON lines")
    show = commands.add_parser("show", help="one registration as JSON")
    show.add_argument(id_name)
    put = commands.add_parser("put", help=f"register a {noun}, or replace its registration")
    put.add_argument("--file", type=Path, required=True, help=f"the {noun} (JSON object)")
    remove = commands.add_parser("remove", help=remove_help)
    remove.add_argument(id_name)
    return parser


def load_object(path: Path, model: Any, noun: str) -> Any:
    """The JSON object in ``path`` validated as ``model`` (ValueError / ValidationError if not)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"the {noun} file must hold one JSON object")
    return model.model_validate(data)


class Refused(Exception):
    """A registry change the operator must fix first: printed, exit ``EXIT_INVALID``."""


@dataclass(frozen=True)
class Registry:
    """One kind of registration behind ``registry_parser``'s four commands."""

    noun: str  # "provider", "consumer"
    id_name: str  # the argument naming one: "provider_id", "client_id"
    listed: Callable[[], list[Any]]
    find: Callable[[str], Any | None]
    put: Callable[[Any], None]  # may raise Refused
    delete: Callable[[str], object]  # may raise Refused; called only for one that exists
    load: Callable[[Path], Any]  # may raise ValueError / OSError / ValidationError
    summary: Callable[[Any], str]  # one line of ``list``
    key: Callable[[Any], str]  # a loaded registration's id


def run_registry(registry: Registry, args: argparse.Namespace, out: TextIO,
                 err: TextIO) -> int:
    """``list | show | put | remove`` with the exit codes of the module docstrings."""
    from pydantic import ValidationError

    from iamsmart import errors

    noun = registry.noun
    try:
        if args.command == "list":
            found = registry.listed()
            for each in found:
                print(json.dumps(each.model_dump(mode="json"), ensure_ascii=False)
                      if args.json else registry.summary(each), file=out)
            if not found:
                print(f"no {noun}s registered", file=err)
            return 0
        if args.command in ("show", "remove"):
            wanted = getattr(args, registry.id_name)
            shown = registry.find(wanted)
            if shown is None:
                print(f"no such {noun}: {wanted}", file=err)
                return EXIT_NOT_FOUND
            if args.command == "show":
                print(json.dumps(shown.model_dump(mode="json"), ensure_ascii=False, indent=2),
                      file=out)
                return 0
            registry.delete(wanted)
            print(f"removed {wanted}", file=out)
            return 0
        try:
            loaded = registry.load(args.file)
            existed = registry.find(registry.key(loaded)) is not None
            registry.put(loaded)
        except (ValueError, OSError) as exc:  # ValidationError, the registry's own checks
            reason = exc.errors(include_url=False) if isinstance(exc, ValidationError) else exc
            print(f"invalid registration: {reason}", file=err)
            return EXIT_INVALID
        print(f"{'updated' if existed else 'registered'} {registry.key(loaded)}", file=out)
        return 0
    except Refused as exc:
        print(f"refused: {exc}" if args.command == "remove" else f"invalid registration: {exc}",
              file=err)
        return EXIT_INVALID
    except errors.Unavailable as exc:
        print(f"AWS unavailable: {exc.details}", file=err)
        return EXIT_UNAVAILABLE
