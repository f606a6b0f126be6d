"""Liveness sessions on the local platform's rules (moto): single use, bound to the citizen
and the transaction, short-lived; the result never claims liveness that was not evaluated
(THREATS 24)."""

from __future__ import annotations

import time

import pytest
from oidc_helpers import op_aws  # noqa: F401 - fixture

from iamsmart import dynamo
from iamsmart.faces import liveness
from iamsmart.settings import settings

pytestmark = pytest.mark.usefixtures("op_aws")
TXN, OTHER_TXN = "a" * 24, "b" * 24


def test_local_session_is_single_use_and_says_not_evaluated() -> None:
    created = liveness.create("sandbox-lee-siu-mei", TXN)
    assert created["evaluated"] is False and "engine_session" not in created
    result = liveness.consume(created["liveness_session"], "sandbox-lee-siu-mei", TXN)
    assert result.liveness == "not_evaluated" and result.confidence is None
    with pytest.raises(liveness.LivenessRefused):
        liveness.consume(created["liveness_session"], "sandbox-lee-siu-mei", TXN)


@pytest.mark.parametrize(("account", "txn"), [("sandbox-chan-tai-man", TXN),
                                              ("sandbox-lee-siu-mei", OTHER_TXN)])
def test_another_citizens_or_transactions_session_is_refused(account: str, txn: str) -> None:
    created = liveness.create("sandbox-lee-siu-mei", TXN)
    with pytest.raises(liveness.LivenessRefused):
        liveness.consume(created["liveness_session"], account, txn)
    # The refusal did not use it up for its owner.
    assert liveness.consume(created["liveness_session"], "sandbox-lee-siu-mei",
                            TXN).liveness == "not_evaluated"


def test_expired_or_unknown_sessions_are_refused() -> None:
    created = liveness.create("sandbox-lee-siu-mei", TXN)
    dynamo.update(settings().sessions_table, {"pk": f"liveness#{created['liveness_session']}",
                                             "sk": "s"}, "SET expires_at = :t",
                 values_={":t": int(time.time()) - 1})
    for session in (created["liveness_session"], "x" * 24, "../../etc", None, 42):
        with pytest.raises(liveness.LivenessRefused):
            liveness.consume(session, "sandbox-lee-siu-mei", TXN)
