"""Lambda entry points of registration: the SQS drainer and the workflow's tasks
(statemachines/registration.asl.json).

Thin: read the event, call ``iamsmart.registration.workflow``, answer with small values.
Events and answers carry the application id and outcomes only, never personal data. Domain
errors the ASL retries (``Unavailable``) keep their class name as Lambda's ``errorType``.
"""

from __future__ import annotations

from typing import Any

from iamsmart import errors
from iamsmart.observability import count, logger, metrics
from iamsmart.registration import workflow

log = logger()


def _application(event: Any) -> str:
    application_id = event.get("application_id") if isinstance(event, dict) else None
    if not isinstance(application_id, str) or not application_id:
        raise errors.InvalidInput(en="The task input needs an application id.",
                                  tc="工作輸入缺少申請編號。")
    execution = event.get("execution")
    log.append_keys(application_id=application_id,
                    **({"execution_id": str(execution)} if execution else {}))
    return application_id


def _task(step: Any) -> Any:
    @metrics().log_metrics
    @log.inject_lambda_context(clear_state=True)
    def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
        result: dict[str, Any] = step(_application(event), event)
        log.info("registration step done", extra={"step": step.__name__.lstrip("_"), **{
            f"result_{k}": v for k, v in result.items() if isinstance(v, str | bool)}})
        return result

    run.__name__ = step.__name__
    return run


def _validate(app: str, event: dict[str, Any]) -> dict[str, Any]:
    return workflow.validate(app)


def _duplicate_check(app: str, event: dict[str, Any]) -> dict[str, Any]:
    return workflow.duplicate_check(app)


def _evidence(app: str, event: dict[str, Any]) -> dict[str, Any]:
    return workflow.evidence(app)


def _immigration(app: str, event: dict[str, Any]) -> dict[str, Any]:
    return workflow.immigration(app)


def _face(app: str, event: dict[str, Any]) -> dict[str, Any]:
    return workflow.face(app)


def _decide(app: str, event: dict[str, Any]) -> dict[str, Any]:
    return workflow.decide(app)


def _open_review(app: str, event: dict[str, Any]) -> dict[str, Any]:
    token = event.get("task_token")
    if not isinstance(token, str) or not token:
        raise errors.InvalidInput(en="The review task needs its task token.",
                                  tc="審核工作缺少工作憑證。")
    return workflow.open_review(app, token, bool(event.get("escalated")))


def _create_account(app: str, event: dict[str, Any]) -> dict[str, Any]:
    return workflow.create_account(app)


def _finish(app: str, event: dict[str, Any]) -> dict[str, Any]:
    outcome = event.get("outcome")
    if outcome not in ("approved", "rejected"):
        raise errors.InvalidInput(en="Unknown outcome.", tc="不明結果。")
    reason = event.get("reason")
    return workflow.finish(app, outcome, reason if isinstance(reason, str) else None)


def _notify(app: str, event: dict[str, Any]) -> dict[str, Any]:
    return workflow.notify(app)


validate = _task(_validate)
duplicate_check = _task(_duplicate_check)
evidence = _task(_evidence)
immigration = _task(_immigration)
face = _task(_face)
decide = _task(_decide)
open_review = _task(_open_review)
create_account = _task(_create_account)
finish = _task(_finish)
notify = _task(_notify)


# --- the drainer: SQS → StartExecution ----------------------------------------------------

def _machine_arn(source_arn: str) -> str:
    from iamsmart.settings import settings

    configured = settings().registration_state_machine_arn
    if configured:
        return configured
    # arn:aws:sqs:<region>:<account>:<queue> → the machine of the same account and region.
    parts = source_arn.split(":")
    if len(parts) < 6:
        raise errors.InvalidInput(en="Unknown event source.", tc="不明事件來源。")
    return f"arn:aws:states:{parts[3]}:{parts[4]}:stateMachine:{workflow.STATE_MACHINE_NAME}"


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

    failures = []
    started = 0
    for record in event.get("Records", []):
        try:
            body = json.loads(record.get("body") or "{}")
            application_id = body.get("application_id")
            if not applications.valid_id(application_id):
                log.warning("drain: malformed message dropped")
                continue
            arn = _machine_arn(str(record.get("eventSourceARN", "")))
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
        count("RegistrationStarted", value=started)
    return {"batchItemFailures": failures}
