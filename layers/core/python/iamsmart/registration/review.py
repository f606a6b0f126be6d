"""Manual review for staff: the queue, one application with its evidence, the decision.

The workflow waits on a task token (``.waitForTaskToken``) while an application is in review;
the staff decision ends the wait: approve → ``SendTaskSuccess``, reject → ``SendTaskFailure``
(error ``ReviewRejected``). The token is taken off the item first (conditionally), so two
reviewers deciding at once cannot both succeed. Every decision records the staff id and the
reason; the applicant is never told the reason (it may reveal that an account exists).
"""

from __future__ import annotations

import base64
import json
from typing import Any, Literal

from iamsmart import errors
from iamsmart.metrics import Metric
from iamsmart.registration import applications, dal
from iamsmart.sites import logic as sites

MAX_REASON = 500


class NotInReview(errors.Conflict):
    code = "not_in_review"
    en = "This application is not waiting for a review."
    tc = "此申請並非正在等候審核。"


def pending(limit: int = 100) -> list[dict[str, Any]]:
    """Applications waiting for a reviewer, oldest first (escalated ones flagged)."""
    items = dal.review_queue(limit)
    return [{"application_id": i["application_id"],
             "reference": applications.reference_of(str(i["application_id"])),
             "reason": i.get("reason"),
             "channel": i.get("channel"), "escalated": bool(i.get("escalated")),
             "opened_at": i.get("opened_at")} for i in items]


def detail(application_id: str) -> dict[str, Any]:
    """What a reviewer needs: the step summaries and flags, the particulars (from the chip or
    as declared) and the images, while they exist (deleted at the decision)."""
    item = applications.get(application_id)
    if item is None:
        raise errors.NotFound()
    payload_raw = applications.get_object(application_id, "evidence.json")
    evidence: dict[str, Any] | None = None
    particulars: dict[str, Any] | None = None
    if payload_raw is not None:
        payload = json.loads(payload_raw)
        from iamsmart.registration.workflow import _particulars

        try:
            particulars = _particulars(application_id).as_dict()
        except (errors.InvalidInput, ValueError, KeyError):
            particulars = None
        if payload.get("kind") == "card_photo":
            evidence = {"kind": "card_photo", "photo": payload.get("photo")}
        else:
            evidence = {"kind": "chip", "photo": (payload.get("data_groups") or {}).get("2")}
    images = {}
    for name in ("selfie", "reference"):
        data = applications.get_object(application_id, name)
        images[name] = base64.b64encode(data).decode() if data is not None else None
    steps = item.get("steps") or {}
    return {
        "application_id": application_id,
        "reference": applications.reference_of(application_id), "status": item.get("status"),
        "channel": item.get("channel"), "site": sites.describe(item.get("site")),
        "officer": item.get("officer"),
        "received_at": item.get("received_at"), "reason": item.get("reason"),
        "level": item.get("level"), "escalated": bool(item.get("escalated")),
        "flags": {"duplicate_hkid": bool(item.get("duplicate")),
                  "hkid_limited": bool(item.get("hkid_limited"))},
        "checks": {"evidence": item.get("evidence_outcome"),
                   "immigration": item.get("immigration"),
                   "face": _plain(item.get("face"))},
        "consent": item.get("consent"),
        "steps": sorted(steps, key=lambda s: applications.STEPS.index(s)
                        if s in applications.STEPS else 99),
        "particulars": particulars, "evidence": evidence,
        "selfie": images["selfie"], "reference_photo": images["reference"],
        "review": item.get("review_decision"),
    }


def _plain(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Decimal | float):
        return float(value)
    return value


def decide(application_id: str, decision: Literal["approve", "reject"], reason: str,
           staff: str) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    from iamsmart import aws
    from iamsmart.observability import count, logger

    reason = " ".join(reason.split())[:MAX_REASON]
    if not reason:
        raise errors.InvalidInput(en="A reason is required.", tc="必須提供理由。")
    item = applications.get(application_id)
    if item is None:
        raise errors.NotFound()
    token = item.get("review_token")
    if item.get("status") != "review" or not token:
        raise NotInReview()
    record = {"decision": decision, "reason": reason, "staff": staff, "at": applications.now()}
    taken = dal.take_review_token(
        application_id, token, {"review_decision": record},
        steps={"review": applications.step_record(decision=decision, staff=staff)})
    if taken is None:
        raise NotInReview()
    client = aws.client("stepfunctions")
    try:
        if decision == "approve":
            client.send_task_success(taskToken=token, output=json.dumps(
                {"decision": "approve", "staff": staff}))
        else:
            client.send_task_failure(taskToken=token, error="ReviewRejected",
                                     cause="rejected by staff")
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
            raise NotInReview() from None
        # Put the token back: the decision did not reach the workflow.
        dal.update_application(application_id, {"review_token": token},
                               remove=("review_decision",))
        raise errors.Unavailable(operation="send_task") from None
    if item.get("review_sk"):  # off the reviewers' list now, not when the workflow ends
        dal.dequeue_review(str(item["review_sk"]))
    count(Metric.REGISTRATION_REVIEWED, decision=decision)
    logger().info("registration reviewed", extra={"application_id": application_id,
                                                  "decision": decision, "staff": staff})
    return {"application_id": application_id, "decision": decision}
