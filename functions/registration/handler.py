"""Lambda entry points of registration: the SQS drainer and the workflow's tasks
(statemachines/registration.asl.json).

Thin: the workflow's tasks go through the one task decorator (``iamsmart.common.tasks``:
event checked, execution and application ids on every log line, metrics) and call
``iamsmart.registration.workflow``, answering with small values.
Events and answers carry the application id and outcomes only, never personal data. Domain
errors the ASL retries (``Unavailable``) keep their class name as Lambda's ``errorType``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iamsmart import errors
from iamsmart.common.tasks import Handler, Step, task
from iamsmart.metrics import Metric
from iamsmart.observability import count, logger, metrics
from iamsmart.registration import workflow

log = logger()

# Every task works on one application; its id goes on every log line.
NEEDS = {"application_id": str}
BIND = ("application_id",)
LOGGED = ("ok", "done", "outcome", "decision", "opened", "created", "notified")


def _task(name: str) -> Callable[[Step], Handler]:
    return task(f"registration-{name}", needs=NEEDS, bind=BIND, logged=LOGGED)


@_task("validate")
def validate(event: dict[str, Any]) -> dict[str, Any]:
    return workflow.validate(event["application_id"])


@_task("duplicate-check")
def duplicate_check(event: dict[str, Any]) -> dict[str, Any]:
    return workflow.duplicate_check(event["application_id"])


@_task("evidence")
def evidence(event: dict[str, Any]) -> dict[str, Any]:
    return workflow.evidence(event["application_id"])


@_task("immigration")
def immigration(event: dict[str, Any]) -> dict[str, Any]:
    return workflow.immigration(event["application_id"])


@_task("face")
def face(event: dict[str, Any]) -> dict[str, Any]:
    return workflow.face(event["application_id"])


@_task("decide")
def decide(event: dict[str, Any]) -> dict[str, Any]:
    return workflow.decide(event["application_id"])


@task("registration-review", needs={**NEEDS, "task_token": str}, bind=BIND, logged=LOGGED)
def open_review(event: dict[str, Any]) -> dict[str, Any]:
    return workflow.open_review(event["application_id"], event["task_token"],
                                bool(event.get("escalated")))


@_task("create-account")
def create_account(event: dict[str, Any]) -> dict[str, Any]:
    return workflow.create_account(event["application_id"])


@_task("finish")
def finish(event: dict[str, Any]) -> dict[str, Any]:
    outcome = event.get("outcome")
    if outcome not in ("approved", "rejected"):
        raise errors.InvalidInput(en="Unknown outcome.", tc="不明結果。")
    reason = event.get("reason")
    return workflow.finish(event["application_id"], outcome,
                           reason if isinstance(reason, str) else None)


@_task("notify")
def notify(event: dict[str, Any]) -> dict[str, Any]:
    return workflow.notify(event["application_id"])


# --- the drainer: SQS → StartExecution ----------------------------------------------------

def _machine_arn() -> str:
    """From configuration alone; not configured: the batch fails and SQS keeps the messages."""
    from iamsmart.settings import settings

    arn = settings().registration_state_machine_arn
    if not arn:
        raise errors.Unavailable(operation="start_execution", reason="not_configured")
    return arn


@metrics().log_metrics
@log.inject_lambda_context(clear_state=True)
def drain(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Start one workflow per queued application. The execution name is the application id:
    a message delivered twice starts nothing twice (``ExecutionAlreadyExists`` is success).
    Failed records are reported (``ReportBatchItemFailures``) and come back later; after
    ``max_receive_count`` attempts they go to the dead-letter queue."""
    import json

    from botocore.exceptions import BotoCoreError, ClientError

    from iamsmart import aws
    from iamsmart.registration import applications

    arn = _machine_arn()
    failures = []
    started = 0
    for record in event.get("Records", []):
        try:
            body = json.loads(record.get("body") or "{}")
            application_id = body.get("application_id")
            if not applications.valid_id(application_id):
                log.warning("drain: malformed message dropped")
                continue
            try:
                aws.client("stepfunctions").start_execution(
                    stateMachineArn=arn, name=application_id,
                    input=json.dumps({"application_id": application_id}))
                started += 1
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                    raise
        except (ClientError, BotoCoreError, ValueError) as exc:
            log.warning("drain: start failed", extra={"error": type(exc).__name__})
            failures.append({"itemIdentifier": record.get("messageId")})
    if started:
        count(Metric.REGISTRATION_STARTED, value=started)
    return {"batchItemFailures": failures}
