"""Liveness sessions: created by us, single use, bound to one step-up (citizen + login
transaction) or one registration (applicant nonce), short-lived, captured in the app, and
their result read server side.

Face Liveness needs a video selfie streamed by the client with the Face Liveness SDK, so the
capture is handed to the app (the 2023 plan: the phone captures the face live). The page
that needs it gets a session with a hand-off: a QR code and a same-device link
(``iamsmart://liveness?session=<id>&k=<secret>``) and a 2-digit number; a step-up's session is
also listed for the citizen's enrolled devices. The app (``/v1/device/liveness/...``):

1. ``device_view``: what the session is for, and three numbers to choose from;
2. ``start`` with the number shown on the page (three wrong numbers close the session): in
   AWS we create the Rekognition Face Liveness session (``CreateFaceLivenessSession``) and give
   the app Rekognition's session id and short-lived credentials (STS ``AssumeRole`` of the
   liveness client role with a session policy: ``rekognition:StartFaceLivenessSession`` and
   nothing else, for 15 minutes); locally no engine can evaluate liveness and nothing is
   issued (``evaluated: false``);
3. the app streams the video to Rekognition (the real app; the device simulator cannot);
4. ``captured``: the app reports the capture finished; the step-up then runs its check
   (faces.stepup), a registration's page sends its application (registration.liveness).

``consume`` is one conditional write: unknown, expired, used, another citizen's or another
transaction's session are all refused alike (THREATS 24); the result is read server side
(``GetFaceLivenessSessionResults``: status, confidence, and the reference image the 1:1
match then uses, so the matched face is the one that passed liveness). Locally the result
says ``not_evaluated``, never more; a session Rekognition never saw is never a pass.

Our record (sessions table, ``faces.dal``): purpose, the account
(or ``registration:applicant``), the transaction (or the applicant nonce), ``k``, the number
and its decoys, ``wrong`` (wrong numbers), ``started_at``/``started_by``, the engine's session
id, ``captured_at``, ``outcome`` (a step-up's result, for the page), ``expires_at``
(``face_liveness_seconds``), ``used_at`` once consumed. A step-up's session is also listed
for the citizen's app.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from iamsmart import errors
from iamsmart.faces import dal
from iamsmart.faces.engine import engine_for
from iamsmart.settings import Settings, settings

Evaluated = Literal["evaluated", "not_evaluated"]
Purpose = Literal["stepup", "registration"]
MAX_WRONG_NUMBERS = 3
# STS's shortest session; the app needs the credentials only while it streams (≈ 10 s).
CREDENTIAL_SECONDS = 900
# The session policy of the liveness client's credentials: this one action and nothing else
# (it takes no resource ARN in IAM; the session is bound on our side).
CLIENT_ACTIONS = ("rekognition:StartFaceLivenessSession",)
CLIENT_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": list(CLIENT_ACTIONS), "Resource": "*"}]}


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


class LivenessWrongNumber(errors.Forbidden):
    code = "wrong_number"
    en = "The number does not match the one shown on the page."
    tc = "所選號碼與頁面顯示的號碼不符。"


@dataclass(frozen=True)
class LivenessResult:
    liveness: Evaluated
    confidence: float | None  # 0..1 when evaluated
    passed: bool  # evaluated and at or above the threshold; True when not evaluated
    reference_image: bytes | None = field(default=None, repr=False)  # AWS: the live frame


def _valid_id(session_id: object) -> bool:
    return (isinstance(session_id, str) and 16 <= len(session_id) <= 64
            and all(c.isalnum() or c in "-_" for c in session_id))


def qr_payload(session_id: str, k: str) -> str:
    return "iamsmart://liveness?" + urlencode({"session": session_id, "k": k})


def _choices() -> tuple[int, list[int]]:
    number = 10 + secrets.randbelow(90)
    choices = [number]
    while len(choices) < 3:
        decoy = 10 + secrets.randbelow(90)
        if decoy not in choices:
            choices.append(decoy)
    secrets.SystemRandom().shuffle(choices)
    return number, choices


def create(account_id: str, txn_id: str, *, purpose: Purpose = "stepup",
           cfg: Settings | None = None) -> dict[str, Any]:
    """A new session for this citizen's step-up of this login transaction (or, with
    ``purpose="registration"``, for the applicant nonce ``txn_id``), with its hand-off to the
    app. Nothing is asked of Rekognition yet: its session starts when the app is ready."""
    import segno

    cfg = cfg or settings()
    ours = secrets.token_urlsafe(18)
    k = secrets.token_urlsafe(16)
    number, choices = _choices()
    now = int(time.time())
    expires_at = now + cfg.face_liveness_seconds
    dal.create_liveness_session(ours, purpose=purpose, account_id=account_id, txn_id=txn_id,
                                engine=cfg.face_engine, k=k, number=number, choices=choices,
                                created_at=now, expires_at=expires_at,
                                listed=purpose == "stepup")
    payload = qr_payload(ours, k)
    return {"liveness_session": ours, "expires_in": cfg.face_liveness_seconds,
            "evaluated": engine_for(cfg).evaluates_liveness,
            "handoff": {"number": number, "app_link": payload,
                        "qr": {"payload": payload,
                               "svg": segno.make(payload, error="m").svg_data_uri(scale=5,
                                                                                  border=2)}}}


# --- the app's side ----------------------------------------------------------------------

def _live(session_id: object, k: object, account_id: str | None) -> dict[str, Any]:
    """The session the app may act on: right secret, not expired, not used, and a step-up's
    only for a device of its own citizen. Every refusal reads the same."""
    if not _valid_id(session_id) or not isinstance(k, str) or not k:
        raise LivenessRefused()
    item = dal.liveness_session(str(session_id))
    if (item is None or not item.get("k")
            or not hmac.compare_digest(str(item["k"]), k) or item.get("used_at")
            or int(item["expires_at"]) <= int(time.time())
            or int(item.get("wrong") or 0) >= MAX_WRONG_NUMBERS):
        raise LivenessRefused()
    if item.get("purpose", "stepup") == "stepup" and item["account_id"] != account_id:
        raise LivenessRefused()
    return item


def purpose_of(session_id: object, k: object, account_id: str | None) -> tuple[Purpose, str]:
    """(purpose, bound transaction or nonce) of a session the app may act on."""
    item = _live(session_id, k, account_id)
    return item.get("purpose", "stepup"), str(item["txn_id"])


def pending_for(account_id: str) -> list[dict[str, Any]]:
    """Step-up sessions waiting for this citizen's app (not started, not expired)."""
    now = int(time.time())
    waiting = [{"liveness_session": ours, "k": i["k"],
                "purpose": i.get("purpose", "stepup"), "expires_in": int(i["expires_at"]) - now}
               for ours, i in dal.listed_sessions(account_id, now) if not i.get("started_at")
               and not i.get("used_at") and int(i["expires_at"]) > now
               and i.get("account_id") == account_id]
    return sorted(waiting, key=lambda w: -int(w["expires_in"]))


