"""The catalogue keeps the API's cold start short: importing its routes loads neither the
AWS SDK, PynamoDB nor OpenCC (they load on first use)."""

from __future__ import annotations

import subprocess
import sys

from infra.local.api import API_DIR


def test_route_import_is_lean():
    code = (
        f"import sys; sys.path.insert(0, {str(API_DIR)!r})\n"
        "import chalicelib.routes.catalogue\n"
        "print(sorted(m for m in ('boto3', 'botocore', 'pynamodb', 'opencc') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, timeout=60).stdout.strip()
    assert out == "[]"
