"""Registration applications: the items of the ``applications`` table and the evidence objects
in the evidence bucket.

Items (partition key ``pk``, sort key ``sk``; every item has ``expires_at``, DynamoDB's TTL):

- ``<application id>`` / ``application``: one application through its life: channel, where
  it was taken (the site: kiosk, post-office counter or mobile team) and by which officer,
  consent, contact, the result of each step (summaries only: outcomes, check names, never
  particulars), the decision, the review task token while a review is open, the account id,
  the enrolment code until the applicant has been shown it. Never the HKID number: only its
  keyed hash.
- ``idem#<channel principal>#<sha256 of the key>`` / ``idem``: an ``Idempotency-Key`` seen,
  with the application it created and the SHA-256 of the request body;
- ``review`` / ``<opened at>#<application id>``: the manual-review queue (staff console);
- ``outbox`` / ``<decided at>#<application id>``: notifications (the local stand-in for SNS);
- ``hkid-day#<keyed hash>#<day>`` / ``n``: the applications per HKID per day (a string set
  of application ids: a replayed step adds nothing);
- ``limit#<scope>#<digest>#<hour>`` / ``n``: intake counters per source address or key;
- ``ref#<reference>`` / ``ref``: the application's short reference (``reference_of``), written
  with the application in one transaction, so that no two applications share one.

Images and the chip data live in S3 under ``applications/<application id>/`` only until the
decision (the bucket's lifecycle is the backstop); items and messages carry their keys.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable, Mapping
from typing import Any

from iamsmart.identity import store
from iamsmart.settings import settings

APPLICATION = "application"
REVIEW_PK = "review"
OUTBOX_PK = "outbox"
ID_PREFIX = "app_"

# The steps of every application, in order (the status page's progress bar).
STEPS = ("received", "validated", "duplicate_check", "evidence", "immigration", "face",
         "decision", "review", "account", "notified")


def now() -> int:
    return int(time.time())


def new_id() -> str:
    """Unguessable (144 random bits); also the Step Functions execution name (≤ 80 chars)."""
    return ID_PREFIX + secrets.token_urlsafe(18)


# The short reference: letters and digits that cannot be mistaken for one another when read
# aloud or copied by hand (no 0/O, 1/I/L, U/V, 5/S, 2/Z, 8/B), in two groups of four.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTWXY34679"
REFERENCE_LENGTH = 8
REF_PREFIX = "ref#"


def reference_of(application_id: str) -> str:
    """The application's short reference, derived from its id (``K7QM-4TXR``-like): what an
    applicant reads to a contact centre or a counter. Not a secret and not a way to open the
    application: the id (in the status link) is. Unique: intake refuses to write a second
    application with a reference already taken (``REF_PREFIX`` items)."""
    value = int.from_bytes(hashlib.sha256(application_id.encode()).digest()[:8], "big")
    chars = []
    for _ in range(REFERENCE_LENGTH):
        value, index = divmod(value, len(REFERENCE_ALPHABET))
        chars.append(REFERENCE_ALPHABET[index])
    text = "".join(chars)
    return f"{text[:4]}-{text[4:]}"


def normalise_reference(text: object) -> str | None:
    """A reference as typed (any case, spaces, with or without the hyphen), or None."""
    if not isinstance(text, str) or len(text) > 20:
        return None
    compact = "".join(text.split()).replace("-", "").upper()
    if len(compact) != REFERENCE_LENGTH or any(c not in REFERENCE_ALPHABET for c in compact):
        return None
    return f"{compact[:4]}-{compact[4:]}"


def reference_taken(reference: str) -> bool:
    return store.get(_table(), {"pk": REF_PREFIX + reference, "sk": "ref"}) is not None


def application_of_reference(reference: str) -> str | None:
    item = store.get(_table(), {"pk": REF_PREFIX + reference, "sk": "ref"})
    return str(item["application_id"]) if item else None


def valid_id(application_id: object) -> bool:
    return (isinstance(application_id, str) and application_id.startswith(ID_PREFIX)
            and 20 <= len(application_id) <= 40
            and all(c.isalnum() or c in "-_" for c in application_id))


def _table() -> str:
    return settings().applications_table


def retention_end(start: int | None = None) -> int:
    return (start or now()) + settings().registration_retention_days * 24 * 3600


def key(application_id: str) -> dict[str, str]:
    return {"pk": application_id, "sk": APPLICATION}


def get(application_id: str, *, consistent: bool = True) -> dict[str, Any] | None:
    if not valid_id(application_id):
        return None
    item = store.get(_table(), key(application_id), consistent=consistent)
    if item is None or int(item.get("expires_at", 0)) < now():
        return None  # TTL deletes late: an expired item is gone for every reader
    return item


def put_action(values: Mapping[str, Any], *, condition: str = "attribute_not_exists(pk)"
               ) -> dict[str, Any]:
    return {"Put": {"TableName": _table(), "Item": store.to_item(values),
                    "ConditionExpression": condition}}


def update(application_id: str, fields: Mapping[str, Any], *, remove: Iterable[str] = (),
           steps: Mapping[str, Mapping[str, Any]] | None = None,
           condition: str | None = None, values: Mapping[str, Any] | None = None,
           names_: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """SET ``fields`` (and ``steps.<name>``), REMOVE ``remove``; None when ``condition``
    fails. Always sets ``updated_at``."""
    names: dict[str, str] = dict(names_ or {})
    vals: dict[str, Any] = dict(values or {})
    sets = ["#updated_at = :updated_at"]
    names["#updated_at"] = "updated_at"
    vals[":updated_at"] = now()
    for i, (name, value) in enumerate(fields.items()):
        names[f"#f{i}"] = name
        vals[f":f{i}"] = value
        sets.append(f"#f{i} = :f{i}")
    if steps:
        names["#steps"] = "steps"
        for i, (step, record) in enumerate(steps.items()):
            names[f"#s{i}"] = step
            vals[f":s{i}"] = dict(record)
            sets.append(f"#steps.#s{i} = :s{i}")
    expression = "SET " + ", ".join(sets)
    removed = []
    for i, name in enumerate(remove):
        names[f"#r{i}"] = name
        removed.append(f"#r{i}")
    if removed:
        expression += " REMOVE " + ", ".join(removed)
    base = "attribute_exists(pk)"
    return store.update(_table(), key(application_id), expression,
                        condition=f"{base} AND ({condition})" if condition else base,
                        names=names, values_=vals)


def step_record(**extra: Any) -> dict[str, Any]:
    return {"at": now(), **{k: v for k, v in extra.items() if v is not None}}


# --- idempotency keys ---------------------------------------------------------------------

def idempotency_pk(principal: str, idempotency_key: str) -> str:
    digest = hashlib.sha256(f"{principal}|{idempotency_key}".encode()).hexdigest()
    return f"idem#{digest}"


def get_idempotent(pk: str) -> dict[str, Any] | None:
    return store.get(_table(), {"pk": pk, "sk": "idem"}, consistent=True)


# --- counters -----------------------------------------------------------------------------

def count_in_window(scope: str, subject: str, window_seconds: int, ttl: int) -> int:
    """Add one to the counter of ``subject`` in the current window; returns the new count."""
    start = now() - now() % window_seconds
    digest = hashlib.sha256(f"{scope}|{subject}".encode()).hexdigest()[:32]
    item = store.update(_table(), {"pk": f"limit#{scope}#{digest}#{start}", "sk": "n"},
                        "ADD n :one SET expires_at = :end",
                        values_={":one": 1, ":end": start + window_seconds + ttl})
    return int((item or {}).get("n", 0))


def applications_per_hkid_today(hkid_hash: str, application_id: str) -> int:
    """Record this application against the HKID's keyed hash for today; how many there are
    (replaying the step does not count it twice)."""
    day = time.strftime("%Y-%m-%d", time.gmtime())
    item = store.update(_table(), {"pk": f"hkid-day#{hkid_hash}#{day}", "sk": "n"},
                        "ADD apps :app SET expires_at = :end",
                        values_={":app": {application_id}, ":end": now() + 2 * 24 * 3600})
    return len((item or {}).get("apps", ()))


# --- review queue and outbox --------------------------------------------------------------

def review_sk(opened_at: int, application_id: str) -> str:
    return f"{opened_at:012d}#{application_id}"


def list_partition(pk: str, limit: int = 100) -> list[dict[str, Any]]:
    items = store.query(_table(), ("pk", pk), limit=limit)
    return [i for i in items if int(i.get("expires_at", 0)) >= now()]


# --- evidence objects (S3) ----------------------------------------------------------------

def _s3() -> Any:
    from iamsmart import aws

    return aws.client("s3")


def object_key(application_id: str, name: str) -> str:
    return f"applications/{application_id}/{name}"


def put_object(application_id: str, name: str, data: bytes) -> str:
    from iamsmart import aws

    object_name = object_key(application_id, name)
    aws.guarded("s3", "put_object", lambda: _s3().put_object(
        Bucket=settings().evidence_bucket, Key=object_name, Body=data,
        ServerSideEncryption="AES256"))
    return object_name


def get_object(application_id: str, name: str) -> bytes | None:
    from botocore.exceptions import ClientError

    from iamsmart import aws

    def read() -> bytes | None:
        try:
            answer = _s3().get_object(Bucket=settings().evidence_bucket,
                                      Key=object_key(application_id, name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return bytes(answer["Body"].read())

    return aws.guarded("s3", "get_object", read)


def delete_objects(application_id: str) -> int:
    """Delete every object of the application (idempotent); how many there were."""
    from iamsmart import aws

    bucket = settings().evidence_bucket
    prefix = object_key(application_id, "")
    listed = aws.guarded("s3", "list_objects_v2", lambda: _s3().list_objects_v2(
        Bucket=bucket, Prefix=prefix))
    keys = [{"Key": o["Key"]} for o in listed.get("Contents", [])]
    if keys:
        aws.guarded("s3", "delete_objects", lambda: _s3().delete_objects(
            Bucket=bucket, Delete={"Objects": keys, "Quiet": True}))
    return len(keys)