def device_view(session_id: object, k: object, account_id: str | None) -> dict[str, Any]:
    """What the app shows before it starts: the purpose and three numbers to choose from."""
    item = _live(session_id, k, account_id)
    if item.get("started_at"):
        raise LivenessRefused()
    return {"liveness_session": str(session_id), "purpose": item.get("purpose", "stepup"),
            "choices": [int(c) for c in item["choices"]],
            "expires_in": int(item["expires_at"]) - int(time.time())}


def start(session_id: object, k: object, number: int, *, account_id: str | None, device: str,
          cfg: Settings | None = None, client: Any | None = None,
          sts: Any | None = None) -> dict[str, Any]:
    """The app starts the capture with the number shown on the page: in AWS Rekognition's
    session id and credentials for ``StartFaceLivenessSession`` only. Once per session."""
    cfg = cfg or settings()
    item = _live(session_id, k, account_id)
    ours = str(session_id)
    now = int(time.time())
    started = dal.mark_started(ours, k=str(item["k"]), number=int(number), device=device,
                               at=now, max_wrong=MAX_WRONG_NUMBERS)
    if started is None:
        if item.get("started_at") or int(number) == int(item["number"]):
            raise LivenessRefused()  # started already (by this or another app), or raced
        wrong = dal.count_wrong_number(ours)
        left = max(0, MAX_WRONG_NUMBERS - int((wrong or {}).get("wrong", MAX_WRONG_NUMBERS)))
        raise LivenessWrongNumber(remaining=left)
    answer: dict[str, Any] = {"liveness_session": ours, "evaluated": False,
                              "expires_in": int(started["expires_at"]) - now}
    if not engine_for(cfg).evaluates_liveness:
        return answer  # the configured engine cannot evaluate liveness: nothing to stream to
    try:
        engine_session = _engine_session(ours, cfg, client)
        credentials = client_credentials(ours, cfg, sts)
    except errors.DomainError:
        # Nothing half-done: the app may start the same session again once AWS answers.
        dal.unmark_started(ours)
        raise
    dal.set_engine_session(ours, engine_session)
    return {**answer, "evaluated": True, "engine_session": engine_session,
            "region": cfg.rekognition_region, "credentials": credentials}


