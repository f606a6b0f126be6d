"""The identity context's data-access module: the only identity module that names its tables,
keys, key prefixes, update and condition expressions, or calls ``iamsmart.dynamo``. The other
identity modules call the named functions here with plain values.

Tables (``settings``): ``accounts`` (accounts, their guard items, enrolment codes),
``authenticators`` (passkeys, device keys) and ``sessions`` (SSO sessions, login
transactions and the pushes that name them, pending passkey registrations, failure-limit
counters). Reads return records: plain dicts of a stored item's fields without its keys and
kind (a login's ``status``, ``expires_at``...: the context's vocabulary, which
``login.bound`` also hands to the face step-up), or the values a caller asked for.

The clock is ``now`` (it reads ``iamsmart.dynamo.now`` at every call): identity code reads
the time only through it, and tests move identity's clock by patching it here.

Transaction actions (``Action``) are returned for callers outside identity that write their
own items in the same transaction (registration creating the account it proved); they are
opaque to those callers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from iamsmart import dynamo
from iamsmart.settings import settings

Action = dict[str, Any]


def now() -> int:
    """The clock every identity expiry and window is computed from (``iamsmart.dynamo.now``)."""
    return dynamo.now()


def transact(actions: list[Action]) -> bool:
    """Run transaction actions of this module in one transaction; False when a condition
    failed (nothing written)."""
    return dynamo.transact_write(actions)


def _record(item: Mapping[str, Any] | None, *keys: str) -> dict[str, Any] | None:
    """A stored item's fields without its keys and kind."""
    if item is None:
        return None
    return {k: v for k, v in item.items() if k not in (*keys, "kind")}


# --- accounts table: accounts and the guard items beside them ------------------------------
# Partition key ``id``: ``<account id>`` (the account); ``hkid#<keyed hash>``,
# ``email#<sha256>``, ``phone#<sha256>`` → ``account_id`` (guards); ``enrol#<sha256 of the
# code>`` → ``account_id`` (enrolment codes).

def _accounts() -> str:
    return settings().accounts_table


def _digest(kind: str, value: str) -> str:
    return f"{kind}#" + hashlib.sha256(f"iamsmart:{kind}:{value}".encode()).hexdigest()


def email_key(normalised_email: str) -> str:
    return _digest("email", normalised_email)


def phone_key(normalised_phone: str) -> str:
    return _digest("phone", normalised_phone)


def enrol_key(normalised_code: str) -> str:
    return _digest("enrol", normalised_code)


def _hkid_key(hkid_hash: str) -> str:
    return f"hkid#{hkid_hash}"


def _put_new(table: str, values: dict[str, Any]) -> Action:
    return {"Put": {"TableName": table, "Item": dynamo.to_item(values),
                    "ConditionExpression": "attribute_not_exists(id)"}}


def new_account_actions(values: dict[str, Any], *, hkid_hash: str | None,
                        email: str | None, phone: str | None) -> list[Action]:
    """The account (``values``: its fields) and its guard items, each new or nothing."""
    account_id = values["id"]
    actions = [_put_new(_accounts(), {**values, "kind": "account"})]
    guards = [_hkid_key(hkid_hash) if hkid_hash else None,
              email_key(email) if email else None, phone_key(phone) if phone else None]
    actions.extend(_put_new(_accounts(), {"id": key, "kind": "guard", "account_id": account_id})
                   for key in guards if key)
    return actions


def new_enrolment_action(key: str, account_id: str, *, reusable: bool,
                         expires_at: int | None) -> Action:
    """A one-time (or reusable) enrolment code at ``key`` (``enrol_key``), new or nothing."""
    return _put_new(_accounts(), {"id": key, "kind": "enrolment", "account_id": account_id,
                                  "reusable": reusable, "expires_at": expires_at})


def delete_enrolment_action(key: str) -> Action:
    return {"Delete": {"TableName": _accounts(), "Key": dynamo.to_item({"id": key})}}


def hkid_owner(hkid_hash: str) -> str | None:
    """The account behind an HKID keyed hash (strongly consistent read), or None."""
    return _owner(_hkid_key(hkid_hash), consistent=True)


def login_hint_owner(key: str) -> str | None:
    """The account behind an ``email_key`` or ``phone_key`` guard, or None."""
    return _owner(key, consistent=False)


def _owner(key: str, *, consistent: bool) -> str | None:
    guard = dynamo.get(_accounts(), {"id": key}, consistent=consistent)
    return str(guard["account_id"]) if guard else None


