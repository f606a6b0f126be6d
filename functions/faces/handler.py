"""Lambda entry points of the face step-up workflow (statemachines/face_stepup.asl.json).

Thin: each task calls ``iamsmart.faces.stepup.task_*`` with the state as it stands, through
the one task decorator (``iamsmart.common.tasks``: event checked, execution id on every log
line, metrics). Events and answers carry ids, decisions and bands only: never an image, a
template or a score log. Domain errors keep their class name as Lambda's ``errorType`` (the
ASL's ``Catch`` hands it to the ``Refused`` state, which reports it to the API by that name).
"""

from __future__ import annotations

from iamsmart.common.tasks import Handler, Step, task
from iamsmart.faces import stepup

# Every task works on one transaction of one account (the machine's input, from the API).
NEEDS = {"txn_id": str, "account_id": str}
LOGGED = ("image", "liveness", "decision", "outcome", "reason", "audited")


def _task(name: str, step: Step) -> Handler:
    return task(f"face-{name}", needs=NEEDS, logged=LOGGED)(step)


validate = _task("validate", stepup.task_validate)
liveness = _task("liveness", stepup.task_liveness)
match = _task("match", stepup.task_match)
decide = _task("decide", stepup.task_decide)
failed = _task("failed", stepup.task_failed)
audit = _task("audit", stepup.task_audit)
discard = _task("discard", stepup.task_discard)
