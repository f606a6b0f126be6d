"""The decision rule and the status page, without AWS."""

from __future__ import annotations

from dataclasses import replace

import pytest

from iamsmart.registration import applications, workflow
from iamsmart.registration.workflow import Facts, decide_facts

OK = Facts(channel="web", valid=True, duplicate=False, hkid_limited=False,
           evidence="chip_verified", immigration="verified", face="match")


def test_everything_verified_online_is_approved_at_basic_without_liveness():
    assert decide_facts(OK) == ("approve", "verified", "basic")
    assert decide_facts(replace(OK, liveness="not_evaluated")) == ("approve", "verified",
                                                                    "basic")
    assert decide_facts(replace(OK, liveness="evaluated_passed")) == ("approve", "verified",
                                                                       "plus")


def test_plus_online_needs_the_chip_the_face_and_liveness():
    passed = replace(OK, liveness="evaluated_passed")
    card = replace(passed, evidence="card_photo", immigration="needs_manual_review")
    assert decide_facts(card) == ("review", "card_photo", "basic")
    assert decide_facts(replace(passed, face="borderline"))[2] == "basic"


def test_liveness_evaluated_and_failed_goes_to_review_never_approved():
    failed = replace(OK, liveness="evaluated_failed")
    assert decide_facts(failed) == ("review", "liveness_failed", "basic")
    # A duplicate HKID reads the same as any other (THREATS 20): review, not a distinct answer.
    assert decide_facts(replace(failed, duplicate=True))[0] == "review"
    # Checks that reject outright still reject.
    assert decide_facts(replace(failed, face="no_match"))[:2] == ("reject", "face_no_match")


@pytest.mark.parametrize("item, expected", [
    ({}, "not_evaluated"),
    ({"liveness": "not_evaluated", "face": {"decision": "match"}}, "not_evaluated"),
    ({"liveness": "evaluated_failed"}, "evaluated_failed"),
    ({"liveness": "evaluated_passed", "face": {"decision": "match", "live_frame": "match"}},
     "evaluated_passed"),
    # Liveness passed by a face that is not the applicant's: failed.
    ({"liveness": "evaluated_passed", "face": {"decision": "match", "live_frame": "no_match"}},
     "evaluated_failed"),
    ({"liveness": "evaluated_passed", "face": {"decision": "match"}}, "evaluated_failed"),
    ({"liveness": "anything else"}, "not_evaluated"),
])
def test_the_liveness_fact_from_the_application(item, expected):
    assert workflow._liveness_fact(item) == expected


def test_completed_at_basic_says_liveness_was_not_evaluated_in_both_languages():
    done = {**_item("approved", "verified", applications.STEPS), "level": "basic"}
    answer = workflow.public_status({**done, "liveness": "not_evaluated"})
    assert answer["level"] == "basic"
    assert answer["liveness_note"]["en"] and answer["liveness_note"]["tc"]
    assert "liveness_note" not in workflow.public_status(
        {**done, "level": "plus", "liveness": "evaluated_passed"})
    assert "liveness_note" not in workflow.public_status(
        {**_item("rejected", "duplicate"), "liveness": "not_evaluated"})


@pytest.mark.parametrize("channel", ["counter", "mobile"])
def test_in_person_channels_reach_plus(channel):
    assert decide_facts(replace(OK, channel=channel)) == ("approve", "verified", "plus")


@pytest.mark.parametrize("change, expected", [
    ({"valid": False}, ("reject", "invalid")),
    ({"hkid_limited": True}, ("reject", "hkid_limited")),
    ({"evidence": "not_authentic"}, ("reject", "evidence_not_authentic")),
    ({"immigration": "rejected"}, ("reject", "immigration_mismatch")),
    ({"face": "no_match"}, ("reject", "face_no_match")),
    ({"face": "selfie_unusable"}, ("reject", "selfie_unusable")),
    ({"face": "borderline"}, ("review", "face_borderline")),
    ({"face": "reference_unusable"}, ("review", "face_reference_unusable")),
    ({"evidence": "card_photo", "immigration": "needs_manual_review"}, ("review", "card_photo")),
    ({"duplicate": True}, ("reject", "duplicate")),
])
def test_rules(change, expected):
    assert decide_facts(replace(OK, **change))[:2] == expected


def test_a_duplicate_that_needs_review_still_goes_to_review():
    """Otherwise a card-photo applicant would learn that the number has an account."""
    card = replace(OK, evidence="card_photo", immigration="needs_manual_review")
    assert decide_facts(replace(card, duplicate=True))[0] == decide_facts(card)[0] == "review"


def _item(status, reason=None, steps=()):
    return {"application_id": "app_" + "x" * 24, "status": status, "reason": reason,
            "steps": {s: {"at": 1} for s in steps}}


def test_every_refusal_the_applicant_cannot_fix_reads_the_same():
    seen = {
        reason: workflow.public_status(_item("rejected", reason, applications.STEPS[:step]))
        for step, reason in enumerate(("duplicate", "face_no_match", "immigration_mismatch",
                                       "review_rejected", "system", "hkid_limited"), start=3)
    }
    first = next(iter(seen.values()))
    assert all(answer == first for answer in seen.values())
    assert first["status"] == "not_completed" and "counter" in first["message"]["en"]
    own = workflow.public_status(_item("rejected", "selfie_unusable"))
    assert own["message"] != first["message"] and own["steps"] == first["steps"]


def test_progress_marks_the_current_step():
    answer = workflow.public_status(_item("running", steps=("received", "validated")))
    states = {s["step"]: s["state"] for s in answer["steps"]}
    assert states["validated"] == "done" and states["duplicate_check"] == "current"
    assert states["face"] == "pending" and "review" not in states


@pytest.mark.parametrize("evaluated, passed, expected", [
    ("evaluated", True, "evaluated_passed"), ("evaluated", False, "evaluated_failed"),
    ("not_evaluated", True, "not_evaluated")])
def test_the_liveness_outcome_recorded_at_intake(evaluated, passed, expected):
    from iamsmart.registration.liveness import outcome_of

    assert outcome_of(evaluated, passed) == expected