def account_location(account_id: str) -> tuple[str, dict[str, str]]:
    """(table, key) of an account's item: for a caller that reads it in one batch with
    other items and hands it back to ``account_from_item``."""
    return _accounts(), {"id": account_id}


def account_from_item(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The account's fields from its item (None for another kind of item, or none)."""
    if item is None or item.get("kind") != "account":
        return None
    return _record(item)


def account(account_id: str) -> dict[str, Any] | None:
    """The account's fields (one GetItem), None when there is no account with this id."""
    return account_from_item(dynamo.get(*account_location(account_id)))


def enrolment(key: str) -> dict[str, Any] | None:
    """The enrolment code at ``key`` (``account_id``, ``reusable``, ``expires_at``; strongly
    consistent), or None."""
    return _record(dynamo.get(_accounts(), {"id": key}, consistent=True), "id")


def use_enrolment(key: str) -> bool:
    """Delete a one-time enrolment code; False when it was already used."""
    return dynamo.delete(_accounts(), {"id": key}, condition="attribute_exists(id)") is not None


def put_enrolment(key: str, account_id: str, *, reusable: bool, expires_at: int | None) -> None:
    """An enrolment code at ``key``, replacing one there (sandbox citizens' reusable codes)."""
    dynamo.put(_accounts(), {"id": key, "kind": "enrolment", "account_id": account_id,
                             "reusable": reusable, "expires_at": expires_at})


# --- authenticators table: passkeys and device keys ---------------------------------------
# Partition ``account_id``, sort key ``id``: ``passkey#<credential id>``, ``device#<device id>``.

def _authenticators() -> str:
    return settings().authenticators_table


def _authenticator_key(account_id: str, kind: str, ident: str) -> dict[str, str]:
    return {"account_id": account_id, "id": f"{kind}#{ident}"}


def _authenticator(item: Mapping[str, Any], kind: str) -> dict[str, Any]:
    record = _record(item, "id") or {}
    record["account_id"] = item["account_id"]
    record[f"{kind}_id"] = str(item["id"]).split("#", 1)[1]
    return record


def add_passkey(account_id: str, credential_id: str, *, public_key: bytes, sign_count: int,
                label: str, created_at: int, transports: list[str]) -> dict[str, Any] | None:
    """Store a new passkey (``credential_id`` base64url); its record, or None when this
    credential is already there."""
    item = {**_authenticator_key(account_id, "passkey", credential_id), "kind": "passkey",
            "public_key": public_key, "sign_count": int(sign_count), "label": label,
            "created_at": created_at, "transports": transports or None}
    if not dynamo.put(_authenticators(), item, condition="attribute_not_exists(id)"):
        return None
    return _authenticator({k: v for k, v in item.items() if v is not None}, "credential")


def passkey(account_id: str, credential_id: str) -> dict[str, Any] | None:
    item = dynamo.get(_authenticators(), _authenticator_key(account_id, "passkey",
                                                            credential_id))
    return _authenticator(item, "credential") if item else None


def advance_sign_count(account_id: str, credential_id: str, *, old: int, new: int,
                       used_at: int) -> bool:
    """Move the sign count from ``old`` to ``new``; False when it is no longer ``old``."""
    done = dynamo.update(
        _authenticators(), _authenticator_key(account_id, "passkey", credential_id),
        "SET sign_count = :new, last_used_at = :now",
        condition="attribute_exists(id) AND sign_count = :old",
        values_={":new": int(new), ":now": used_at, ":old": old})
    return done is not None


def passkeys_of(account_id: str) -> list[dict[str, Any]]:
    return [_authenticator(i, "credential") for i in dynamo.query(
        _authenticators(), ("account_id", account_id), begins_with=("id", "passkey#"))]


def delete_passkey(account_id: str, credential_id: str) -> bool:
    old = dynamo.delete(_authenticators(), _authenticator_key(account_id, "passkey",
                                                              credential_id))
    return old is not None


def _device_item(account_id: str, device_id: str, public_jwk: dict[str, str], label: str,
                 created_at: int) -> dict[str, Any]:
    return {**_authenticator_key(account_id, "device", device_id), "kind": "device",
            "jwk": public_jwk, "label": label, "created_at": created_at}


def new_device_action(account_id: str, device_id: str, public_jwk: dict[str, str],
                      label: str, created_at: int) -> Action:
    """A device key, new or nothing (for a transaction)."""
    item = _device_item(account_id, device_id, public_jwk, label, created_at)
    return {"Put": {"TableName": _authenticators(), "Item": dynamo.to_item(item),
                    "ConditionExpression": "attribute_not_exists(id)"}}


def add_device(account_id: str, device_id: str, public_jwk: dict[str, str], label: str,
               created_at: int) -> dict[str, Any]:
    """Store a new device key (conditional on a new id); its record."""
    item = _device_item(account_id, device_id, public_jwk, label, created_at)
    dynamo.put(_authenticators(), item, condition="attribute_not_exists(id)")
    return _authenticator(item, "device")


def device(account_id: str, device_id: str) -> dict[str, Any] | None:
    item = dynamo.get(_authenticators(), _authenticator_key(account_id, "device", device_id))
    return _authenticator(item, "device") if item else None


def devices_of(account_id: str) -> list[dict[str, Any]]:
    return [_authenticator(i, "device") for i in dynamo.query(
        _authenticators(), ("account_id", account_id), begins_with=("id", "device#"))]


# --- sessions table: SSO sessions ---------------------------------------------------------
# ``pk = "session#<account id>"``, ``sk = <session id>`` (a hash of the cookie's secret).

def _sessions() -> str:
    return settings().sessions_table


def session_location(account_id: str, session_id: str) -> tuple[str, dict[str, str]]:
    """(table, key) of a session's item: for a caller that reads it in one batch with other
    items and hands it back to ``session_from_item``."""
    return _sessions(), {"pk": f"session#{account_id}", "sk": session_id}


def session_from_item(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The session's fields (``auth_time``, ``amr``, ``acr``, ``expires_at``), None for
    another kind of item, or none."""
    if item is None or item.get("kind", "session") != "session":
        return None
    return _record(item, "pk", "sk")


def put_session(account_id: str, session_id: str, *, auth_time: int, amr: list[str],
                acr: str, created_at: int, expires_at: int) -> None:
    table, key = session_location(account_id, session_id)
    dynamo.put(table, {**key, "kind": "session", "auth_time": auth_time, "amr": amr,
                       "acr": acr, "created_at": created_at, "expires_at": expires_at})


def session_action(account_id: str, session_id: str, *, auth_time: int, amr: list[str],
                   acr: str, created_at: int, expires_at: int) -> dict[str, Any]:
    """``put_session`` as a transaction element (for a caller's transaction)."""
    table, key = session_location(account_id, session_id)
    return dynamo.put_action(table, {**key, "kind": "session", "auth_time": auth_time,
                                     "amr": amr, "acr": acr, "created_at": created_at,
                                     "expires_at": expires_at})


def session(account_id: str, session_id: str) -> dict[str, Any] | None:
    """The session's fields (one GetItem), or None."""
    return session_from_item(dynamo.get(*session_location(account_id, session_id)))


def delete_session(account_id: str, session_id: str) -> None:
    dynamo.delete(*session_location(account_id, session_id))


def sessions_of(account_id: str, *, limit: int = 100) -> list[tuple[str, dict[str, Any]]]:
    """Up to ``limit`` of the account's sessions (ended or not): (session id, fields)."""
    items = dynamo.query(_sessions(), ("pk", f"session#{account_id}"), limit=limit)
    return [(str(i["sk"]), _record(i, "pk", "sk") or {}) for i in items]


# --- sessions table: login transactions and pushes ----------------------------------------
# ``pk = "login#<txn id>"``, ``sk = "txn"``; ``pk = "push#<account id>"``, ``sk = <txn id>``.

def _login_key(txn_id: str) -> dict[str, str]:
    return {"pk": f"login#{txn_id}", "sk": "txn"}


def _login(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if item is None or item.get("kind") != "login":
        return None
    return _record(item, "pk", "sk")


def save_login(txn_id: str, fields: Mapping[str, Any], *, push_to: str | None) -> None:
    """A new login transaction with ``fields`` (``expires_at`` among them) and, when the
    login hint named an account, the push that lets its devices find it: one call either
    way."""
    writes: list[dict[str, Any]] = [{**_login_key(txn_id), "kind": "login", **fields}]
    if push_to:
        writes.append({"pk": f"push#{push_to}", "sk": txn_id, "kind": "push",
                       "expires_at": fields["expires_at"]})
    dynamo.batch_put(_sessions(), writes)


def login(txn_id: str, *, consistent: bool = True) -> dict[str, Any] | None:
    return _login(dynamo.get(_sessions(), _login_key(txn_id), consistent=consistent))


def complete_login(txn_id: str, *, account_id: str, amr: list[str], acr: str, now: int,
                   method: str, k: str | None = None, number: int | None = None,
                   guards: list[dict[str, Any]] | None = None) -> bool | list[bool]:
    """A pending, unexpired login authenticated (and, with ``k`` and ``number``, only if
    they are the transaction's); False otherwise. With ``guards`` (replay checks' transaction
    elements), one transaction: True when written, else per guard whether it was refused."""
    names = {"#s": "status"}
    condition = "#s = :pending AND expires_at > :now"
    values: dict[str, Any] = {":auth": "authenticated", ":acct": account_id, ":amr": amr,
                              ":acr": acr, ":now": now, ":method": method,
                              ":pending": "pending"}
    if k is not None and number is not None:
        names["#n"] = "number"
        condition += " AND k = :k AND #n = :number"
        values.update({":k": k, ":number": number})
    expression = ("SET #s = :auth, account_id = :acct, amr = :amr, acr = :acr, "
                  "auth_time = :now, auth_method = :method")
    if guards:
        reasons = dynamo.transact_write_reasons([*guards, dynamo.update_action(
            _sessions(), _login_key(txn_id), expression, condition=condition, names=names,
            values_=values)])
        return True if reasons is None else [refused for refused, _ in reasons[:-1]]
    done = dynamo.update(_sessions(), _login_key(txn_id), expression, condition=condition,
                         names=names, values_=values)
    return done is not None


def deny_login(txn_id: str, reason: str | None = None) -> None:
    """A pending login denied (with its reason, when given)."""
    extra = {":why": reason} if reason else {}
    dynamo.update(_sessions(), _login_key(txn_id),
                  "SET #s = :denied" + (", denied_reason = :why" if reason else ""),
                  condition="#s = :pending", names={"#s": "status"},
                  values_={":denied": "denied", ":pending": "pending", **extra})


def count_wrong_number(txn_id: str) -> int | None:
    """One more wrong number on a pending login: the count, None when no longer pending."""
    updated = dynamo.update(_sessions(), _login_key(txn_id), "ADD attempts :one",
                            condition="#s = :pending", names={"#s": "status"},
                            values_={":one": 1, ":pending": "pending"})
    return int(updated.get("attempts", 0)) if updated is not None else None


_TAKE_AUTHENTICATED = "cookie_hash = :h AND #s = :auth AND expires_at > :now"


def take_authenticated_login(txn_id: str, cookie_hash: str, now: int) -> dict[str, Any] | None:
    """Delete and return the login if it is this cookie's, authenticated and unexpired."""
    return _record(dynamo.delete(
        _sessions(), _login_key(txn_id), condition=_TAKE_AUTHENTICATED,
        names={"#s": "status"}, values_={":h": cookie_hash, ":auth": "authenticated",
                                         ":now": now}), "pk", "sk")


def take_authenticated_login_action(txn_id: str, cookie_hash: str, now: int) -> dict[str, Any]:
    """``take_authenticated_login`` as a transaction element (the caller read the login with
    what its next step needs, and takes it in that step's own write)."""
    return dynamo.delete_action(
        _sessions(), _login_key(txn_id), condition=_TAKE_AUTHENTICATED,
        names={"#s": "status"}, values_={":h": cookie_hash, ":auth": "authenticated",
                                         ":now": now})


def login_location(txn_id: str) -> tuple[str, dict[str, str]]:
    """(table, key) of a login transaction, for a caller that reads it in one batch with its
    own items and hands it back to ``login_from_item``."""
    return _sessions(), _login_key(txn_id)


def login_from_item(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return _login(item)


def take_login(txn_id: str, status: str) -> dict[str, Any] | None:
    """Delete and return the login if its status is still ``status``."""
    return _record(dynamo.delete(_sessions(), _login_key(txn_id), condition="#s = :status",
                                 names={"#s": "status"}, values_={":status": status}),
                   "pk", "sk")


def login_face_passed(txn_id: str, *, account_id: str, acr: str, amr: list[str],
                      face: dict[str, Any], from_acr: str, now: int) -> bool:
    """Record a passed face step-up on an authenticated login at ``from_acr`` (once)."""
    done = dynamo.update(
        _sessions(), _login_key(txn_id),
        "SET acr = :acr, amr = list_append(amr, :more), face = :face",
        condition="#s = :auth AND account_id = :a AND acr = :plus AND expires_at > :now "
                  "AND attribute_not_exists(face)",
        names={"#s": "status"},
        values_={":acr": acr, ":more": amr, ":face": face, ":auth": "authenticated",
                 ":a": account_id, ":plus": from_acr, ":now": now})
    return done is not None


def login_face_declined(txn_id: str) -> None:
    """An authenticated login without a face step-up denied."""
    dynamo.update(_sessions(), _login_key(txn_id), "SET #s = :denied",
                  condition="#s = :auth AND attribute_not_exists(face)", names={"#s": "status"},
                  values_={":denied": "denied", ":auth": "authenticated"})


def pushes(account_id: str, *, limit: int = 20) -> list[tuple[str, int]]:
    """Login transactions pushed to the account's devices: (txn id, expires_at)."""
    return [(str(p["sk"]), int(p.get("expires_at", 0)))
            for p in dynamo.query(_sessions(), ("pk", f"push#{account_id}"), limit=limit)]


def logins(txn_ids: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
    """The login transactions among ``txn_ids`` (one BatchGetItem): (txn id, fields)."""
    found = []
    for item in dynamo.batch_get(_sessions(), [_login_key(t) for t in txn_ids]):
        record = _login(item)
        if record is not None:
            found.append((str(item["pk"]).split("#", 1)[1], record))
    return found


# --- sessions table: pending passkey registrations ----------------------------------------

def _registration_key(session_id: str) -> dict[str, str]:
    return {"pk": f"passkey-reg#{session_id}", "sk": "challenge"}


def put_passkey_challenge(session_id: str, *, account_id: str, challenge: str,
                          expires_at: int) -> None:
    """The session's pending passkey registration (replacing an earlier one)."""
    dynamo.put(_sessions(), {**_registration_key(session_id), "kind": "passkey-registration",
                             "account_id": account_id, "challenge": challenge,
                             "expires_at": expires_at})


def take_passkey_challenge(session_id: str) -> dict[str, Any] | None:
    """Delete and return the session's pending registration (``account_id``, ``challenge``,
    ``expires_at``), or None."""
    return _record(dynamo.delete(_sessions(), _registration_key(session_id)), "pk", "sk")


# --- sessions table: failure-limit counters -----------------------------------------------
# ``pk = "limit#<policy>#<key digest>#<window start>"``, ``sk = "n"``: ``n``, ``expires_at``.

Counter = tuple[str, str, int]  # (policy, key digest, window start)


def _counter_key(counter: Counter) -> dict[str, str]:
    policy, digest, start = counter
    return {"pk": f"limit#{policy}#{digest}#{start}", "sk": "n"}


def counters(wanted: Iterable[Counter]) -> dict[Counter, tuple[int, int]]:
    """The counters that exist among ``wanted`` (one BatchGetItem): (count, expires_at)."""
    by_pk = {_counter_key(c)["pk"]: c for c in wanted}
    items = dynamo.batch_get(_sessions(), [{"pk": pk, "sk": "n"} for pk in by_pk])
    return {by_pk[i["pk"]]: (int(i.get("n", 0)), int(i.get("expires_at", 0))) for i in items}


def counters_and_account(wanted: Iterable[Counter], account_id: str,
                         device_id: str | None = None,
                         ) -> tuple[dict[Counter, tuple[int, int]], dict[str, Any] | None,
                                    dict[str, Any] | None]:
    """``counters``, ``account`` and (with ``device_id``) that account's ``device`` in one
    BatchGetItem over the tables."""
    by_pk = {_counter_key(c)["pk"]: c for c in wanted}
    table, key = account_location(account_id)
    tables: dict[str, list[dict[str, Any]]] = {
        _sessions(): [{"pk": pk, "sk": "n"} for pk in by_pk], table: [key]}
    if device_id is not None:
        tables[_authenticators()] = [_authenticator_key(account_id, "device", device_id)]
    found = dynamo.batch_get_tables(tables, consistent=False)
    counts = {by_pk[i["pk"]]: (int(i.get("n", 0)), int(i.get("expires_at", 0)))
              for i in found.get(_sessions(), []) if i.get("pk") in by_pk}
    accounts = [i for i in found.get(table, []) if i.get("id") == account_id]
    devices = [_authenticator(i, "device") for i in found.get(_authenticators(), [])
               if i.get("account_id") == account_id and str(i.get("id")).startswith("device#")]
    return (counts, account_from_item(accounts[0] if accounts else None),
            devices[0] if devices else None)


def count_failure(counter: Counter, *, expires_at: int, keep_first_expiry: bool) -> int:
    """One more on the counter (one UpdateItem); the new count. Its expiry is set to
    ``expires_at``, or only on the first failure with ``keep_first_expiry``."""
    expiry = "if_not_exists(expires_at, :end)" if keep_first_expiry else ":end"
    item = dynamo.update(_sessions(), _counter_key(counter),
                         f"ADD n :one SET expires_at = {expiry}",
                         values_={":one": 1, ":end": expires_at})
    return int((item or {}).get("n", 0))
