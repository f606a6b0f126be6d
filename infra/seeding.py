"""Seeding a deployment: the data and credentials a fresh platform needs, idempotently.

One code path for every target. The seeding CLI (``python -m tools.seed``) runs it against
AWS with the operator's region and profile; the local platform (``infra/local/provision.py``)
runs it against the emulator. Every call goes through ``iamsmart.aws`` clients, so the ambient
boto3 configuration (``AWS_REGION``, ``AWS_PROFILE``, ``AWS_ENDPOINT_URL``) picks the target.

``seed(plan)`` does, each step idempotent (a second run creates nothing):

1. the data every deployment starts with (``infra.names.SEEDERS``: the service catalogue), and
   with ``plan.sandbox`` the sandbox data (``SANDBOX_SEEDERS``: sandbox citizens);
2. API keys, issued through the API key registry (``iamsmart.apikeys``: API Gateway key,
   its usage plan of ``infra.names.USAGE_PLANS``, and the holder the API reads): departments
   and registration staff. A holder with an enabled key keeps it (its value is never read
   back); a new key's value is in the report, once. With ``plan.sandbox``: the sandbox
   departments and reviewer, and a key for every active registration site that has none
   (``iamsmart.sites``; real sites are managed with ``python -m tools.sites``);
3. OIDC client registrations from JSON files, validated as the clients CLI validates them;
   a registered client is left as it is (change it with ``tools.clients --replace``);
4. chip trust anchors: the CSCA master list parameter (a PEM bundle of CA certificates),
   written when it differs; a bundle holding a sandbox authority is refused for prod.

Sandbox plans (sandbox citizens, keys, the sandbox CSCA) are refused for prod. Nothing is
written for a plan that fails validation (the CSCA bundle and client files are checked first).
"""

from __future__ import annotations

import importlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iamsmart import aws, errors
from infra.names import (
    PARAMETERS,
    SANDBOX_SEEDERS,
    SEEDERS,
    USAGE_PLAN_OF_KIND,
    USAGE_PLANS,
    prefix,
)

PROD_STAGES = ("prod",)

# Sandbox departments with API keys (the portal issue will let departments apply for these),
# and the sandbox reviewer.
SANDBOX_DEPARTMENTS = ("IMMD", "TD", "RVD", "EDB", "BD")
SANDBOX_STAFF = "reviewer-sandbox-01"


class SeedError(ValueError):
    """The plan cannot be applied (said in words an operator can act on)."""


@dataclass(frozen=True)
class KeyRequest:
    """One API key for one holder (``iamsmart.apikeys`` kinds ``department`` and
    ``registration-staff``): its name in API Gateway, and the start of a new value."""

    kind: str
    holder: str  # the department abbreviation or the staff id
    name: str
    value_prefix: str = ""


@dataclass(frozen=True)
class Plan:
    stage: str | None  # dev | prod; None: the local platform (unprefixed names)
    sandbox: bool = False
    departments: tuple[str, ...] = ()  # catalogue abbreviations, e.g. "TD"
    staff: tuple[str, ...] = ()  # staff ids of registration reviewers
    client_files: tuple[Path, ...] = ()  # JSON registrations (the clients CLI's format)
    csca_pem: bytes | None = None  # the CSCA master list (PEM bundle)


@dataclass
class Report:
    data: dict[str, dict[str, int]] = field(default_factory=dict)  # seeder -> counts
    keys_created: dict[str, str] = field(default_factory=dict)  # key name -> value (once)
    keys_existing: list[str] = field(default_factory=list)  # holders that have a key
    site_keys: dict[str, str] = field(default_factory=dict)  # site id -> value (once)
    clients_registered: list[str] = field(default_factory=list)
    clients_existing: list[str] = field(default_factory=list)
    trust_anchors: str = "not given"  # "written" | "unchanged" | "not given"
    public_url: str | None = None  # what the web stack wrote (None: not yet)


# --- API keys, through the registry ------------------------------------------------------

def department_key(abbr: str, stage: str | None) -> KeyRequest:
    code = abbr.strip().upper()
    return KeyRequest("department", code, f"{prefix(stage)}-department-{code.lower()}")


