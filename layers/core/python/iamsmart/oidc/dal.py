"""The OpenID Provider's data access: the only oidc module that names its tables (``grants``,
``consents``, ``clients``), their keys, attributes and expressions, or calls
``iamsmart.dynamo``. Plain values in and out (items as dicts, numbers as ``int``); the other
oidc modules call the named operations below and never pass an expression.

Items:
- ``grants``: ``pk = "grant#<id>"`` (the grant's life and attributes: ``grants``); the same
  table keeps the replay cache's records (``common.replay``).
- ``consents``: ``account_id`` (pk), ``client_id`` (sk) (``consents``).
- ``clients``: ``client_id`` and ``doc`` (the registration as JSON: ``clients``).

Transaction elements (``*_action``) are written by ``transact`` / ``transact_reasons``
together with other contexts' elements (a registered detail's, the replay guards').
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from iamsmart import dynamo, errors
from iamsmart.settings import settings

REQUESTED, LOGIN, CONSENT, CODE, ACTIVE, DENIED = (
    "requested", "login", "consent", "code", "active", "denied")


def _grants() -> str:
    return settings().grants_table


def _consents() -> str:
    return settings().consents_table


def _clients() -> str:
    return settings().clients_table


def _grant_key(grant_id: str) -> dict[str, str]:
    return {"pk": f"grant#{grant_id}"}


def _consent_key(account_id: str, client_id: str) -> dict[str, str]:
    return {"account_id": account_id, "client_id": client_id}


def grant_id_of(item: Mapping[str, Any]) -> str:
    return str(item["pk"]).removeprefix("grant#")


# --- grants -----------------------------------------------------------------------------

def create_grant(grant_id: str, client_id: str, request: Mapping[str, Any], req_exp: int,
                 guards: Sequence[dict[str, Any]] = ()) -> list[bool] | None:
    """A pushed request, stored as a new grant in ``requested``, in one transaction with the
    replay guards' elements (``guards``): None when written; else, per guard, whether its
    element was refused."""
    item = {"pk": f"grant#{grant_id}", "client_id": client_id, "st": REQUESTED,
            "req": dict(request), "req_exp": req_exp, "expires_at": req_exp}
    if not guards:
        if not dynamo.put(_grants(), item, condition="attribute_not_exists(pk)"):
            raise RuntimeError("grant id already taken")  # 128 random bits: never
        return None
    reasons = dynamo.transact_write_reasons(
        [*guards, dynamo.put_action(_grants(), item, condition="attribute_not_exists(pk)")])
    if reasons is None:
        return None
    if reasons[-1][0]:
        raise RuntimeError("grant id already taken")
    return [refused for refused, _ in reasons[:-1]]


def grant(grant_id: str) -> dict[str, Any] | None:
    """The grant's item (consistent read)."""
    return dynamo.get(_grants(), _grant_key(grant_id), consistent=True)


_TAKE = "st = :from AND client_id = :cid AND req_exp > :now AND attribute_not_exists(revoked)"


