"""Metric names are constants (``iamsmart.metrics``) shared by the code that counts and the
infrastructure that watches (infra/stacks/ops.py's dashboard and alarms): the code counts with
nothing else, and every constant is counted somewhere."""

from __future__ import annotations

import ast
from pathlib import Path

from iamsmart.metrics import Metric

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for top in ("layers", "functions") for p in (ROOT / top).rglob("*.py")
                 if ".venv" not in p.parts and "node_modules" not in p.parts)
FUNCTIONS = {"count", "_count", "single_metric"}  # called by name (str.count is not one)
METHODS = {"add_metric"}  # Powertools' Metrics


def _counter(node: ast.Call) -> bool:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr in METHODS
    return isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS


def _literal_names(tree: ast.AST) -> list[int]:
    """Lines where a counter is called with a metric name written as a string."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _counter(node):
            named = [node.args[0]] if node.args else []
            named += [k.value for k in node.keywords if k.arg == "name"]
            if any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in named):
                lines.append(node.lineno)
    return lines


def test_the_scan_sees_literal_names() -> None:
    assert len(SOURCES) > 50
    assert _literal_names(ast.parse('count("FeedStored", feed=f)')) == [1]
    assert _literal_names(ast.parse('metrics().add_metric(name="X", unit="Count", value=1)')) \
        == [1]
    assert _literal_names(ast.parse("count(Metric.FEED_STORED, feed=f)")) == []
    assert _literal_names(ast.parse('token.count(".")')) == []


def test_the_code_counts_only_with_the_constants() -> None:
    found = {str(p.relative_to(ROOT)): lines for p in SOURCES
             if (lines := _literal_names(ast.parse(p.read_text(encoding="utf-8"))))}
    assert found == {}


def test_every_constant_is_counted_and_unique() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in SOURCES
                     if p.name != "metrics.py")
    assert [m.name for m in Metric if f"Metric.{m.name}" not in text] == []
    # An Enum member with a value already taken would be a silent alias.
    assert len(Metric.__members__) == len({m.value for m in Metric})
