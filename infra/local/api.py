"""Load the Chalice app from functions/api the way Lambda would (its dir on sys.path)."""

from __future__ import annotations

import functools
import importlib.util
import sys
from typing import Any

from infra.names import ROOT

API_DIR = ROOT / "functions" / "api"


@functools.cache
def chalice_app() -> Any:
    if str(API_DIR) not in sys.path:
        sys.path.insert(0, str(API_DIR))
    spec = importlib.util.spec_from_file_location("iamsmart_api_app", API_DIR / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app
