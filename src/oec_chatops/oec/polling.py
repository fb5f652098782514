"""How often to poll a task: the pace of CONTRACT.md §9.7.

Every 5 s for the first 30 s (most restarts finish there, and people watch), then every 10 s,
and never more often than a fifth of the read limit: one poll every 15 s when `X-RateLimit-Limit`
says 20, so a waiting bot leaves four fifths of the budget to the people typing commands.
"""

from __future__ import annotations

FAST_INTERVAL = 5.0
SLOW_INTERVAL = 10.0
FAST_PHASE = 30.0
SHARE_OF_READ_LIMIT = 5  # polls may use at most 1/5 of the read budget
WINDOW = 60.0


def poll_interval(elapsed: float, read_limit: int | None, *, window: float = WINDOW) -> float:
    """Seconds to wait before the next poll, `elapsed` seconds into the wait."""
    interval = FAST_INTERVAL if elapsed < FAST_PHASE else SLOW_INTERVAL
    if read_limit is not None and read_limit > 0:
        interval = max(interval, window * SHARE_OF_READ_LIMIT / read_limit)
    return interval