def staff_key(staff_id: str, stage: str | None) -> KeyRequest:
    return KeyRequest("registration-staff", staff_id, f"{prefix(stage)}-staff-{staff_id}")


def sandbox_keys(stage: str | None = None) -> tuple[dict[str, KeyRequest], KeyRequest]:
    """The sandbox department keys (by abbreviation) and the sandbox reviewer's key."""
    departments = {abbr: KeyRequest("department", abbr, f"{prefix(stage)}-sandbox-"
                                    f"{abbr.lower()}", f"sandbox-{abbr.lower()}-")
                   for abbr in SANDBOX_DEPARTMENTS}
    staff = KeyRequest("registration-staff", SANDBOX_STAFF,
                       f"{prefix(stage)}-sandbox-registration-staff", "sandbox-staff-")
    return departments, staff


def _holder(request: KeyRequest) -> dict[str, str]:
    return ({"department": request.holder} if request.kind == "department"
            else {"staff": request.holder})


def check_key(request: KeyRequest) -> None:
    """``SeedError`` unless the registry would accept the holder."""
    from iamsmart.apikeys.models import InvalidPrincipal, Principal

    try:
        Principal(key_id="pending", kind=request.kind, **_holder(request))  # type: ignore[arg-type]
    except InvalidPrincipal as exc:
        raise SeedError(f"{request.name}: {exc}") from None


def usage_plan(kind: str, stage: str | None) -> str:
    return USAGE_PLANS[USAGE_PLAN_OF_KIND[kind]].name_in(stage)


def issue_key(request: KeyRequest, stage: str | None) -> str | None:
    """Issue the key unless its holder has an enabled one: the new value, or None."""
    from iamsmart.apikeys import registry

    holder = _holder(request)
    for principal in registry.registered(request.kind):  # type: ignore[arg-type]
        if principal.enabled and all(getattr(principal, k) == v for k, v in holder.items()):
            return None
    try:
        plan_name = usage_plan(request.kind, stage)
        issued = registry.issue(
            request.kind, name=request.name, usage_plan=plan_name,  # type: ignore[arg-type]
            value=request.value_prefix + secrets.token_urlsafe(24) if request.value_prefix
            else None, **holder)  # type: ignore[arg-type]
    except errors.NotFound as exc:  # the usage plan
        raise SeedError(f"usage plan {plan_name!r} not found: deploy the API stack "
                        "first") from exc
    return issued.value


def issue_site_keys(stage: str | None) -> dict[str, str]:
    """A key for every active registration site without one (site id -> new value)."""
    from iamsmart.sites import logic as sites

    plan_name = usage_plan("site", stage)
    keys = {}
    for site in sites.all_sites():
        if site.status == "active" and not site.key_id:
            keys[site.id] = sites.issue_key(site.id, usage_plan=plan_name)[1].value
    return keys


# --- chip trust anchors --------------------------------------------------------------------

def check_csca(pem: bytes, stage: str | None) -> int:
    """The number of CA certificates in the bundle; ``SeedError`` if any is not a CA, or is a
    sandbox authority and the stage is prod."""
    from iamsmart.registration import trust

    try:
        certs = trust.parse_bundle(pem)
    except ValueError as exc:
        raise SeedError(f"the CSCA file is not a PEM bundle of CA certificates: {exc}") from None
    refused = trust.refused(certs, stage or "local")
    if refused:
        names = "; ".join(c.subject.rfc4514_string() for c in refused)
        raise SeedError(f"a {stage} stage never trusts the sandbox CSCA ({names})")
    return len(certs)


def put_csca(pem: bytes, stage: str | None) -> str:
    """Write the CSCA master list parameter: ``written`` or ``unchanged``."""
    check_csca(pem, stage)
    text = pem.decode("ascii").strip() + "\n"
    name = PARAMETERS["csca-master-list"].name_in(stage)
    ssm = aws.client("ssm")
    try:
        if ssm.get_parameter(Name=name)["Parameter"]["Value"] == text:
            return "unchanged"
    except ssm.exceptions.ParameterNotFound:
        pass
    # Standard parameters hold 4 KB (about four certificates); Intelligent-Tiering moves a
    # longer master list to the advanced tier (8 KB) by itself.
    ssm.put_parameter(Name=name, Value=text, Type="String", Overwrite=True,
                      Tier="Intelligent-Tiering",
                      Description=PARAMETERS["csca-master-list"].description)
    return "written"


