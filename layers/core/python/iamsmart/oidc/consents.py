"""Remembered consent per (citizen, relying party) in the ``consents`` table, and the pairwise
subject identifier it carries.

Item: ``account_id`` (pk), ``client_id`` (sk), ``scopes``, ``claims`` (what the citizen
agreed to release), ``sub`` and ``sector`` (the pairwise ``sub``, derived once with KMS
GenerateMac and kept here so later logins make no KMS call), ``granted_at``,
``updated_at``, and ``gids``: a string set of ``"<grant id>:<expires at>"`` for every grant
made under this consent, so that withdrawing the consent revokes their tokens.

A login is covered when the request's scopes and claims are a subset of the remembered ones;
anything wider asks the citizen again (THREATS 17). The items and their calls are
``oidc.dal``'s (the remembering itself is ``dal.consent_action``, in the code's transaction).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from iamsmart.oidc import dal, grants

if TYPE_CHECKING:  # pragma: no cover
    from iamsmart.oidc.clients import Client

PRUNE_ABOVE = 40  # expired grant references are dropped once a consent holds more than this


@dataclass(frozen=True)
class Consent:
    account_id: str
    client_id: str
    scopes: tuple[str, ...]
    claims: tuple[str, ...]
    sub: str
    sector: str
    granted_at: int
    updated_at: int
    gids: frozenset[str]

    def covers(self, scopes: Iterable[str], claims: Iterable[str]) -> bool:
        return set(scopes) <= set(self.scopes) and set(claims) <= set(self.claims)

    def grant_ids(self) -> list[str]:
        return [g.partition(":")[0] for g in self.gids]

    def expired_refs(self, at: int) -> set[str]:
        out = set()
        for ref in self.gids:
            _, _, exp = ref.partition(":")
            if exp.isdigit() and int(exp) < at:
                out.add(ref)
        return out

    @classmethod
    def from_item(cls, raw: Mapping[str, Any]) -> Consent:
        """From the item ``dal`` answers (plain values)."""
        return cls(account_id=raw["account_id"], client_id=raw["client_id"],
                   scopes=tuple(raw.get("scopes", ())), claims=tuple(raw.get("claims", ())),
                   sub=raw["sub"], sector=raw.get("sector", ""),
                   granted_at=int(raw.get("granted_at", 0)),
                   updated_at=int(raw.get("updated_at", 0)),
                   gids=frozenset(raw.get("gids", ())))


def of(item: Mapping[str, Any] | None) -> Consent | None:
    """The consent of an item ``dal`` answered (None stays None)."""
    return Consent.from_item(item) if item else None


def sector_of(client: Client) -> str:
    """The pairwise sector: the registered sector identifier, else the one host of the
    redirect URIs; clients whose redirect URIs span several hosts without a sector identifier
    get a sector of their own (``client:<id>``), never a shared one."""
    if client.sector_identifier:
        return client.sector_identifier
    hosts = {(urlsplit(u).hostname or "") for u in client.redirect_uris}
    if len(hosts) == 1 and "" not in hosts:
        return hosts.pop()
    return f"client:{client.client_id}"


def pairwise_sub(sector: str, account_id: str) -> str:
    """b64url(HMAC-SHA-256 in KMS (token-hmac key) of ``sub|<sector>|<account_id>``)."""
    from iamsmart import aws
    from iamsmart.settings import settings

    mac = aws.call("kms", "generate_mac", KeyId=settings().token_hmac_key_alias,
                   Message=f"sub|{sector}|{account_id}".encode(),
                   MacAlgorithm="HMAC_SHA_256")["Mac"]
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def prune(consent: Consent, at: int) -> None:
    """Drop references to expired grants (only when the set has grown)."""
    stale = consent.expired_refs(at)
    if len(consent.gids) <= PRUNE_ABOVE or not stale:
        return
    dal.prune_consent(consent.account_id, consent.client_id, stale)


def list_for(account_id: str) -> list[Consent]:
    return [Consent.from_item(i) for i in dal.consents_of(account_id)]


def withdraw(account_id: str, client_id: str) -> bool:
    """Forget the consent and revoke every grant made under it. False if there was none."""
    old = dal.delete_consent(account_id, client_id)
    if not old:
        return False
    consent = Consent.from_item(old)
    for grant_id in consent.grant_ids():
        grants.revoke(grant_id)
    return True
