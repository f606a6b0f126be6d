"""The faces context's data-access module: the only one of ``iamsmart.faces`` that names its
tables, keys, item attributes and expressions, or calls ``iamsmart.dynamo``. The other
modules call the named functions below with plain values; records come back as plain dicts.

Liveness sessions, in the sessions table: ``pk = "liveness#<our id>"``, ``sk = "s"``,
``kind = "liveness"`` with purpose, ``account_id``, ``txn_id``, ``engine``, ``k``, ``number``,
``choices``, ``wrong``, ``started_at``/``started_by``, ``engine_session``, ``captured_at``,
``outcome``, ``used_at``, ``created_at`` and ``expires_at`` (TTL). A step-up's session is also
listed for the citizen's app under ``pk = "livepush#<account id>"``, ``sk = <our id>``.

Face templates, in the accounts table beside the account (whose items are identity's):
``id = "face#<account id>"``, ``kind = "face_template"`` with ``engine``, ``template``,
``source``, ``created_at`` and ``consent``.

Every function is one DynamoDB request, except ``listed_sessions`` (a Query and a BatchGet).
"""

from __future__ import annotations

from typing import Any

from iamsmart import dynamo
from iamsmart.settings import settings

now = dynamo.now  # the clock every stored expiry is computed from
LISTED_MAX = 20  # sessions listed for a citizen's app that are looked at


def _sessions() -> str:
    return settings().sessions_table  # type: ignore[no-any-return]


def _accounts() -> str:
    return settings().accounts_table  # type: ignore[no-any-return]


# --- liveness sessions ------------------------------------------------------------------

def _session_key(session_id: str) -> dict[str, str]:
    return {"pk": f"liveness#{session_id}", "sk": "s"}


def create_liveness_session(session_id: str, *, purpose: str, account_id: str, txn_id: str,
                            engine: str, k: str, number: int, choices: list[int],
                            created_at: int, expires_at: int, listed: bool) -> None:
    """A new session (``listed``: also listed for the citizen's app), in one batch write."""
    items: list[dict[str, Any]] = [{
        **_session_key(session_id), "kind": "liveness", "purpose": purpose,
        "account_id": account_id, "txn_id": txn_id, "engine": engine, "engine_session": None,
        "k": k, "number": number, "choices": choices, "wrong": 0, "created_at": created_at,
        "expires_at": expires_at}]
    if listed:
        items.append({"pk": f"livepush#{account_id}", "sk": session_id, "kind": "livepush",
                      "expires_at": expires_at})
    dynamo.batch_put(_sessions(), items)


def liveness_session(session_id: str) -> dict[str, Any] | None:
    """The session's record (a strongly consistent read), None when there is no such session."""
    item = dynamo.get(_sessions(), _session_key(session_id), consistent=True)
    return item if item is not None and item.get("kind") == "liveness" else None


def listed_sessions(account_id: str, at: int) -> list[tuple[str, dict[str, Any]]]:
    """(id, record) of the sessions listed for the citizen's app whose listing has not expired
    at ``at`` (the newest ``LISTED_MAX`` listings looked at)."""
    table = _sessions()
    pushes = [p for p in dynamo.query(table, ("pk", f"livepush#{account_id}"), limit=LISTED_MAX)
              if int(p.get("expires_at", 0)) > at]
    items = dynamo.batch_get(table, [_session_key(str(p["sk"])) for p in pushes])
    return [(str(i["pk"]).split("#", 1)[1], i) for i in items if i.get("kind") == "liveness"]


def mark_started(session_id: str, *, k: str, number: int, device: str, at: int,
                 max_wrong: int) -> dict[str, Any] | None:
    """Started at ``at`` by ``device`` if the secret and number are right, the session is not
    started, used or expired, and fewer than ``max_wrong`` numbers were wrong; the record, or
    None when refused."""
    return dynamo.update(
        _sessions(), _session_key(session_id), "SET started_at = :now, started_by = :by",
        condition=("kind = :kind AND k = :k AND #n = :number AND attribute_not_exists(used_at) "
                   "AND attribute_not_exists(started_at) AND expires_at > :now AND wrong < :max"),
        names={"#n": "number"},
        values_={":now": at, ":by": device, ":kind": "liveness", ":k": k,
                 ":number": number, ":max": max_wrong})


def count_wrong_number(session_id: str) -> dict[str, Any] | None:
    """One more wrong number, unless started; the record, or None when started."""
    return dynamo.update(_sessions(), _session_key(session_id), "ADD wrong :one",
                         condition="attribute_not_exists(started_at)", values_={":one": 1})


def unmark_started(session_id: str) -> None:
    """Back to not started (unless used): the app may start it again."""
    dynamo.update(_sessions(), _session_key(session_id), "REMOVE started_at, started_by",
                  condition="attribute_not_exists(used_at)")


def set_engine_session(session_id: str, engine_session: str) -> None:
    """The engine's session id (unless used)."""
    dynamo.update(_sessions(), _session_key(session_id), "SET engine_session = :e",
                  condition="attribute_not_exists(used_at)", values_={":e": engine_session})


def mark_captured(session_id: str, at: int) -> dict[str, Any] | None:
    """Captured at ``at`` if started, not captured, not used and not expired; the updated
    attributes, or None when refused."""
    return dynamo.update(
        _sessions(), _session_key(session_id), "SET captured_at = :now",
        condition=("attribute_exists(started_at) AND attribute_not_exists(captured_at) "
                   "AND attribute_not_exists(used_at) AND expires_at > :now"),
        values_={":now": at})


def set_outcome(session_id: str, outcome: dict[str, Any]) -> None:
    """A step-up's outcome on its (existing) session."""
    dynamo.update(_sessions(), _session_key(session_id), "SET outcome = :o",
                  condition="kind = :kind", values_={":o": outcome, ":kind": "liveness"})


def mark_used(session_id: str, *, account_id: str, txn_id: str,
              at: int) -> dict[str, Any] | None:
    """Used at ``at``, once, by this citizen and transaction, before it expires; the record, or
    None when refused."""
    return dynamo.update(
        _sessions(), _session_key(session_id), "SET used_at = :now",
        condition=("kind = :kind AND attribute_not_exists(used_at) AND account_id = :a "
                   "AND txn_id = :t AND expires_at > :now"),
        values_={":now": at, ":kind": "liveness", ":a": account_id, ":t": txn_id})


# --- face templates ---------------------------------------------------------------------

def _template_key(account_id: str) -> dict[str, str]:
    return {"id": f"face#{account_id}"}


def face_template(account_id: str) -> dict[str, Any] | None:
    """The account's template record (a strongly consistent read), None without one."""
    item = dynamo.get(_accounts(), _template_key(account_id), consistent=True)
    return item if item and item.get("kind") == "face_template" else None


def put_face_template(account_id: str, *, engine: str, template: dict[str, str], source: str,
                      created_at: int, consent: dict[str, Any]) -> bool:
    """Keep the account's template; False when it already has one."""
    return dynamo.put(_accounts(), {
        **_template_key(account_id), "kind": "face_template", "engine": engine,
        "template": template, "source": source, "created_at": created_at, "consent": consent},
        condition="attribute_not_exists(id)")


def delete_face_template(account_id: str) -> None:
    dynamo.delete(_accounts(), _template_key(account_id))
