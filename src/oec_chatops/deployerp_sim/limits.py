"""Per-key rate limits as the seed documents them: an hourly budget with a per-minute burst.

The hour is a calendar hour of the injected clock (`X-RateLimit-Reset` is its end, in Unix
seconds); the burst is any 60 s. Headers describe the hourly budget (CONTRACT.md §3).
"""

from __future__ import annotations

import math

from oec_chatops.simkit.windows import CalendarCounter, Decision, SlidingCounter

__all__ = ["HOUR", "MINUTE", "Decision", "HourlyWithBurst"]

HOUR = 3600
MINUTE = 60


class HourlyWithBurst:
    def __init__(self) -> None:
        self._hour = CalendarCounter(HOUR)
        self._burst = SlidingCounter(MINUTE)

    def peek(self, key: str, *, hourly: int, now: float) -> Decision:
        """The headers for an answer that took nothing (a refused or unauthenticated one)."""
        used = self._hour.used(key, now)
        return Decision(True, hourly, max(0, hourly - used), 0, reset=self._hour.reset_at(now))

    def take(self, key: str, *, hourly: int, burst: int, now: float) -> Decision:
        reset = self._hour.reset_at(now)
        used = self._hour.used(key, now)
        if used >= hourly:
            return Decision(False, hourly, 0, max(1, math.ceil(reset - now)), reset=reset)
        if self._burst.count(key, now) >= burst:
            return Decision(False, hourly, hourly - used, self._burst.wait(key, now), reset=reset)
        self._burst.add(key, now)
        self._hour.add(key, now)
        return Decision(True, hourly, hourly - used - 1, 0, reset=reset)

    def clear(self) -> None:
        self._hour.clear()
        self._burst.clear()
