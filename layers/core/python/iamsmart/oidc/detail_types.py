"""Authorization-details types (RFC 9396) that a context above the OpenID Provider handles.

The provider keeps its own type (``authorization_details``: face step-up transactions). A
type whose consent lives in another context (data exchange: ``urn:iamsmart:data-exchange``)
is registered here at wiring time (functions/api/app.py: the type's name and a loader, so
the context's modules load on first use, not at cold start), so the provider asks this
registry and never imports that context. A pushed request carries at most one registered detail: it
is stored with the request (``grants.Request.exchange_details``, canonical JSON with its
``type``) and handed back to its type at each step:

- PAR: ``validate`` checks the raw ``authorization_details`` against the client and answers
  the detail to store (or raises a bilingual ``InvalidRequest``);
- authorize / resume: ``needs_consent`` is True unless a standing consent covers the detail;
- consent page: ``consent_page`` describes it in plain words;
- code: ``at_code`` answers the items to write in the code's own transaction, the consent id
  and the token response's ``authorization_details`` (``CodeItems``), or raises
  ``ConsentGone`` when the standing consent that covered the request was withdrawn meanwhile.

A stored detail whose type is no longer registered is refused (``InvalidRequestUri``): the
login cannot complete, nothing is granted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iamsmart.oidc.errors import InvalidRequestUri

if TYPE_CHECKING:  # pragma: no cover
    from iamsmart.oidc.clients import Client


@dataclass(frozen=True)
class CodeItems:
    """What a registered detail adds to the code's transaction."""

    items: list[dict[str, Any]]  # TransactWriteItems elements
    consent_id: str
    echo: str  # JSON: the token response's authorization_details


class ConsentGone(Exception):
    """The standing consent that covered the request is gone (withdrawn meanwhile)."""


@dataclass(frozen=True)
class DetailType:
    type: str
    validate: Callable[[Client, str], str | None]
    needs_consent: Callable[[str, str, str, int], bool]
    consent_page: Callable[[str, str], dict[str, Any]]
    at_code: Callable[..., CodeItems]


_loaders: dict[str, Callable[[], DetailType]] = {}
_types: dict[str, DetailType] = {}


def register(name: str, load: Callable[[], DetailType]) -> None:
    """Wire the type ``name`` in; ``load`` answers its ``DetailType`` on first use (wiring
    the name again replaces it: an entry point imported afresh)."""
    _loaders[name] = load
    _types.pop(name, None)


def registered() -> tuple[str, ...]:
    return tuple(_loaders)


def _get(name: str) -> DetailType | None:
    found = _types.get(name)
    if found is None and name in _loaders:
        found = _loaders[name]()
        if found.type != name:
            raise ValueError(f"the loader of {name!r} answered {found.type!r}")
        _types[name] = found
    return found


def _entry_types(raw: str) -> list[str]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    if not isinstance(value, list):
        return []
    return [d["type"] for d in value if isinstance(d, dict) and isinstance(d.get("type"), str)]


def validate_at_par(client: Client, raw: str | None) -> str | None:
    """The stored detail of the registered type ``raw`` carries (its checks apply to all of
    ``raw``); None when ``raw`` names no registered type (left to the provider's own)."""
    if not raw:
        return None
    name = next((t for t in _entry_types(raw) if t in _loaders), None)
    found = _get(name) if name is not None else None
    return found.validate(client, raw) if found is not None else None


def _type_of(stored: str) -> DetailType:
    try:
        name = json.loads(stored).get("type")
    except (ValueError, AttributeError):
        name = None
    found = _get(name) if isinstance(name, str) else None
    if found is None:
        raise InvalidRequestUri()
    return found


def needs_consent(stored: str | None, account_id: str, client_id: str, at: int) -> bool:
    if not stored:
        return False
    return _type_of(stored).needs_consent(stored, account_id, client_id, at)


def consent_page(client_id: str, stored: str | None) -> dict[str, Any] | None:
    if not stored:
        return None
    return _type_of(stored).consent_page(client_id, stored)


def at_code(*, client_id: str, grant_id: str, stored: str | None, account_id: str, sub: str,
            at: int, agreed: bool) -> CodeItems | None:
    if not stored:
        return None
    return _type_of(stored).at_code(client_id=client_id, grant_id=grant_id, stored=stored,
                                    account_id=account_id, sub=sub, at=at, agreed=agreed)
