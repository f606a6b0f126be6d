"""registration.dal is the only registration module (the registration routes included) that
names the applications table, its keys, expressions or identity's storage (issue 12 item 1)."""

from __future__ import annotations

import re
from pathlib import Path

from source_lines import lines_matching

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "layers" / "core" / "python" / "iamsmart" / "registration"
ROUTES = ROOT / "functions" / "api" / "chalicelib" / "routes" / "registration.py"

STORAGE = re.compile(r"""_table\b|["'](?:pk|sk)["']|attribute_(?:not_)?exists|Expression"""
                     r"""|TableName|identity import (?:.*\b)?store\b|identity\.store"""
                     r"""|transact_write|iamsmart\.dynamo|import dynamo""")


def test_only_the_dal_names_storage():
    paths = [p for p in sorted(PACKAGE.rglob("*.py")) if p != PACKAGE / "dal.py"]
    found = lines_matching([*paths, ROUTES], STORAGE, ROOT)
    assert not found, "\n".join(found)


def test_the_rule_sees_storage_named():
    assert STORAGE.search('store.get(settings().applications_table, {"pk": x, "sk": "ref"})')
    assert STORAGE.search('condition="attribute_exists(enrolment_code)"')
    assert STORAGE.search("from iamsmart.identity import accounts, store")
    assert not STORAGE.search("item = dal.get_application(application_id)")
