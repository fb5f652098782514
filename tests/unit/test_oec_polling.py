"""Task poll pace (CONTRACT.md §9.7)."""

from __future__ import annotations

import pytest

from oec_chatops.oec.polling import poll_interval


@pytest.mark.parametrize(
    ("elapsed", "read_limit", "interval"),
    [
        (0.0, None, 5.0),
        (29.9, 120, 5.0),
        (30.0, 120, 10.0),
        (600.0, 120, 10.0),
        (0.0, 20, 15.0),  # a fifth of 20 a minute: one poll every 15 s
        (300.0, 20, 15.0),
        (0.0, 60, 5.0),  # 60 a minute allows one every 5 s
        (0.0, 30, 10.0),
        (0.0, 0, 5.0),  # a nonsense header is ignored
    ],
)
def test_poll_interval(elapsed: float, read_limit: int | None, interval: float) -> None:
    assert poll_interval(elapsed, read_limit) == interval
