"""Only the shared DynamoDB helper (``iamsmart/dynamo.py``) and each context's data-access
module (``<context>/dal.py`` or ``<context>/dal/``) name DynamoDB or build its items; the
import side of the same rule is the "data-layer" import-linter contract (pyproject.toml)."""

from __future__ import annotations

import re
from pathlib import Path

from source_lines import lines_matching

SOURCE = Path(__file__).resolve().parents[2] / "layers" / "core" / "python" / "iamsmart"
FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"

# DynamoDB named, or an item built by hand (typed attribute values).
DYNAMODB = re.compile(r"""["']dynamodb["']|\{\s*["'](?:S|N|B|SS|NS|BOOL|M|L)["']\s*:"""
                      r"""|TypeSerializer|TypeDeserializer|pynamodb""")



def _allowed(relative: str) -> bool:
    return relative == "dynamo.py" or re.fullmatch(r"[a-z_]+/dal(\.py|/[a-z_]+\.py)",
                                                    relative) is not None


def test_only_data_access_modules_name_dynamodb():
    shared = [p for p in sorted(SOURCE.rglob("*.py"))
              if not _allowed(p.relative_to(SOURCE).as_posix())]
    found = [*lines_matching(shared, DYNAMODB, SOURCE),
             *lines_matching(sorted(FUNCTIONS.rglob("*.py")), DYNAMODB, FUNCTIONS.parent)]
    assert not found, "\n".join(found)


def test_the_rule_sees_a_hand_built_item():
    assert DYNAMODB.search('key = {"pk": {"S": grant_id}}')
    assert DYNAMODB.search("aws.client('dynamodb')")
    assert not DYNAMODB.search('answer = {"status": "ok"}')
    assert _allowed("identity/dal.py") and _allowed("oidc/dal/grants.py")
    assert not _allowed("identity/login.py")


def test_the_import_contract_covers_every_context():
    """A new context (or shared module) is under the "data-layer" contract from its first day."""
    import tomllib

    config = tomllib.loads((SOURCE.parents[3] / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"]
                    if c["id"] == "data-layer")
    present = {f"iamsmart.{p.stem if p.is_file() else p.name}" for p in SOURCE.iterdir()
               if (p.is_dir() and (p / "__init__.py").exists())
               or (p.suffix == ".py" and p.name != "__init__.py")}
    assert set(contract["source_modules"]) == present - {"iamsmart.dynamo"}


# Every context reaches stored data only through its own dal, never another context's.
OWN_STORAGE_ONLY = tuple(sorted(p.name for p in SOURCE.iterdir()
                                if p.is_dir() and (p / "__init__.py").exists()))
_IMPORT = re.compile(r"^\s*(?:from\s+iamsmart\.(\w+)(\.\w+)?\s+import\s+(.+)"
                     r"|import\s+iamsmart\.(\w+)\.(\w+))")


def _storage_imported(line: str) -> str | None:
    """The context whose storage (``dal`` or identity's ``store``) ``line`` imports, if any."""
    found = _IMPORT.match(line)
    if found is None:
        return None
    context = found.group(1) or found.group(4)
    module = (found.group(2) or "").lstrip(".") or found.group(5) or ""
    names = {n.strip().split(" ")[0] for n in (found.group(3) or "").strip("()").split(",")}
    return context if module in {"dal", "store"} or names & {"dal", "store"} else None


def test_contexts_keep_to_their_own_storage():
    found = []
    for context in OWN_STORAGE_ONLY:
        for path in sorted((SOURCE / context).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                owner = _storage_imported(line)
                if owner is not None and owner != context:
                    found.append(f"{path.relative_to(SOURCE)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_storage_rule_sees_an_import():
    assert _storage_imported("from iamsmart.identity import assurance, limits, store") == "identity"
    assert _storage_imported("    from iamsmart.identity.store import get") == "identity"
    assert _storage_imported("import iamsmart.oidc.dal") == "oidc"
    assert _storage_imported("from iamsmart.faces import dal") == "faces"
    assert _storage_imported("from iamsmart.identity import login") is None
