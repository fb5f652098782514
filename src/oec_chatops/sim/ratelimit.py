"""Per-key rate limits as oec.sh counts them (CONTRACT.md §3.1, §9.4).

Reads and writes are counted separately for every key, each in a calendar-minute bucket of the
injected clock, so a test can cross into the next minute by moving a `ManualClock`. Webhook
changes are limited on top of that over a sliding 60 s window.
"""

from __future__ import annotations

import math

from oec_chatops.simkit.windows import CalendarCounter, Decision, SlidingCounter

__all__ = ["WINDOW_SECONDS", "Decision", "MinuteBuckets", "SlidingWindow", "seconds_to_next_minute"]

WINDOW_SECONDS = 60


def seconds_to_next_minute(now: float) -> int:
    """Whole seconds until the next calendar minute starts, at least 1."""
    return max(1, math.ceil(WINDOW_SECONDS - (now % WINDOW_SECONDS)))


class MinuteBuckets:
    """Counts per (key, kind) in the current calendar minute; older minutes are dropped."""

    def __init__(self) -> None:
        self._minute = CalendarCounter(WINDOW_SECONDS)

    def take(self, key: str, kind: str, *, limit: int, now: float) -> Decision:
        used = self._minute.used((key, kind), now)
        if used >= limit:
            return Decision(False, limit, 0, seconds_to_next_minute(now))
        self._minute.add((key, kind), now)
        return Decision(True, limit, limit - used - 1, 0)

    def clear(self) -> None:
        self._minute.clear()


class SlidingWindow:
    """At most `limit` events per key in any `WINDOW_SECONDS`."""

    def __init__(self) -> None:
        self._window = SlidingCounter(WINDOW_SECONDS)

    def take(self, key: str, *, limit: int, now: float) -> Decision:
        if self._window.count(key, now) >= limit:
            return Decision(False, limit, 0, self._window.wait(key, now))
        self._window.add(key, now)
        return Decision(True, limit, limit - self._window.count(key, now), 0)

    def clear(self) -> None:
        self._window.clear()