def _engine_session(ours: str, cfg: Settings, client: Any | None) -> str:
    from iamsmart.aws import client as aws_client
    from iamsmart.aws import guarded

    rek = client or aws_client("rekognition")
    answer = guarded("rekognition", "create_face_liveness_session",
                     lambda: rek.create_face_liveness_session(
                         ClientRequestToken=ours, Settings={"AuditImagesLimit": 0}))
    return str(answer["SessionId"])


def client_role_arn(cfg: Settings) -> str:
    if cfg.liveness_client_role_arn:
        return cfg.liveness_client_role_arn
    from iamsmart import aws

    account = aws.call("sts", "get_caller_identity")["Account"]
    return f"arn:aws:iam::{account}:role/{cfg.liveness_client_role_name}"


def client_credentials(ours: str, cfg: Settings, sts: Any | None = None) -> dict[str, str]:
    """Short-lived credentials that allow exactly ``StartFaceLivenessSession`` (the role's
    policy, narrowed again by the session policy); never logged."""
    from iamsmart.aws import client as aws_client
    from iamsmart.aws import guarded

    sts = sts or aws_client("sts")
    answer = guarded("sts", "assume_role", lambda: sts.assume_role(
        RoleArn=client_role_arn(cfg), RoleSessionName=f"liveness-{ours}"[:64],
        DurationSeconds=CREDENTIAL_SECONDS, Policy=json.dumps(CLIENT_POLICY)))
    creds = answer["Credentials"]
    expiration = creds["Expiration"]
    return {"access_key_id": str(creds["AccessKeyId"]),
            "secret_access_key": str(creds["SecretAccessKey"]),
            "session_token": str(creds["SessionToken"]),
            "expiration": expiration.isoformat() if hasattr(expiration, "isoformat")
            else str(expiration)}


def captured(session_id: object, k: object, account_id: str | None) -> dict[str, Any]:
    """The app says the capture finished (the result is still read server side, later)."""
    item = _live(session_id, k, account_id)
    done = dal.mark_captured(str(session_id), int(time.time()))
    if done is None:
        raise LivenessRefused()
    return {**item, **done}


def record_outcome(session_id: str, outcome: dict[str, Any]) -> None:
    """A step-up's outcome, for the page that handed the capture to the app."""
    dal.set_outcome(session_id, outcome)


def state(session_id: object, txn_id: str) -> dict[str, Any]:
    """Where the hand-off stands, for the page bound to ``txn_id`` (its transaction or
    applicant nonce): ``waiting``, ``started``, ``captured``, ``used``, or the step-up's
    outcome; ``expired``; unknown or another's reads as ``expired``."""
    item = dal.liveness_session(str(session_id)) if _valid_id(session_id) else None
    if item is None or item.get("txn_id") != txn_id:
        return {"state": "expired"}
    if item.get("outcome"):
        return dict(item["outcome"])
    if item.get("used_at"):
        return {"state": "used"}
    if int(item["expires_at"]) <= int(time.time()) or \
            int(item.get("wrong") or 0) >= MAX_WRONG_NUMBERS:
        return {"state": "expired"}
    for name in ("captured", "started"):
        if item.get(f"{name}_at"):
            return {"state": name}
    return {"state": "waiting"}


# --- the platform's side -----------------------------------------------------------------

def consume(session_id: object, account_id: str, txn_id: str, *,
            cfg: Settings | None = None, client: Any | None = None) -> LivenessResult:
    """Use the session once for this citizen and transaction; read its result server side."""
    cfg = cfg or settings()
    if not _valid_id(session_id):
        raise LivenessRefused()
    item = dal.mark_used(str(session_id), account_id=account_id, txn_id=txn_id,
                         at=int(time.time()))
    if item is None:
        raise LivenessRefused()
    if not item.get("engine_session"):
        # No engine session: the engine cannot evaluate liveness, or the app never started
        # it. Nothing passed liveness, and nothing says it did (a step-up with an engine that
        # evaluates liveness refuses this).
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
