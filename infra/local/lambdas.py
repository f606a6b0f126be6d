"""In-process Lambda runtime for moto.

moto runs a Lambda's code in Docker, which this platform does not need: we replace the
private ``LambdaFunction._invoke_lambda`` (moto is pinned exactly in pyproject.toml; the canary
test ``tests/integration/test_local_lambdas.py`` fails first if moto changes it) with a call of
the real handler named by ``infra.names.FUNCTIONS``. Errors come back the way Lambda reports
them (``errorType`` = exception class name), which is what Step Functions' ``ErrorEquals``
matches on.

All functions share the process environment (table names, endpoints): the launcher sets it
once, to the same values the CDK gives each function.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from infra.names import FUNCTIONS, FunctionSpec

_lock = threading.Lock()
_installed = False


@dataclass
class Context:
    """The parts of the Lambda context object our handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    invoked_function_arn: str
    aws_request_id: str
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@functools.cache
def _module(asset: str, module: str) -> ModuleType:
    spec_by_asset = next(f for f in FUNCTIONS.values() if f.asset == asset)
    path = spec_by_asset.source / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"functions_{asset}_{module}", path)
    if spec is None or spec.loader is None:  # pragma: no cover
        raise ImportError(f"cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def handler_for(spec: FunctionSpec) -> Any:
    module, _, function = spec.handler.rpartition(".")
    return getattr(_module(spec.asset, module), function)


def _spec_for(function_name: str) -> FunctionSpec:
    for spec in FUNCTIONS.values():
        if spec.name == function_name:
            return spec
    raise LookupError(f"no local handler for Lambda function {function_name!r}")


def invoke(function_name: str, arn: str, event: Any) -> tuple[str, bool, str]:
    """Run one invocation; returns moto's triple (payload, errored, logs)."""
    spec = _spec_for(function_name)
    context = Context(function_name=function_name, memory_limit_in_mb=spec.memory_mb,
                      timeout_seconds=spec.timeout_seconds, invoked_function_arn=arn,
                      aws_request_id=str(uuid.uuid4()))
    try:
        result = handler_for(spec)(event, context)
    except Exception as exc:  # noqa: BLE001 - reported to the caller like Lambda does
        payload = {"errorType": type(exc).__name__, "errorMessage": str(exc),
                   "stackTrace": traceback.format_tb(exc.__traceback__)[-3:]}
        return json.dumps(payload), True, f"{type(exc).__name__}"
    return json.dumps(result), False, ""


def install() -> None:
    """Patch moto (idempotent) so that every Lambda invocation runs our code in-process, and
    Express machines answer ``StartSyncExecution`` (infra/local/express.py)."""
    global _installed
    from infra.local import express

    express.install()
    with _lock:
        if _installed:
            return
        from moto.awslambda.models import LambdaFunction

        def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
            if isinstance(event, str | bytes):
                event = json.loads(event or "{}")
            return invoke(self.function_name, self.function_arn, event or {})

        LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
        _installed = True