def sandbox_csca_pem() -> bytes:
    from iamsmart.registration import trust

    return trust.SANDBOX_CSCA.read_bytes()


# --- OIDC clients ---------------------------------------------------------------------------

def _load_client(path: Path) -> Any:
    from iamsmart.oidc import clients

    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(fields, dict) or "client_secret" in fields:
            raise ValueError("a JSON object of the Client fields, without client_secret")
        client = clients.Client.model_validate(fields)
        clients.validate_registration(client)
    except (OSError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        raise SeedError(f"{path}: invalid registration: {exc}") from None
    return client


def register_clients(loaded: Iterable[Any], report: Report) -> None:
    from iamsmart.oidc import clients
    from iamsmart.oidc.errors import InvalidClient

    clients.reset_cache()
    for client in loaded:
        try:
            clients.get(client.client_id)
            report.clients_existing.append(client.client_id)
        except InvalidClient:
            clients.put(client)
            report.clients_registered.append(client.client_id)


# --- the whole plan ------------------------------------------------------------------------

def run_seeders(targets: Iterable[str], report: Report) -> None:
    for target in targets:
        module, _, function = target.partition(":")
        result = getattr(importlib.import_module(module), function)()
        report.data[target] = (dict(result) if isinstance(result, dict) else
                               {"written": result} if isinstance(result, int) else {})


def public_url(stage: str | None) -> str | None:
    """What the web stack (or the local platform) wrote as the public origin, if anything."""
    ssm = aws.client("ssm")
    try:
        name = PARAMETERS["public-url"].name_in(stage)
        return str(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return None


def key_requests(plan: Plan) -> list[KeyRequest]:
    requests = [department_key(a, plan.stage) for a in plan.departments]
    requests += [staff_key(s, plan.stage) for s in plan.staff]
    if plan.sandbox:
        departments, staff = sandbox_keys(plan.stage)
        requests += [*departments.values(), staff]
    for request in requests:
        check_key(request)
    names = [r.name for r in requests]
    if len(names) != len(set(names)):
        raise SeedError("the same key is asked for twice")
    return requests


def seed(plan: Plan) -> Report:
    """Apply ``plan`` (see the module docs). Validation comes first: nothing is written for
    a plan with a bad CSCA bundle, client file or key holder, or a missing usage plan."""
    if plan.sandbox and plan.stage in PROD_STAGES:
        raise SeedError("sandbox data (citizens, keys, the sandbox CSCA) is never seeded "
                        "into prod")
    csca = plan.csca_pem if plan.csca_pem is not None else (
        sandbox_csca_pem() if plan.sandbox else None)
    if csca is not None:
        check_csca(csca, plan.stage)
    loaded = [_load_client(path) for path in plan.client_files]
    requests = key_requests(plan)
    from iamsmart.apikeys import dal as apikeys

    kinds = {r.kind for r in requests} | ({"site"} if plan.sandbox else set())
    for kind in sorted(kinds):
        try:
            apikeys.usage_plan_id(usage_plan(kind, plan.stage))
        except errors.NotFound:
            raise SeedError(f"usage plan {usage_plan(kind, plan.stage)!r} not found: deploy "
                            "the API stack first") from None

    report = Report()
    run_seeders(SEEDERS, report)
    if plan.sandbox:
        run_seeders(SANDBOX_SEEDERS, report)
    for request in requests:
        value = issue_key(request, plan.stage)
        if value is None:
            report.keys_existing.append(request.name)
        else:
            report.keys_created[request.name] = value
    if plan.sandbox:
        report.site_keys = issue_site_keys(plan.stage)
    register_clients(loaded, report)
    if csca is not None:
        report.trust_anchors = put_csca(csca, plan.stage)
    report.public_url = public_url(plan.stage)
    return report
