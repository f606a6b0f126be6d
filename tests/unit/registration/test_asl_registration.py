"""The registration ASL: its placeholders are the functions of its spec, the error names it
matches are ours, every task retries only transient errors and catches the rest, a review
waits on a task token with a timeout that escalates, and no state passes personal data."""

from __future__ import annotations

import json
import re

import pytest

from iamsmart import errors
from iamsmart.registration import workflow
from infra.names import FUNCTIONS, QUEUES, STATE_MACHINES, substitution_key

SPEC = STATE_MACHINES["registration"]
AWS_DEFINED = {"Lambda.ServiceException", "Lambda.TooManyRequestsException",
               "Lambda.SdkClientException", "Lambda.AWSLambdaException"}


@pytest.fixture(scope="module")
def asl() -> dict:
    return json.loads(SPEC.path.read_text(encoding="utf-8"))


def test_placeholders_are_the_functions_of_the_spec():
    text = SPEC.path.read_text(encoding="utf-8")
    assert set(re.findall(r"\$\{(\w+)\}", text)) == {substitution_key(f) for f in SPEC.functions}
    assert QUEUES["registrations"].consumer in FUNCTIONS


def test_error_names_are_domain_errors(asl):
    names = {n for s in asl["States"].values() for r in s.get("Retry", []) + s.get("Catch", [])
             for n in r["ErrorEquals"]}
    ours = names - AWS_DEFINED - {n for n in names if n.startswith("States.")}
    assert ours == {"Unavailable", "ReviewRejected"}
    assert issubclass(errors.Unavailable, errors.DomainError)
    assert issubclass(workflow.ReviewRejected, errors.DomainError)


def test_tasks_retry_transient_errors_only_and_catch_the_rest(asl):
    for name, state in asl["States"].items():
        if state["Type"] != "Task":
            continue
        retried = {n for r in state["Retry"] for n in r["ErrorEquals"]}
        assert "States.ALL" not in retried and "Unavailable" in retried, name
        assert all(r["IntervalSeconds"] <= 5 for r in state["Retry"])
        assert state["Catch"][-1]["ErrorEquals"] == ["States.ALL"], name
        payload = state["Parameters"]["Payload"]
        # Only ids, outcomes and the task token travel: never particulars or images.
        assert set(payload) <= {"application_id.$", "execution.$", "task_token.$", "escalated",
                                "outcome", "reason.$"}, name


def test_review_waits_on_a_token_escalates_then_expires(asl):
    states = asl["States"]
    for name, nxt in (("Review", "Escalate"), ("Escalate", "ReviewExpired")):
        review = states[name]
        assert review["Resource"].endswith("lambda:invoke.waitForTaskToken")
        assert review["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
        assert review["TimeoutSecondsPath"].startswith("$.config.")
        catches = {c["ErrorEquals"][0]: c["Next"] for c in review["Catch"]}
        assert catches["States.Timeout"] == nxt
        assert catches["ReviewRejected"] == "ReviewRejectedReason"
    assert states["Escalate"]["Parameters"]["Payload"]["escalated"] is True


def test_every_path_ends_by_recording_and_notifying(asl):
    states = asl["States"]
    assert states["Route"]["Default"] == "RejectAsDecided"
    for name in ("RejectAsDecided", "ReviewExpired", "ReviewRejectedReason", "SystemFailure"):
        assert states[name]["Next"] == "Reject"
    assert states["Approve"]["Next"] == states["Reject"]["Next"] == "Notify"
    # An approval that cannot be recorded is never turned into a rejection.
    assert states["Approve"]["Catch"][0]["Next"] == "NotRecorded"
