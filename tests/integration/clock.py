"""Tests that count inside one clock-aligned window."""

from __future__ import annotations

import time


def clear_of_window_edge(period: int, margin: int) -> None:
    """Wait out the last ``margin`` seconds of a clock-aligned window of ``period`` seconds,
    so that a test counting inside one window (rate limits, nonces) is not cut in two."""
    left = period - time.time() % period
    if left < margin:
        time.sleep(left + 0.05)
