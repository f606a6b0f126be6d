"""Admin CLI for the OIDC client registry (the ``clients`` DynamoDB table).

    python -m tools.clients list
    python -m tools.clients show CLIENT_ID
    python -m tools.clients register --file client.json [--replace]
    python -m tools.clients register --client-id td-app --name-en "Transport Department" \\
        --name-tc 運輸署 --department TD --redirect-uri https://td.example/cb \\
        --jwks-file td-jwks.json --scope openid --scope profile
    python -m tools.clients register ... --security-profile basic --generate-secret
    python -m tools.clients remove CLIENT_ID

Target (``tools.target``, before the command): ``--region``/``--profile``/``--stage`` for
a deployment in AWS (its stage-prefixed ``clients`` table), ``--endpoint-url`` for the local
platform's emulator (``make dev`` prints it), else the ambient configuration (``CLIENTS_TABLE``
if set). ``--profile`` is the AWS named profile; the client's FAPI profile is
``register --security-profile fapi2|basic``. A registration is validated before it is
stored (FAPI 2.0 clients use ``private_key_jwt`` with public keys only; a ``basic`` client's
secret is stored as a salted scrypt hash; https URIs except on loopback).
``--generate-secret`` prints the new secret once: it is never stored, and cannot be shown
again.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from pathlib import Path
from typing import Any, TextIO

from tools import target

EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_INVALID = 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.clients",
                                     description="Manage OIDC client registrations.")
    target.add_arguments(parser)
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="list registered clients")
    listing.add_argument("--json", action="store_true", help="full registrations as JSON")

    show = commands.add_parser("show", help="show one registration as JSON")
    show.add_argument("client_id")

    remove = commands.add_parser("remove", help="remove a registration")
    remove.add_argument("client_id")

    reg = commands.add_parser("register", help="register (or with --replace, update) a client")
    reg.add_argument("--file", type=Path, help="a JSON registration (the Client fields)")
    reg.add_argument("--replace", action="store_true", help="overwrite an existing client")
    reg.add_argument("--client-id")
    reg.add_argument("--name-en")
    reg.add_argument("--name-tc")
    reg.add_argument("--department", help="owning department (catalogue abbreviation)")
    reg.add_argument("--security-profile", choices=("fapi2", "basic"), dest="security_profile",
                     help="the client's profile: fapi2 (default) or basic")
    reg.add_argument("--redirect-uri", action="append", dest="redirect_uris")
    reg.add_argument("--post-logout-redirect-uri", action="append",
                     dest="post_logout_redirect_uris")
    reg.add_argument("--initiate-login-uri")
    reg.add_argument("--jwks-file", type=Path, help="the client's public JWK set (JSON)")
    reg.add_argument("--jwks-uri")
    reg.add_argument("--scope", action="append", dest="scopes")
    reg.add_argument("--claim", action="append", dest="claims")
    reg.add_argument("--sector-identifier")
    reg.add_argument("--service-id", action="append", dest="service_ids")
    reg.add_argument("--dpop", choices=("required", "optional"), help="DPoP policy")
    reg.add_argument("--dpop-nonce", choices=("required", "off"))
    reg.add_argument("--generate-secret", action="store_true",
                     help="basic profile: make a client secret, print it once, store its hash")
    return parser


def _registration(args: argparse.Namespace) -> tuple[dict[str, Any], str | None]:
    """The registration fields from --file and the flags (flags win), and a new secret."""
    fields: dict[str, Any] = {}
    if args.file is not None:
        loaded = json.loads(args.file.read_text(encoding="utf-8"))
        if not isinstance(loaded, dict):
            raise ValueError("the registration file must hold a JSON object")
        if "client_secret" in loaded:
            raise ValueError("client_secret is never stored: use --generate-secret, or "
                             "client_secret_hash")
        fields.update(loaded)
    if args.security_profile is not None:
        fields["profile"] = args.security_profile
    simple = ("client_id", "name_en", "name_tc", "department", "initiate_login_uri",
              "jwks_uri", "sector_identifier")
    for name in simple:
        value = getattr(args, name)
        if value is not None:
            fields[name] = value
    for name in ("redirect_uris", "post_logout_redirect_uris", "scopes", "claims",
                 "service_ids"):
        value = getattr(args, name)
        if value:
            fields[name] = list(value)
    if args.jwks_file is not None:
        fields["jwks"] = json.loads(args.jwks_file.read_text(encoding="utf-8"))
    if args.dpop is not None:
        fields["dpop_required"] = args.dpop == "required"
    if args.dpop_nonce is not None:
        fields["dpop_nonce_required"] = args.dpop_nonce == "required"
    secret = None
    if args.generate_secret:
        from iamsmart.oidc import clients

        secret = secrets.token_urlsafe(32)
        fields["client_secret_hash"] = clients.hash_secret(secret)
        fields.setdefault("token_endpoint_auth_method", clients.CLIENT_SECRET_BASIC)
        fields.setdefault("profile", "basic")
    if "scopes" in fields and "openid" not in fields["scopes"]:
        fields["scopes"] = ["openid", *fields["scopes"]]
    return fields, secret


def _summary(client: Any) -> str:
    keys = "jwks_uri" if client.jwks_uri else (
        f"{len((client.jwks or {}).get('keys', []))} key(s)" if client.jwks else "secret")
    dpop = "dpop+nonce" if client.dpop_nonce_required else (
        "dpop" if client.dpop_required else "no-dpop")
    return (f"{client.client_id}\t{client.department}\t{client.profile}\t"
            f"{client.token_endpoint_auth_method}\t{keys}\t{dpop}\t{client.name_en}")


def _dump(client: Any) -> str:
    return json.dumps(client.model_dump(mode="json"), ensure_ascii=False, indent=2)


def main(argv: list[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(argv)
    target.apply(args)

    from pydantic import ValidationError

    from iamsmart import errors
    from iamsmart.oidc import clients
    from iamsmart.oidc.errors import InvalidClient

    clients.reset_cache()  # an admin tool always reads the table
    try:
        if args.command == "list":
            registered = clients.list_all()
            for client in registered:
                print(_dump(client) if args.json else _summary(client), file=out)
            if not registered:
                print("no clients registered", file=err)
            return 0
        if args.command == "show":
            try:
                print(_dump(clients.get(args.client_id)), file=out)
            except InvalidClient:
                print(f"no such client: {args.client_id}", file=err)
                return EXIT_NOT_FOUND
            return 0
        if args.command == "remove":
            if not clients.delete(args.client_id):
                print(f"no such client: {args.client_id}", file=err)
                return EXIT_NOT_FOUND
            print(f"removed {args.client_id}", file=out)
            return 0
        # register
        try:
            fields, secret = _registration(args)
            client = clients.Client.model_validate(fields)
            clients.validate_registration(client)
        except (ValueError, OSError) as exc:  # pydantic's ValidationError is a ValueError
            reason = exc.errors() if isinstance(exc, ValidationError) else str(exc)
            print(f"invalid registration: {reason}", file=err)
            return EXIT_INVALID
        try:
            clients.get(client.client_id)
            exists = True
        except InvalidClient:
            exists = False
        if exists and not args.replace:
            print(f"{client.client_id} is already registered (use --replace)", file=err)
            return EXIT_INVALID
        clients.put(client)
        print(f"{'updated' if exists else 'registered'} {client.client_id}", file=out)
        if secret is not None:
            print(f"client_secret (shown once, not stored): {secret}", file=out)
        return 0
    except errors.Unavailable as exc:
        print(f"AWS unavailable: {exc.details}", file=err)
        return 1


if __name__ == "__main__":
    sys.exit(main())
