"""Registration applications: their ids and short references, the steps every application
goes through, and the evidence objects in the evidence bucket. The application items
themselves (and the review queue, outbox, counters beside them) are ``registration.dal``'s.

Images and the chip data live in S3 under ``applications/<application id>/`` only until the
decision (the bucket's lifecycle is the backstop); items and messages carry their keys.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from iamsmart.registration import dal
from iamsmart.settings import settings

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


def reference_of(application_id: str) -> str:
    """The application's short reference, derived from its id (``K7QM-4TXR``-like): what an
    applicant reads to a contact centre or a counter. Not a secret and not a way to open the
    application: the id (in the status link) is. Unique: intake refuses to write a second
    application with a reference already taken (``dal.reference_taken``)."""
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


def valid_id(application_id: object) -> bool:
    return (isinstance(application_id, str) and application_id.startswith(ID_PREFIX)
            and 20 <= len(application_id) <= 40
            and all(c.isalnum() or c in "-_" for c in application_id))


def retention_end(start: int | None = None) -> int:
    return (start or now()) + settings().registration_retention_days * 24 * 3600


def get(application_id: str, *, consistent: bool = True) -> dict[str, Any] | None:
    """The application (``dal.get_application``), or None: also for what cannot be an id."""
    if not valid_id(application_id):
        return None
    return dal.get_application(application_id, consistent=consistent)


def step_record(**extra: Any) -> dict[str, Any]:
    return {"at": now(), **{k: v for k, v in extra.items() if v is not None}}


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
