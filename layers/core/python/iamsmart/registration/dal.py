"""The registration context's data-access module: the only registration module that names the
``applications`` table, its keys, expressions and item attributes, or calls
``iamsmart.dynamo``. The other modules call the named functions here with plain values and
get plain values back (an application as a dict of its fields, with ``application_id``).

Items (partition key ``pk``, sort key ``sk``; every item has ``expires_at``, DynamoDB's TTL;
an application's own ``expires_at`` is its retention end and its side items share it):

- ``<application id>`` / ``application``: one application through its life: channel, where
  it was taken (the site: kiosk, post-office counter or mobile team) and by which officer,
  consent, contact, the result of each step (``steps.<name>``: summaries only: outcomes,
  check names, never particulars), the decision, the review task token while a review is
  open, the account id, the enrolment code until the applicant has been shown it. Never the
  HKID number: only its keyed hash.
- ``idem#<sha256 of channel principal and key>`` / ``idem``: an ``Idempotency-Key`` seen,
  with the application it created and the SHA-256 of the request body;
- ``review`` / ``<opened at>#<application id>``: the manual-review queue (staff console);
- ``outbox`` / ``<decided at>#<application id>``: notifications (the local stand-in for SNS);
- ``hkid-day#<keyed hash>#<day>`` / ``n``: the applications per HKID per day (a string set
  of application ids: a replayed step adds nothing);
- ``limit#<scope>#<digest>#<window start>`` / ``n``: intake counters per source address or
  key (and the other per-window limits of registration);
- ``ref#<reference>`` / ``ref``: the application's short reference, written with the
  application in one transaction, so that no two applications share one.

An expired item is gone for every reader here (TTL deletes late). Throttling or an
unreachable DynamoDB is ``errors.Unavailable`` (``iamsmart.dynamo``); a failed condition is a
value (``False`` / ``None``). Transaction actions (``Action``) are opaque to callers: they
join identity's (the account a registration proved) in one ``transact``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from typing import Any

from iamsmart import dynamo
from iamsmart.settings import settings

Action = dict[str, Any]

_APPLICATION = "application"
_REVIEW = "review"
_OUTBOX = "outbox"
_REF = "ref#"
_EXISTS = "attribute_exists(pk)"
_NEW = "attribute_not_exists(pk)"


def _table() -> str:
    return settings().applications_table


def _key(application_id: str) -> dict[str, str]:
    return {"pk": application_id, "sk": _APPLICATION}


def _ref_key(reference: str) -> dict[str, str]:
    return {"pk": _REF + reference, "sk": "ref"}


def _live(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None or int(item.get("expires_at", 0)) < dynamo.now():
        return None  # TTL deletes late: an expired item is gone for every reader
    return item


def _application(item: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in item.items() if k not in ("pk", "sk", "kind")}
    return {**fields, "application_id": str(item["pk"])}


def transact(actions: list[Action]) -> bool:
    """Run transaction actions (these and identity's); False when a condition failed."""
    return dynamo.transact_write(actions)


# --- applications -------------------------------------------------------------------------

def get_application(application_id: str, *, consistent: bool = True) -> dict[str, Any] | None:
    """The application's fields (``application_id`` among them), or None (never or gone)."""
    item = _live(dynamo.get(_table(), _key(application_id), consistent=consistent))
    return _application(item) if item is not None else None


def store_application(application_id: str, fields: Mapping[str, Any], *, reference: str,
                      idempotency: tuple[str, str] | None = None) -> bool:
    """The new application, its reference and (``(idempotency_id, body digest)``) the
    idempotency key seen, all new in one transaction; False when any of them exists."""
    expires = fields["expires_at"]
    items: list[dict[str, Any]] = [
        {**fields, **_key(application_id), "kind": "application"},
        {**_ref_key(reference), "application_id": application_id, "expires_at": expires}]
    if idempotency is not None:
        handle, digest = idempotency
        items.append({"pk": handle, "sk": "idem", "application_id": application_id,
                      "digest": digest, "expires_at": expires})
    return transact([dynamo.put_action(_table(), item, condition=_NEW) for item in items])


def remove_application(application_id: str, *, reference: str,
                       idempotency_id: str | None = None) -> None:
    """Undo ``store_application`` (each item deleted; absent ones are no error)."""
    dynamo.delete(_table(), _key(application_id))
    dynamo.delete(_table(), _ref_key(reference))
    if idempotency_id:
        dynamo.delete(_table(), {"pk": idempotency_id, "sk": "idem"})


def _update_parts(fields: Mapping[str, Any], remove: Iterable[str],
                  steps: Mapping[str, Mapping[str, Any]] | None
                  ) -> tuple[str, dict[str, str], dict[str, Any]]:
    names: dict[str, str] = {"#updated_at": "updated_at"}
    values: dict[str, Any] = {":updated_at": dynamo.now()}
    sets = ["#updated_at = :updated_at"]
    for i, (name, value) in enumerate(fields.items()):
        names[f"#f{i}"] = name
        values[f":f{i}"] = value
        sets.append(f"#f{i} = :f{i}")
    if steps:
        names["#steps"] = "steps"
        for i, (step, record) in enumerate(steps.items()):
            names[f"#s{i}"] = step
            values[f":s{i}"] = dict(record)
            sets.append(f"#steps.#s{i} = :s{i}")
    expression = "SET " + ", ".join(sets)
    removed = []
    for i, name in enumerate(remove):
        names[f"#r{i}"] = name
        removed.append(f"#r{i}")
    if removed:
        expression += " REMOVE " + ", ".join(removed)
    return expression, names, values


def _update(application_id: str, fields: Mapping[str, Any], remove: Iterable[str],
            steps: Mapping[str, Mapping[str, Any]] | None, condition: str | None = None,
            names: Mapping[str, str] | None = None, values: Mapping[str, Any] | None = None
            ) -> dict[str, Any] | None:
    expression, all_names, all_values = _update_parts(fields, remove, steps)
    all_names.update(names or {})
    all_values.update(values or {})
    item = dynamo.update(_table(), _key(application_id), expression,
                         condition=f"{_EXISTS} AND ({condition})" if condition else _EXISTS,
                         names=all_names, values_=all_values)
    return _application(item) if item is not None else None


def update_application(application_id: str, fields: Mapping[str, Any], *,
                       remove: Iterable[str] = (),
                       steps: Mapping[str, Mapping[str, Any]] | None = None
                       ) -> dict[str, Any] | None:
    """Set ``fields`` (and ``steps.<name>``: the record of a step), remove the fields named in
    ``remove``; always sets ``updated_at``. The application as it is now, or None when there
    is none."""
    return _update(application_id, fields, remove, steps)


def take_enrolment_code(application_id: str) -> bool:
    """Take the enrolment code off the application (it is shown once); False when another
    reader took it first (or there was none)."""
    return _update(application_id, {}, ("enrolment_code",), None,
                   condition="attribute_exists(enrolment_code)") is not None


def take_review_token(application_id: str, token: str, fields: Mapping[str, Any], *,
                      steps: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    """Take the review task token off the application (recording ``fields`` and ``steps``)
    only while it is still ``token``: of two reviewers deciding at once, one gets the
    application back, the other None."""
    return _update(application_id, fields, ("review_token",), steps, condition="#tok = :tok",
                   names={"#tok": "review_token"}, values={":tok": token})


def account_created_action(application_id: str, *, enrolment_code: str,
                           enrolment_id: str) -> Action:
    """The application marked as having made its account (once: the action fails when it is
    marked already), with the enrolment code to show the applicant once."""
    return dynamo.update_action(
        _table(), _key(application_id),
        "SET account_created = :t, enrolment_code = :c, enrol_id = :e, updated_at = :n",
        condition=f"{_EXISTS} AND attribute_not_exists(account_created)",
        values_={":t": True, ":c": enrolment_code, ":e": enrolment_id, ":n": dynamo.now()})


def enrolment_code_reissued_action(application_id: str, *, enrolment_id: str) -> Action:
    """The application's new enrolment code recorded (the old one's code off the item)."""
    return dynamo.update_action(
        _table(), _key(application_id),
        "SET enrol_id = :e, reissued_at = :n, updated_at = :n REMOVE enrolment_code",
        condition=_EXISTS, values_={":e": enrolment_id, ":n": dynamo.now()})


# --- references ---------------------------------------------------------------------------

def reference_taken(reference: str) -> bool:
    return dynamo.get(_table(), _ref_key(reference)) is not None


def application_of_reference(reference: str) -> str | None:
    item = dynamo.get(_table(), _ref_key(reference))
    return str(item["application_id"]) if item else None


# --- idempotency keys ---------------------------------------------------------------------

def idempotency_id(principal: str, idempotency_key: str) -> str:
    """Where the key ``idempotency_key`` of ``principal`` is kept (what the other functions
    take)."""
    digest = hashlib.sha256(f"{principal}|{idempotency_key}".encode()).hexdigest()
    return f"idem#{digest}"


def idempotent_request(idempotency_id: str) -> dict[str, Any] | None:
    """``{"application_id", "digest"}`` of the request first seen with this key, or None."""
    item = dynamo.get(_table(), {"pk": idempotency_id, "sk": "idem"}, consistent=True)
    if item is None:
        return None
    return {"application_id": item.get("application_id"), "digest": item.get("digest")}


# --- counters -----------------------------------------------------------------------------

def count_in_window(scope: str, subject: str, window_seconds: int, ttl: int) -> int:
    """Add one to the counter of ``subject`` in the current window; returns the new count."""
    now = dynamo.now()
    start = now - now % window_seconds
    digest = hashlib.sha256(f"{scope}|{subject}".encode()).hexdigest()[:32]
    item = dynamo.update(_table(), {"pk": f"limit#{scope}#{digest}#{start}", "sk": "n"},
                         "ADD n :one SET expires_at = :end",
                         values_={":one": 1, ":end": start + window_seconds + ttl})
    return int((item or {}).get("n", 0))


def applications_per_hkid_today(hkid_hash: str, application_id: str) -> int:
    """Record this application against the HKID's keyed hash for today; how many there are
    (replaying the step does not count it twice)."""
    day = time.strftime("%Y-%m-%d", time.gmtime())
    item = dynamo.update(_table(), {"pk": f"hkid-day#{hkid_hash}#{day}", "sk": "n"},
                         "ADD apps :app SET expires_at = :end",
                         values_={":app": {application_id}, ":end": dynamo.now() + 2 * 24 * 3600})
    return len((item or {}).get("apps", ()))


# --- review queue and outbox --------------------------------------------------------------

def _position(at: int, application_id: str) -> str:
    return f"{at:012d}#{application_id}"


def _partition(pk: str, limit: int) -> list[dict[str, Any]]:
    return [i for i in dynamo.query(_table(), ("pk", pk), limit=limit) if _live(i)]


def enqueue_review(application: Mapping[str, Any], *, opened_at: int, escalated: bool) -> str:
    """Put the application on the reviewers' queue (and off its earlier place there, when
    an escalation reopens it); returns its place (``dequeue_review``)."""
    application_id = str(application["application_id"])
    place = _position(opened_at, application_id)
    dynamo.put(_table(), {
        "pk": _REVIEW, "sk": place, "application_id": application_id,
        "reason": application.get("reason"), "channel": application.get("channel"),
        "escalated": escalated, "opened_at": opened_at,
        "expires_at": application["expires_at"]})
    previous = application.get("review_sk")
    if previous and previous != place:
        dequeue_review(str(previous))
    return place


def dequeue_review(place: str) -> None:
    dynamo.delete(_table(), {"pk": _REVIEW, "sk": place})


def review_queue(limit: int = 100) -> list[dict[str, Any]]:
    """Applications waiting for a reviewer, oldest first: ``application_id``, ``reason``,
    ``channel``, ``escalated``, ``opened_at``."""
    return [{k: v for k, v in i.items() if k not in ("pk", "sk", "expires_at")}
            for i in _partition(_REVIEW, limit)]


def add_to_outbox(application: Mapping[str, Any], message: Mapping[str, Any], *,
                  decided_at: int) -> bool:
    """Keep one notification of the application (``message``: channel, destination,
    language, text); False when it was kept before (a replayed step: nothing is written)."""
    application_id = str(application["application_id"])
    entry = {**message, "pk": _OUTBOX, "sk": _position(decided_at, application_id),
             "application_id": application_id, "created_at": dynamo.now(),
             "expires_at": application["expires_at"]}
    return dynamo.put(_table(), entry, condition=_NEW)


def outbox(limit: int = 100) -> list[dict[str, Any]]:
    """The newest notifications first: ``application_id``, ``channel``, ``destination``,
    ``text``, ``created_at``."""
    items = _partition(_OUTBOX, 1000)
    items.sort(key=lambda i: str(i["sk"]), reverse=True)
    return [{"application_id": i["application_id"], "channel": i["channel"],
             "destination": i["destination"], "text": i["text"],
             "created_at": i["created_at"]} for i in items[:limit]]
