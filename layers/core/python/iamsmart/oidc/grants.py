"""Grants: one item per authorization in the ``grants`` table, from the pushed request to
the last refresh (``pk = "grant#<id>"``).

Life of a grant (attribute ``st``)::

    requested --authorize--> login --resume--> consent --allow--> code --token--> active
        |                      |                  |                               |
        +------(SSO, consent remembered)----------+--> code                       revoked

- The ``request_uri`` is ``urn:ietf:params:oauth:request_uri:<grant id>``; authorizing moves
  the grant out of ``requested`` with a conditional write, so a request_uri works once, only
  for its client and only before ``req_exp``.
- The authorization code, the access token and the refresh token are ``<grant id>.<secret>``;
  only SHA-256 hashes of the secrets are stored (the secrets are 256-bit random, so a fast
  hash is enough). Comparisons happen inside DynamoDB conditions or with
  ``hmac.compare_digest``.
- A family is the grant: rotation replaces ``rt_hash`` and remembers the used hashes in
  ``rt_used``; a used refresh token or code presented again marks the grant ``revoked``,
  which ends every token issued from it.
- TTL (``expires_at``) is the grant's last useful moment; moto (and DynamoDB, for up to days)
  keep expired items, so every read and every condition checks the explicit expiries.

Only this module touches the item layout (low-level DynamoDB client: conditional
``UpdateItem`` with ``ReturnValues``, ``TransactWriteItems``, ``BatchGetItem``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from iamsmart import errors
from iamsmart.dynamo import translated

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
_ID_BYTES = 16
_SECRET_BYTES = 32

# States
REQUESTED, LOGIN, CONSENT, CODE, ACTIVE, DENIED = (
    "requested", "login", "consent", "code", "active", "denied")


def now() -> int:
    return int(time.time())


def new_id() -> str:
    return secrets.token_urlsafe(_ID_BYTES)


def new_secret() -> str:
    return secrets.token_urlsafe(_SECRET_BYTES)


def digest(secret: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode("utf-8")).digest()).rstrip(
        b"=").decode("ascii")


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)


def split(token: str | None) -> tuple[str, str] | None:
    """``<grant id>.<secret>`` -> (grant id, secret); anything else -> None."""
    if not isinstance(token, str) or len(token) > 200 or token.count(".") != 1:
        return None
    gid, _, secret = token.partition(".")
    if not (16 <= len(gid) <= 64 and 16 <= len(secret) <= 128):
        return None
    if not all(c.isalnum() or c in "-_" for c in gid + secret):
        return None
    return gid, secret


def key(grant_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"grant#{grant_id}"}}


# --- (de)serialisation ------------------------------------------------------------------

def serialise(value: Mapping[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    ser = TypeSerializer()
    return {k: ser.serialize(v) for k, v in value.items() if v is not None}


def deserialise(item: Mapping[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    des = TypeDeserializer()
    out: dict[str, Any] = {}
    for k, v in item.items():
        value = des.deserialize(v)
        if hasattr(value, "as_integer_ratio") and not isinstance(value, bool | int | float):
            value = int(value) if value == int(value) else float(value)
        out[k] = value
    return out


def ddb() -> Any:
    from iamsmart import aws

    return aws.client("dynamodb")


def table() -> str:
    from iamsmart.settings import settings

    return settings().grants_table


@dataclass(frozen=True)
class Request:
    """What the relying party pushed (validated at PAR time)."""

    redirect_uri: str
    scopes: tuple[str, ...]
    claims: tuple[str, ...] = ()
    state: str | None = None
    nonce: str | None = None
    code_challenge: str = ""
    prompt: tuple[str, ...] = ()
    max_age: int | None = None
    acr_values: tuple[str, ...] = ()
    login_hint: str | None = None
    dpop_jkt: str | None = None
    # Data exchange: the RFC 9396 data-exchange detail (iamsmart.exchange), JSON.
    exchange_details: str | None = None
    # RFC 9396, canonical JSON (oidc.authorization_details); face step-ups only.
    authorization_details: str | None = None

    def as_item(self) -> dict[str, Any]:
        full = {"redirect_uri": self.redirect_uri, "scopes": list(self.scopes),
                "claims": list(self.claims), "state": self.state, "nonce": self.nonce,
                "code_challenge": self.code_challenge, "prompt": list(self.prompt),
                "max_age": self.max_age, "acr_values": list(self.acr_values),
                "login_hint": self.login_hint, "dpop_jkt": self.dpop_jkt,
                "exchange_details": self.exchange_details,
                "authorization_details": self.authorization_details}
        return {k: v for k, v in full.items() if v is not None}

    @classmethod
    def from_item(cls, raw: Mapping[str, Any]) -> Request:
        return cls(redirect_uri=raw["redirect_uri"], scopes=tuple(raw.get("scopes", ())),
                   claims=tuple(raw.get("claims", ())), state=raw.get("state"),
                   nonce=raw.get("nonce"), code_challenge=raw.get("code_challenge", ""),
                   prompt=tuple(raw.get("prompt", ())),
                   max_age=(int(raw["max_age"]) if raw.get("max_age") is not None else None),
                   acr_values=tuple(raw.get("acr_values", ())), login_hint=raw.get("login_hint"),
                   dpop_jkt=raw.get("dpop_jkt"), exchange_details=raw.get("exchange_details"),
                   authorization_details=raw.get("authorization_details"))


@dataclass(frozen=True)
class Grant:
    id: str
    client_id: str
    st: str
    request: Request
    req_exp: int
    expires_at: int
    ix_exp: int = 0  # end of the interactive step (login, consent)
    account_id: str | None = None
    sid: str | None = None
    auth_time: int | None = None
    acr: str | None = None
    amr: tuple[str, ...] = ()
    sub: str | None = None
    scope: str | None = None
    code_hash: str | None = None
    code_exp: int = 0
    at_hash: str | None = None
    at_exp: int = 0
    at_iat: int = 0
    rt_hash: str | None = None
    rt_exp: int = 0
    rt_used: frozenset[str] = field(default_factory=frozenset)
    jkt: str | None = None
    revoked: bool = False
    id_token: str | None = None
    # Data exchange: the consent this login granted or reused (``xc``) and the token
    # response's authorization_details (``xad``, JSON), set with the code.
    exchange_consent: str | None = None
    exchange_details: str | None = None
    face: dict[str, Any] | None = None  # a passed face step-up's facts (waiting for consent)

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Grant:
        raw = deserialise(item)
        return cls(
            id=raw["pk"].removeprefix("grant#"), client_id=raw["client_id"], st=raw["st"],
            request=Request.from_item(raw["req"]), req_exp=int(raw.get("req_exp", 0)),
            expires_at=int(raw.get("expires_at", 0)), ix_exp=int(raw.get("ix_exp", 0)),
            account_id=raw.get("account_id"), sid=raw.get("sid"),
            auth_time=(int(raw["auth_time"]) if raw.get("auth_time") is not None else None),
            acr=raw.get("acr"), amr=tuple(raw.get("amr", ())), sub=raw.get("sub"),
            scope=raw.get("scope"), code_hash=raw.get("code_hash"),
            code_exp=int(raw.get("code_exp", 0)), at_hash=raw.get("at_hash"),
            at_exp=int(raw.get("at_exp", 0)), at_iat=int(raw.get("at_iat", 0)),
            rt_hash=raw.get("rt_hash"), rt_exp=int(raw.get("rt_exp", 0)),
            rt_used=frozenset(raw.get("rt_used", ())), jkt=raw.get("jkt"),
            revoked=bool(raw.get("revoked", False)), id_token=raw.get("id_token"),
            exchange_consent=raw.get("xc"), exchange_details=raw.get("xad"),
            face=raw.get("face"))


# --- operations -------------------------------------------------------------------------

def create(client_id: str, request: Request, lifetime: int) -> tuple[str, int]:
    """Store a pushed request; returns (grant id, expires_in)."""
    grant_id = new_id()
    t = now()
    item = serialise({"pk": f"grant#{grant_id}", "client_id": client_id, "st": REQUESTED,
                      "req": request.as_item(), "req_exp": t + lifetime,
                      "expires_at": t + lifetime})
    with translated("grants.create"):
        ddb().put_item(TableName=table(), Item=item,
                       ConditionExpression="attribute_not_exists(pk)")
    return grant_id, lifetime


def get(grant_id: str) -> Grant | None:
    with translated("grants.get"):
        item = ddb().get_item(TableName=table(), Key=key(grant_id),
                              ConsistentRead=True).get("Item")
    return Grant.from_item(item) if item else None


def _conditional_failure(exc: Exception) -> dict[str, Any] | None | bool:
    """For a ``ConditionalCheckFailedException``: the old item (or None); else False."""
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError) and exc.response.get("Error", {}).get(
            "Code") == "ConditionalCheckFailedException":
        return exc.response.get("Item")
    return False


def update(grant_id: str, expression: str, condition: str, values: Mapping[str, Any],
           names: Mapping[str, str] | None = None, returns: str = "ALL_NEW",
           ) -> tuple[Grant | None, Grant | None]:
    """One conditional ``UpdateItem``: (new grant, None) on success, (None, old grant or
    None) when the condition failed (the old item comes back with the failure: no extra
    read). ``returns="ALL_OLD"`` gives the grant as it was before the update."""
    params: dict[str, Any] = {
        "TableName": table(), "Key": key(grant_id), "UpdateExpression": expression,
        "ConditionExpression": condition, "ExpressionAttributeValues": serialise(values),
        "ReturnValues": returns, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
    if names:
        params["ExpressionAttributeNames"] = dict(names)
    try:
        with translated("grants.update"):
            answer = ddb().update_item(**params)
    except Exception as exc:
        old = _conditional_failure(exc)
        if old is False:
            raise
        return None, (Grant.from_item(old) if isinstance(old, dict) and old else None)
    return Grant.from_item(answer["Attributes"]), None


def revoke(grant_id: str) -> None:
    """Mark a grant (the whole token family) revoked; unknown grants stay unknown."""
    values = {":t": True, ":now": now()}
    try:
        with translated("grants.revoke"):
            ddb().update_item(TableName=table(), Key=key(grant_id),
                              UpdateExpression="SET revoked = :t, revoked_at = :now",
                              ConditionExpression="attribute_exists(pk)",
                              ExpressionAttributeValues=serialise(values))
    except Exception as exc:
        if _conditional_failure(exc) is False:
            raise


def update_spec(grant_id: str, expression: str, condition: str, values: Mapping[str, Any],
                names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The same update as one ``TransactWriteItems`` element."""
    spec: dict[str, Any] = {
        "TableName": table(), "Key": key(grant_id), "UpdateExpression": expression,
        "ConditionExpression": condition, "ExpressionAttributeValues": serialise(values)}
    if names:
        spec["ExpressionAttributeNames"] = dict(names)
    return {"Update": spec}


