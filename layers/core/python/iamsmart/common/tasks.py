"""The one decorator of every Step Functions task handler (``functions/*/handler.py``).

``@task("registration-validate", needs={"application_id": str})`` turns a step
``step(event) -> dict`` into the Lambda handler ``(event, context) -> dict`` that, for every
invocation:

- injects the Lambda context into the log (Powertools: function name, request id, cold
  start), with the log's keys cleared between invocations;
- validates the event: a JSON object whose ``execution`` (the Step Functions execution id,
  which every ASL passes from the context object ``$$.Execution.Id``) and every field of
  ``needs`` have their type (strings not empty). Otherwise the task fails with
  ``errors.InvalidInput`` naming the fields that are wrong - never their values - an error
  the ASL's ``Catch`` handles like any other, not a crash with the event in its trace;
- binds the execution id and the event fields named in ``bind`` to every log line of the
  invocation (Powertools ``append_keys``), and logs the result fields named in ``logged``
  (strings, booleans and numbers only) on the line "task done";
- counts ``Metric.WORKFLOW_TASK`` (dimensions ``task``, ``outcome``: ``done``, ``refused``
  for a domain error the workflow handles, ``unavailable`` for a dependency, ``error`` for
  anything else) and, for ``error``, ``Metric.TASK_ERROR`` (alarmed, infra/stacks/ops.py),
  logging the error's type and the code locations of its traceback, never its message (which
  may quote personal data); then flushes Powertools metrics.

Exceptions are re-raised unchanged: their class names are what the ASLs' ``Retry`` and
``Catch`` match. ``task_name(handler)`` is the name a decorated handler was given (``None``
for anything else): the tests check every function of every state machine with it.
"""

from __future__ import annotations

import functools
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from iamsmart import errors
from iamsmart.metrics import Metric
from iamsmart.observability import count, logger, metrics

Event = dict[str, Any]
Step = Callable[[Event], dict[str, Any]]
Handler = Callable[[Event, Any], dict[str, Any]]

EXECUTION = "execution"  # the event field every ASL fills from $$.Execution.Id
_MARK = "__iamsmart_task__"
_LOGGED = (str, bool, int, float)


def task_name(handler: object) -> str | None:
    """The task name of a handler made by ``task``; None for any other callable."""
    name = getattr(handler, _MARK, None)
    return name if isinstance(name, str) else None


def _wrong_fields(event: object, needs: Mapping[str, type | tuple[type, ...]]) -> list[str]:
    if not isinstance(event, dict):
        return ["(event)"]
    wrong = []
    for field, kind in {EXECUTION: str, **needs}.items():
        kinds = kind if isinstance(kind, tuple) else (kind,)
        value = event.get(field)
        if not isinstance(value, kinds) or value == "" or (
                isinstance(value, bool) and bool not in kinds):  # True is an int, not here
            wrong.append(field)
    return wrong


def _outcome(exc: BaseException) -> str:
    if isinstance(exc, errors.Unavailable | errors.UpstreamError):
        return "unavailable"
    if isinstance(exc, errors.DomainError):
        return "refused"
    return "error"


def _locations(exc: BaseException) -> list[str]:
    """Where an exception went through (file, line, function): code, never data."""
    return [f"{frame.filename.rsplit('/', 2)[-1]}:{frame.lineno} {frame.name}"
            for frame in traceback.extract_tb(exc.__traceback__)][-8:]


def task(name: str, *, needs: Mapping[str, type | tuple[type, ...]] | None = None,
         bind: Iterable[str] = (), logged: Iterable[str] = ()) -> Callable[[Step], Handler]:
    """The Lambda handler of one workflow task (see the module's docstring)."""
    required = dict(needs or {})
    bound, shown = tuple(bind), tuple(logged)
    log = logger()

    def decorate(step: Step) -> Handler:
        @functools.wraps(step)
        def run(event: Event, context: Any) -> dict[str, Any]:
            wrong = _wrong_fields(event, required)
            if isinstance(event, dict) and isinstance(event.get(EXECUTION), str):
                log.append_keys(execution_id=event[EXECUTION])
            log.append_keys(task=name)
            if wrong:
                log.warning("task input refused", extra={"fields": wrong})
                count(Metric.WORKFLOW_TASK, task=name, outcome="refused")
                raise errors.InvalidInput(
                    en=f"The task input is not valid: {', '.join(wrong)}.",
                    tc=f"工作輸入無效：{'、'.join(wrong)}。", fields=wrong)
            log.append_keys(**{key: event[key] for key in bound
                               if isinstance(event.get(key), _LOGGED)})
            started = time.monotonic()
            try:
                result = step(event)
            except Exception as exc:
                outcome = _outcome(exc)
                count(Metric.WORKFLOW_TASK, task=name, outcome=outcome)
                if outcome == "error":
                    count(Metric.TASK_ERROR)
                    log.error("task failed", extra={"error": type(exc).__name__,
                                                    "at": _locations(exc)})
                else:
                    log.warning("task refused", extra={"error": type(exc).__name__})
                raise
            count(Metric.WORKFLOW_TASK, task=name, outcome="done")
            log.info("task done", extra={
                "ms": round((time.monotonic() - started) * 1000),
                **{f"result_{key}": result[key] for key in shown
                   if isinstance(result.get(key), _LOGGED)}})
            return result

        handler: Handler = metrics().log_metrics(
            log.inject_lambda_context(clear_state=True)(run))
        setattr(handler, _MARK, name)
        return handler

    return decorate
