"""The refresh workflow's ASL: its error names are our classes (the contract), its
placeholders are the functions in infra/names.py, one failing feed cannot fail the run."""

from __future__ import annotations

import json
import re

import pytest

from iamsmart import errors
from infra.names import STATE_MACHINES, substitution_key

SPEC = STATE_MACHINES["refresh-feeds"]
# Errors defined by AWS itself (the Lambda service), retried as AWS recommends.
AWS_DEFINED = {"Lambda.ServiceException", "Lambda.TooManyRequestsException",
               "Lambda.SdkClientException"}


@pytest.fixture(scope="module")
def asl() -> dict:
    return json.loads(SPEC.path.read_text(encoding="utf-8"))


def _walk(node: object):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _error_names(asl: dict) -> set[str]:
    names: set[str] = set()
    for node in _walk(asl):
        for rule in node.get("Retry", []) + node.get("Catch", []):
            names.update(rule["ErrorEquals"])
    return names


def test_every_error_name_is_a_domain_error_class(asl):
    ours = {n for n in _error_names(asl) if not n.startswith("States.") and n not in AWS_DEFINED}
    assert ours, "the workflow should retry on our own errors"
    for name in ours:
        cls = getattr(errors, name, None)
        assert isinstance(cls, type) and issubclass(cls, errors.DomainError), name


def test_placeholders_are_the_functions_of_the_spec(asl):
    text = SPEC.path.read_text(encoding="utf-8")
    assert set(re.findall(r"\$\{(\w+)\}", text)) == {substitution_key(f)
                                                     for f in SPEC.functions}


def test_lambda_tasks_use_the_invoke_integration(asl):
    tasks = [n for n in _walk(asl) if n.get("Type") == "Task"]
    assert len(tasks) == 3
    for task in tasks:
        assert task["Resource"] == "arn:aws:states:::lambda:invoke"
        assert task["Parameters"]["FunctionName"].startswith("${")


def test_each_feed_is_isolated(asl):
    refresh = asl["States"]["RefreshEach"]
    assert refresh["Type"] == "Map" and refresh["ItemsPath"] == "$.feeds"
    assert 1 < refresh["MaxConcurrency"] <= 10
    states = refresh["ItemProcessor"]["States"]
    fetch = states["Fetch"]
    assert fetch["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                               "Next": "RecordFailure"}]
    retried = {n for rule in fetch["Retry"] for n in rule["ErrorEquals"]}
    # Retrying cannot fix bad data: only transient errors are retried.
    assert "UpstreamError" in retried
    assert not retried & {"MalformedFeed", "FeedTooLarge", "States.ALL"}
    assert all(rule["IntervalSeconds"] <= 5 for rule in fetch["Retry"])
    # Even failing to record a failure ends the iteration normally.
    record = states["RecordFailure"]
    assert record["Catch"][0]["ErrorEquals"] == ["States.ALL"]
    assert states[record["Catch"][0]["Next"]]["Type"] == "Pass"
