"""Within identity only ``identity/dal.py`` knows how its data is stored: no other identity
module reads a table's name, builds a key with a prefix, writes an expression or imports the
storage helpers (the import-linter "data-layer" contract checks ``iamsmart.dynamo`` for every
context; this checks identity's own finer rule)."""

from __future__ import annotations

import re
from pathlib import Path

IDENTITY = (Path(__file__).resolve().parents[3] / "layers" / "core" / "python" / "iamsmart"
            / "identity")
STORAGE = re.compile(
    r"""_table\b"""                                             # settings().<name>_table
    r"""|["'](?:hkid|email|phone|enrol|passkey|device|session|login|push|limit|passkey-reg)#"""
    r"""|\b(?:SET|ADD|REMOVE)\s+[a-z#]+\s*[=:]|attribute_(?:not_)?exists\("""  # expressions
    r"""|from iamsmart(?:\.identity)? import .*\b(?:dynamo|store)\b"""
    r"""|import iamsmart\.(?:dynamo|identity\.store)""")


def _offending(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if STORAGE.search(line)]


def test_only_the_dal_knows_how_identity_is_stored():
    found = {path.name: _offending(path.read_text(encoding="utf-8"))
             for path in sorted(IDENTITY.glob("*.py")) if path.name != "dal.py"}
    assert not {name: lines for name, lines in found.items() if lines}


def test_the_rule_sees_storage_details():
    assert _offending('table = settings().sessions_table')
    assert _offending('key = {"pk": f"login#{txn_id}", "sk": "txn"}')
    assert _offending('"SET #s = :denied"')
    assert _offending('condition="attribute_not_exists(id)"')
    assert _offending("from iamsmart.identity import assurance, store")
    assert _offending("from iamsmart import dynamo")
    assert not _offending('values = {"name": account.name_en, "name#zh-Hant": account.name_tc}')
    assert not _offending("from iamsmart.identity import dal, sessions")