def transact(items: list[dict[str, Any]]) -> bool:
    """``TransactWriteItems``; False when a condition failed (nothing was written)."""
    from botocore.exceptions import ClientError

    try:
        with translated("grants.transact"):
            ddb().transact_write_items(TransactItems=items)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
            reasons = exc.response.get("CancellationReasons") or []
            if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons) or not reasons:
                return False
            raise errors.Unavailable(operation="grants.transact",
                                     reason="TransactionCanceled") from None
        raise
    return True


def transact_failed(items: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """``TransactWriteItems``: None when written; when a condition failed (nothing was
    written), the CancellationReasons, one per element in order (``Code``
    "ConditionalCheckFailed" for the failed ones, with the old ``Item`` when the element asked
    for ``ReturnValuesOnConditionCheckFailure``)."""
    from botocore.exceptions import ClientError

    try:
        with translated("grants.transact"):
            ddb().transact_write_items(TransactItems=items)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
            reasons = exc.response.get("CancellationReasons") or []
            if len(reasons) == len(items) and any(
                    r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                return list(reasons)
            raise errors.Unavailable(operation="grants.transact",
                                     reason="TransactionCanceled") from None
        raise
    return None


def batch_get(keys: Mapping[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """``BatchGetItem`` (consistent) over several tables: table name -> raw items."""
    request = {name: {"Keys": ks, "ConsistentRead": True} for name, ks in keys.items() if ks}
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in keys}
    attempts = 0
    while request:
        attempts += 1
        with translated("grants.batch_get"):
            answer = ddb().batch_get_item(RequestItems=request)
        for name, items in answer.get("Responses", {}).items():
            out.setdefault(name, []).extend(items)
        request = answer.get("UnprocessedKeys") or {}
        if request and attempts >= 3:
            raise errors.Unavailable(operation="grants.batch_get", reason="Unprocessed")
    return out
