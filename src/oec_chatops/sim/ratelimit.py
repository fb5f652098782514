"""Per-key rate limits as oec.sh counts them (CONTRACT.md §3.1, §9.4).

Reads and writes are counted separately for every key, each in a calendar-minute bucket of the
injected clock, so a test can cross into the next minute by moving a `ManualClock`. Webhook
changes are limited on top of that over a sliding 60 s window.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

WINDOW_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Decision:
    """The limiter's answer; `retry_after` (whole seconds) only matters when refused."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: int


def seconds_to_next_minute(now: float) -> int:
    """Whole seconds until the next calendar minute starts, at least 1."""
    return max(1, math.ceil(WINDOW_SECONDS - (now % WINDOW_SECONDS)))


class MinuteBuckets:
    """Counts per (key, kind) in the current calendar minute; older minutes are dropped."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], tuple[int, int]] = {}

    def take(self, key: str, kind: str, *, limit: int, now: float) -> Decision:
        minute = int(now // WINDOW_SECONDS)
        seen_minute, used = self._counts.get((key, kind), (minute, 0))
        if seen_minute != minute:
            used = 0
        if used >= limit:
            return Decision(False, limit, 0, seconds_to_next_minute(now))
        self._counts[(key, kind)] = (minute, used + 1)
        return Decision(True, limit, limit - used - 1, 0)

    def clear(self) -> None:
        self._counts.clear()


class SlidingWindow:
    """At most `limit` events per key in any `WINDOW_SECONDS`."""

    def __init__(self) -> None:
        self._events: dict[str, deque[float]] = {}

    def take(self, key: str, *, limit: int, now: float) -> Decision:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - WINDOW_SECONDS:
            events.popleft()
        if len(events) >= limit:
            wait = max(1, math.ceil(events[0] + WINDOW_SECONDS - now))
            return Decision(False, limit, 0, wait)
        events.append(now)
        return Decision(True, limit, limit - len(events), 0)

    def clear(self) -> None:
        self._events.clear()