def take_request(grant_id: str, client_id: str, to: str, at: int, ix_exp: int,
                 auth: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """Move a pushed request out of ``requested`` (the request_uri's single use), with who
    logged in (``auth``: account_id, sid, auth_time, acr, amr); the new item, or None."""
    values: dict[str, Any] = {":from": REQUESTED, ":to": to, ":cid": client_id, ":now": at,
                              ":ix": ix_exp}
    expression = "SET st = :to, ix_exp = :ix, expires_at = :ix"
    if auth is not None:
        expression += (", account_id = :a, sid = :sid, auth_time = :at, acr = :acr, "
                       "amr = :amr")
        values.update({":a": auth["account_id"], ":sid": auth["sid"],
                       ":at": auth["auth_time"], ":acr": auth["acr"],
                       ":amr": list(auth["amr"])})
    new, _ = dynamo.update_or_old(_grants(), _grant_key(grant_id), expression,
                                  condition=_TAKE, values_=values)
    return new


def move(grant_id: str, from_state: str, to_state: str) -> dict[str, Any] | None:
    """``st`` from one state to another (denied login or consent); the new item, or None."""
    new, _ = dynamo.update_or_old(_grants(), _grant_key(grant_id), "SET st = :to",
                                  condition="st = :from",
                                  values_={":to": to_state, ":from": from_state})
    return new


def await_consent_action(grant_id: str, auth: Mapping[str, Any], at: int) -> dict[str, Any]:
    """After the login page, as a transaction element: ``login`` -> ``consent`` with who
    logged in (and a passed face step-up's facts), while the login window is open."""
    values = {":to": CONSENT, ":from": LOGIN, ":a": auth["account_id"], ":sid": auth["sid"],
              ":at": auth["auth_time"], ":acr": auth["acr"], ":amr": list(auth["amr"]),
              ":now": at, ":face": auth.get("face") or {}}
    return dynamo.update_action(
        _grants(), _grant_key(grant_id),
        "SET st = :to, account_id = :a, sid = :sid, auth_time = :at, acr = :acr, amr = :amr, "
        "face = :face", condition="st = :from AND ix_exp > :now", values_=values)


def code_action(grant_id: str, *, from_state: str, client_id: str, at: int, code_hash: str,
                code_exp: int, family_exp: int, id_token: str, auth: Mapping[str, Any],
                sub: str, scope: str, exchange: tuple[str, str] | None = None,
                ) -> dict[str, Any]:
    """The code's issue as a transaction element: ``from_state`` -> ``code`` with the code's
    hash, the ID token it will deliver, who logged in, the pairwise ``sub`` and the scope
    (``exchange``: a registered detail's consent id and token-response echo)."""
    values: dict[str, Any] = {
        ":from": from_state, ":to": CODE, ":cid": client_id, ":now": at, ":h": code_hash,
        ":ce": code_exp, ":idt": id_token, ":a": auth["account_id"], ":sid": auth["sid"],
        ":at": auth["auth_time"], ":acr": auth["acr"], ":amr": list(auth["amr"]),
        ":sub": sub, ":scope": scope, ":fam": family_exp}
    condition = "st = :from AND client_id = :cid AND attribute_not_exists(revoked) AND "
    condition += {REQUESTED: "req_exp > :now", LOGIN: "ix_exp > :now",
                  CONSENT: "ix_exp > :now AND account_id = :a"}[from_state]
    xset = ""
    if exchange is not None:
        values.update({":xc": exchange[0], ":xad": exchange[1]})
        xset = ", xc = :xc, xad = :xad"
    return dynamo.update_action(
        _grants(), _grant_key(grant_id),
        "SET st = :to, code_hash = :h, code_exp = :ce, id_token = :idt, account_id = :a, "
        "sid = :sid, auth_time = :at, acr = :acr, amr = :amr, #sub = :sub, #scope = :scope, "
        "family_exp = :fam, expires_at = :ce" + xset,
        condition=condition, names={"#sub": "sub", "#scope": "scope"}, values_=values)


def redeem_action(grant_id: str, *, client_id: str, at: int, code_hash: str,
                  redirect_uri: str, challenge: str, jkt: str | None,
                  tokens: Mapping[str, Any]) -> dict[str, Any]:
    """The code's redemption as a transaction element (its condition: the code, its state,
    hash and expiry, client, redirect URI, PKCE challenge and DPoP key; a failure answers the
    item as it was): ``code`` -> ``active`` with the new token hashes (``tokens``: at_hash,
    at_exp, at_iat, rt_hash), the ID token dropped."""
    values: dict[str, Any] = {
        ":code": CODE, ":active": ACTIVE, ":h": code_hash, ":now": at, ":cid": client_id,
        ":ru": redirect_uri, ":cc": challenge, ":ah": tokens["at_hash"],
        ":ae": tokens["at_exp"], ":ai": tokens["at_iat"], ":rh": tokens["rt_hash"]}
    condition = ("st = :code AND code_hash = :h AND code_exp > :now AND client_id = :cid "
                 "AND req.redirect_uri = :ru AND req.code_challenge = :cc "
                 "AND attribute_not_exists(revoked) AND ")
    expression = ("SET st = :active, at_hash = :ah, at_exp = :ae, at_iat = :ai, "
                  "rt_hash = :rh, rt_exp = family_exp, expires_at = family_exp, "
                  "redeemed_at = :now")
    if jkt is not None:
        values[":jkt"] = jkt
        condition += "(attribute_not_exists(req.dpop_jkt) OR req.dpop_jkt = :jkt)"
        expression += ", jkt = :jkt"
    else:
        condition += "attribute_not_exists(req.dpop_jkt)"
    expression += " REMOVE id_token"
    return dynamo.update_action(_grants(), _grant_key(grant_id), expression,
                                condition=condition, values_=values, old_on_failure=True)


def rotate_refresh(grant_id: str, *, client_id: str, at: int, old_hash: str, jkt: str | None,
                   tokens: Mapping[str, Any],
                   ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Refresh token rotation (the live grant, the presented hash, client, expiry and DPoP
    key in the condition; the used hash remembered): (new item, None), or (None, the item as
    it was) when refused."""
    values: dict[str, Any] = {
        ":h": old_hash, ":used": {old_hash}, ":active": ACTIVE, ":now": at, ":cid": client_id,
        ":ah": tokens["at_hash"], ":ae": tokens["at_exp"], ":ai": tokens["at_iat"],
        ":rh": tokens["rt_hash"]}
    condition = ("st = :active AND rt_hash = :h AND rt_exp > :now AND client_id = :cid "
                 "AND attribute_not_exists(revoked) AND ")
    if jkt is not None:
        values[":jkt"] = jkt
        condition += "(attribute_not_exists(jkt) OR jkt = :jkt)"
    else:
        condition += "attribute_not_exists(jkt)"
    return dynamo.update_or_old(
        _grants(), _grant_key(grant_id),
        "SET at_hash = :ah, at_exp = :ae, at_iat = :ai, rt_hash = :rh ADD rt_used :used",
        condition=condition, values_=values)


def use_access_token(grant_id: str, *, at_hash: str, jkt: str, proof: str, at: int,
                     window: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Userinfo's one round trip: a conditional write on the grant that reads it back. The
    condition: the grant live, holding this access token (hash, expiry) and bound to the key
    ``jkt``, and the DPoP proof ``proof`` (``<jkt>#<jti>``) not seen at this grant within the
    last ``window`` seconds; the write records it. The proof's ``ath`` binds it to this access
    token and its ``htu`` to this endpoint, so the grant that holds the token is the one place
    such a proof can ever be presented again: its record here is as good as the replay cache.

    Records: ``pj`` (the window ``at // window`` they belong to), ``pja`` (that window's) and
    ``pjb`` (the window before); older ones are dropped as the windows move on (one more
    write, at most once per window per grant). (new item, None), or (None, the item as it was,
    or None) when refused; ``errors.Unavailable`` when other writes kept winning the race."""
    live = ("st = :active AND attribute_not_exists(revoked) AND at_hash = :h "
            "AND at_exp > :now AND jkt = :jkt")
    base: dict[str, Any] = {":active": ACTIVE, ":h": at_hash, ":now": at, ":jkt": jkt,
                            ":js": {proof}}
    w = at // window
    behind: int | None = None  # the window the stored records belong to, when older
    old: dict[str, Any] | None = None
    for _ in range(3):
        if behind is None:
            expression = "SET pj = :w ADD pja :js"
            condition = (live + " AND (attribute_not_exists(pj) OR pj = :w) "
                         "AND NOT contains(pja, :j) AND NOT contains(pjb, :j)")
            values = {**base, ":w": w, ":j": proof}
        elif behind == w - 1:
            expression = "SET pj = :w, pjb = pja, pja = :js"
            condition = live + " AND pj = :ow AND NOT contains(pja, :j)"
            values = {**base, ":w": w, ":ow": behind, ":j": proof}
        else:
            expression = "SET pj = :w, pja = :js REMOVE pjb"
            condition = live + " AND pj = :ow"
            values = {**base, ":w": w, ":ow": behind}
        new, old = dynamo.update_or_old(_grants(), _grant_key(grant_id), expression,
                                        condition=condition, values_=values)
        if new is not None or old is None or not _holds(old, at_hash, jkt, at):
            return new, old
        stored = old.get("pj")
        if not isinstance(stored, int):
            return None, old
        w = max(w, stored)  # written by a clock a little ahead: its window it is
        if stored == w and seen_proof(old, proof) or (
                stored == w - 1 and proof in (old.get("pja") or ())):
            return None, old  # seen within the window
        behind = None if stored == w else stored  # (lost a race to another write: again)
    # Three races lost in a row: never a pass without the record (fail closed, try again).
    raise errors.Unavailable(operation="userinfo", reason="contention", retry_after=1)


def _holds(item: Mapping[str, Any], at_hash: str, jkt: str, at: int) -> bool:
    """The live grant holding this access token, bound to this key (``use_access_token``'s
    condition without the records)."""
    import hmac

    held = item.get("at_hash")
    return (item.get("st") == ACTIVE and not item.get("revoked")
            and isinstance(held, str) and hmac.compare_digest(held, at_hash)
            and int(item.get("at_exp") or 0) > at and item.get("jkt") == jkt)


def seen_proof(item: Mapping[str, Any], proof: str) -> bool:
    return proof in (item.get("pja") or ()) or proof in (item.get("pjb") or ())


def replayed(item: Mapping[str, Any] | None, *, at_hash: str, jkt: str, proof: str,
             at: int) -> bool:
    """Was ``use_access_token`` refused only because ``proof`` was presented before (``item``:
    the grant as it was)?"""
    return item is not None and _holds(item, at_hash, jkt, at) and seen_proof(item, proof)


def drop_access_token(grant_id: str, at_hash: str | None) -> None:
    """End one access token (when it is still the grant's current one)."""
    dynamo.update_or_old(_grants(), _grant_key(grant_id), "REMOVE at_hash",
                         condition="at_hash = :h", values_={":h": at_hash})


def revoke_grant(grant_id: str, at: int) -> None:
    """Mark a grant (the whole token family) revoked; unknown grants stay unknown."""
    dynamo.update(_grants(), _grant_key(grant_id), "SET revoked = :t, revoked_at = :now",
                  condition="attribute_exists(pk)", values_={":t": True, ":now": at})


def transact(actions: list[dict[str, Any]]) -> bool:
    """Write transaction elements together; False when a condition failed (nothing written)."""
    return dynamo.transact_write(actions)


def transact_reasons(actions: list[dict[str, Any]],
                     ) -> list[tuple[bool, dict[str, Any] | None]] | None:
    """Write transaction elements together: None when written, else per element (failed,
    old item when it asked for one)."""
    return dynamo.transact_write_reasons(actions)


# --- consents ---------------------------------------------------------------------------

def consent_action(*, account_id: str, client_id: str, scopes: Iterable[str],
                   claims: Iterable[str], sub: str, sector: str, grant_ref: str,
                   must_exist: bool, at: int) -> dict[str, Any]:
    """A transaction element: remember (or widen) consent and record the grant."""
    values = {":s": sorted(set(scopes)), ":c": sorted(set(claims)), ":sub": sub,
              ":sec": sector, ":now": at, ":g": {grant_ref}}
    return dynamo.update_action(
        _consents(), _consent_key(account_id, client_id),
        "SET scopes = :s, claims = :c, #sub = :sub, sector = :sec, "
        "granted_at = if_not_exists(granted_at, :now), updated_at = :now ADD gids :g",
        # Withdrawn meanwhile: do not resurrect it.
        condition="attribute_exists(account_id)" if must_exist else None,
        names={"#sub": "sub"}, values_=values)


def prune_consent(account_id: str, client_id: str, stale: set[str]) -> None:
    """Drop grant references from a consent."""
    dynamo.update(_consents(), _consent_key(account_id, client_id), "DELETE gids :g",
                  condition="attribute_exists(account_id)", values_={":g": stale})


def consents_of(account_id: str) -> list[dict[str, Any]]:
    return dynamo.query_all(_consents(), ("account_id", account_id))


def delete_consent(account_id: str, client_id: str) -> dict[str, Any] | None:
    """Forget a consent; the item it was, or None."""
    return dynamo.delete(_consents(), _consent_key(account_id, client_id))


# --- clients ----------------------------------------------------------------------------

def client_doc(client_id: str) -> str | None:
    """A registration's JSON document, or None."""
    item = dynamo.get(_clients(), {"client_id": client_id})
    return str(item["doc"]) if item else None


def put_client_doc(client_id: str, doc: str) -> None:
    dynamo.put(_clients(), {"client_id": client_id, "doc": doc})


def client_docs() -> list[str]:
    """Every registration's JSON document (a full scan: registrations are few)."""
    return [str(i["doc"]) for i in dynamo.scan(_clients())]


def delete_client(client_id: str) -> bool:
    """Remove a registration; True when it existed."""
    return dynamo.delete(_clients(), {"client_id": client_id}) is not None


# --- one read for what a login step needs -----------------------------------------------

def read(grant_id: str, consent: tuple[str, str] | None = None,
         others: Mapping[str, tuple[str, Mapping[str, Any]]] | None = None,
         ) -> dict[str, dict[str, Any] | None]:
    """One BatchGetItem (consistent): the grant, the remembered consent of ``(account_id,
    client_id)``, and ``others`` (name -> (table, key): another context's records, e.g. the
    session and the account); name -> item or None (``grant``, ``consent``, and others')."""
    wanted: dict[str, tuple[str, Mapping[str, Any]]] = {
        "grant": (_grants(), _grant_key(grant_id))}
    if consent is not None:
        wanted["consent"] = (_consents(), _consent_key(*consent))
    wanted.update(others or {})
    keys: dict[str, list[Mapping[str, Any]]] = {}
    for table, key in wanted.values():
        keys.setdefault(table, []).append(key)
    found = dynamo.batch_get_tables(keys)
    out: dict[str, dict[str, Any] | None] = {"consent": None}
    for name, (table, key) in wanted.items():
        out[name] = _match(found.get(table) or [], key)
    return out


def _match(items: Sequence[Mapping[str, Any]], key: Mapping[str, Any]) -> dict[str, Any] | None:
    return next((dict(i) for i in items if all(i.get(k) == v for k, v in key.items())), None)
