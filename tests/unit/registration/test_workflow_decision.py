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
    assert decide_facts(replace(OK, liveness=True)) == ("approve", "verified", "plus")


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
    return {"pk": "app_" + "x" * 24, "status": status, "reason": reason,
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
