"""One Chinese term per idea in everything a citizen or a department reads: the portal's pages
and scripts, and the bilingual messages of the platform and the sandbox (issue 11, item 10).

- 身份 (identity, as on the 香港身份證), never 身分;
- 面孔 (face, as in 面孔模板 / 面孔核實), never 面容 or 面部.
"""

from __future__ import annotations

import pytest
from source_lines import lines_matching

from infra.names import ROOT

VARIANTS = {"身分": "身份", "面容": "面孔", "面部": "面孔"}
SOURCES = [*(ROOT / "web").rglob("*.html"), *(ROOT / "web").rglob("*.js"),
           *(ROOT / "layers" / "core" / "python").rglob("*.py"),
           *(ROOT / "functions").rglob("*.py"), *(ROOT / "infra").rglob("*.py"),
           *(ROOT / "tools").rglob("*.py"),
           ROOT / "README.md"]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_one_term_per_idea(variant: str) -> None:
    found = lines_matching(SOURCES, variant, ROOT)
    assert found == [], f"write {VARIANTS[variant]} instead of {variant}: {found}"


def test_the_sources_are_read() -> None:
    assert any(p.name == "i18n.js" for p in SOURCES) and len(SOURCES) > 50
