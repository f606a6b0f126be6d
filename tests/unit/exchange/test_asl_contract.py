"""The fetch workflow's ASL names only real error classes and real placeholders."""

from __future__ import annotations

import json

from iamsmart import errors
from infra.names import STATE_MACHINES, substitution_key


def _errors(node: object) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "ErrorEquals":
                found.update(value)
            else:
                found |= _errors(value)
    elif isinstance(node, list):
        for value in node:
            found |= _errors(value)
    return found


def test_error_names_are_domain_errors_or_aws_ones() -> None:
    spec = STATE_MACHINES["exchange-fetch"]
    asl = json.loads(spec.path.read_text(encoding="utf-8"))
    ours = {e for e in _errors(asl) if not e.startswith(("States.", "Lambda."))}
    assert ours == {"Unavailable"}
    for name in ours:
        assert issubclass(getattr(errors, name), errors.DomainError)
    assert spec.express and "${" + substitution_key("exchange-call") + "}" in spec.path.read_text()
    # Every provider failure is labelled, never dropped: Catch covers States.ALL.
    call = asl["States"]["CallProviders"]["ItemProcessor"]["States"]["Call"]
    assert {"States.ALL", "States.Timeout"} <= _errors(call["Catch"])
