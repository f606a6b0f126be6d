"""Production code never asks whether it runs locally (STYLE, issue 12): no module in layers/
or functions/ compares anything with "local" (the stage, the face engine) or names a path
under tests/. The local platform answers what AWS answers (infra/local), and the face engine
is chosen by configuration alone, its differences being the adapters' own answers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for top in ("layers", "functions") for p in (ROOT / top).rglob("*.py")
                 if ".venv" not in p.parts and "node_modules" not in p.parts)


def _local_comparisons(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for operand in operands:
                values = operand.elts if isinstance(operand, ast.Tuple | ast.List | ast.Set) \
                    else [operand]
                if any(isinstance(v, ast.Constant) and v.value == "local" for v in values):
                    lines.append(node.lineno)
    return lines


def test_the_scan_sees_the_code() -> None:
    assert len(SOURCES) > 50
    assert _local_comparisons(ast.parse('if cfg.stage != "local": pass')) == [1]
    assert _local_comparisons(ast.parse('x = stage in ("dev", "local")')) == [1]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_local_branch_and_no_test_path(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert not _local_comparisons(tree), f"{path}: compares with 'local'"
    named = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Constant)
             and isinstance(n.value, str) and "tests/fixtures" in n.value]
    assert not named, f"{path}: names a test path on lines {named}"
