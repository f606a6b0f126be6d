"""Every pydantic model of the platform derives from ``iamsmart.common.model.Model`` (built on
first use, so the cold start does not build the API's hundred models); ``Settings`` is the
one exception (read at once by every function)."""

from __future__ import annotations

import re
from pathlib import Path

from source_lines import lines_matching

ROOT = Path(__file__).resolve().parents[2]
EXCEPTIONS = {"layers/core/python/iamsmart/common/model.py",
              "layers/core/python/iamsmart/settings.py"}


def test_no_model_derives_from_pydantic_directly():
    paths = [path for folder in ("layers/core/python/iamsmart", "functions")
             for path in sorted((ROOT / folder).rglob("*.py"))
             if path.relative_to(ROOT).as_posix() not in EXCEPTIONS]
    found = lines_matching(paths, re.compile(r"\((?:pydantic\.)?BaseModel\s*[,)]"), ROOT)
    assert not found, found


def test_a_model_is_built_on_first_use():
    from iamsmart.common.model import Model

    class Probe(Model):
        value: int

    assert not Probe.__pydantic_complete__
    assert Probe(value=1).value == 1
    assert Probe.__pydantic_complete__
