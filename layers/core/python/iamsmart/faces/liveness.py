"""Liveness sessions: created by us, single use, bound to one step-up and one citizen,
short-lived, and their result read server side.

In AWS a session is a Rekognition Face Liveness session (``CreateFaceLivenessSession``;
the browser streams the video challenge to Rekognition with the session id only; we read
``GetFaceLivenessSessionResults`` ourselves: status, confidence, and the reference image that
the 1:1 match then uses, so the matched face is the one that passed liveness). Locally no
engine can evaluate liveness: the session exists for the same binding and single use, and its
result says ``not_evaluated``, never more.

Our record: sessions table, ``pk = "liveness#<our id>"``, ``sk = "s"``, with the account, the
login transaction, the engine's session id, ``expires_at`` (``face_liveness_seconds``) and
``used_at`` once consumed. ``consume`` is one conditional write: unknown, expired, used,
another citizen's or another transaction's session are all refused alike (THREATS 24).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from iamsmart import errors
from iamsmart.settings import Settings, settings

Evaluated = Literal["evaluated", "not_evaluated"]


class LivenessRefused(errors.Forbidden):
    code = "liveness_session_refused"
    en = ("This liveness check cannot be used (it has expired, was already used, or belongs to "
          "another request). Please start the face check again.")
    tc = "此活體檢測無法使用（已過期、已使用或屬於其他要求）。請重新開始面孔核實。"


class LivenessFailed(errors.Forbidden):
    code = "liveness_failed"
    en = ("The live check did not succeed. Please try again in good light, facing the camera, "
          "and follow the instructions on the screen.")
    tc = "活體檢測未能通過。請在光線充足的地方面向鏡頭，並按畫面指示再試一次。"


@dataclass(frozen=True)
class LivenessResult:
    liveness: Evaluated
    confidence: float | None  # 0..1 when evaluated
    passed: bool  # evaluated and at or above the threshold; True when not evaluated
    reference_image: bytes | None = field(default=None, repr=False)  # AWS: the live frame


def _key(session_id: str) -> dict[str, str]:
    return {"pk": f"liveness#{session_id}", "sk": "s"}


def _valid_id(session_id: object) -> bool:
    return (isinstance(session_id, str) and 16 <= len(session_id) <= 64
            and all(c.isalnum() or c in "-_" for c in session_id))


def create(account_id: str, txn_id: str, *, cfg: Settings | None = None,
           client: Any | None = None) -> dict[str, Any]:
    """A new session for this citizen's step-up of this login transaction."""
    from iamsmart.identity import store

    cfg = cfg or settings()
    ours = secrets.token_urlsafe(18)
    engine_session = None
    if cfg.face_engine == "rekognition":
        from iamsmart.aws import client as aws_client
        from iamsmart.aws import guarded

        rek = client or aws_client("rekognition")
        answer = guarded("rekognition", "create_face_liveness_session",
                         lambda: rek.create_face_liveness_session(
                             ClientRequestToken=ours,
                             Settings={"AuditImagesLimit": 0}))
        engine_session = str(answer["SessionId"])
    now = int(time.time())
    store.put(cfg.sessions_table, {
        **_key(ours), "kind": "liveness", "account_id": account_id, "txn_id": txn_id,
        "engine": cfg.face_engine, "engine_session": engine_session, "created_at": now,
        "expires_at": now + cfg.face_liveness_seconds})
    answer_out: dict[str, Any] = {"liveness_session": ours,
                                  "expires_in": cfg.face_liveness_seconds,
                                  "evaluated": cfg.face_engine == "rekognition"}
    if engine_session:
        # The browser's Face Liveness component needs Rekognition's id (and nothing else).
        answer_out["engine_session"] = engine_session
    return answer_out


def consume(session_id: object, account_id: str, txn_id: str, *,
            cfg: Settings | None = None, client: Any | None = None) -> LivenessResult:
    """Use the session once for this citizen and transaction; read its result server side."""
    from iamsmart.identity import store

    cfg = cfg or settings()
    if not _valid_id(session_id):
        raise LivenessRefused()
    now = int(time.time())
    item = store.update(
        cfg.sessions_table, _key(str(session_id)), "SET used_at = :now",
        condition=("kind = :kind AND attribute_not_exists(used_at) AND account_id = :a "
                   "AND txn_id = :t AND expires_at > :now"),
        values_={":now": now, ":kind": "liveness", ":a": account_id, ":t": txn_id})
    if item is None:
        raise LivenessRefused()
    if item.get("engine") == "local" or not item.get("engine_session"):
        return LivenessResult("not_evaluated", None, True)
    return _rekognition_result(str(item["engine_session"]), cfg, client)


def _rekognition_result(engine_session: str, cfg: Settings, client: Any | None) -> LivenessResult:
    from iamsmart.aws import client as aws_client
    from iamsmart.aws import guarded

    rek = client or aws_client("rekognition")
    answer = guarded("rekognition", "get_face_liveness_session_results",
                     lambda: rek.get_face_liveness_session_results(SessionId=engine_session),
                     {"SessionNotFoundException": LivenessRefused,
                      "AccessDeniedException": LivenessRefused})
    status = answer.get("Status")
    if status != "SUCCEEDED":
        # CREATED / IN_PROGRESS (the video never finished), FAILED, EXPIRED: nothing passed.
        raise LivenessFailed(status=str(status))
    confidence = round(float(answer.get("Confidence", 0.0)) / 100.0, 4)
    image = (answer.get("ReferenceImage") or {}).get("Bytes")
    passed = confidence >= cfg.face_liveness_threshold and bool(image)
    return LivenessResult("evaluated", confidence, passed, image)
