"""Per-key rate limits as the seed documents them: an hourly budget with a per-minute burst.

The hour is a calendar hour of the injected clock (`X-RateLimit-Reset` is its end, in Unix
seconds); the burst is any 60 s. Headers describe the hourly budget (CONTRACT.md §3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from oec_chatops.simkit.windows import CalendarCounter, SlidingCounter

HOUR = 3600
MINUTE = 60


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # Unix seconds: the end of the current hour
    retry_after: int  # whole seconds; only meaningful when refused

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


class HourlyWithBurst:
    def __init__(self) -> None:
        self._hour = CalendarCounter(HOUR)
        self._burst = SlidingCounter(MINUTE)

    def peek(self, key: str, *, hourly: int, now: float) -> Decision:
        """The headers for an answer that took nothing (a refused or unauthenticated one)."""
        used = self._hour.used(key, now)
        return Decision(True, hourly, max(0, hourly - used), self._hour.reset_at(now), 0)

    def take(self, key: str, *, hourly: int, burst: int, now: float) -> Decision:
        reset = self._hour.reset_at(now)
        used = self._hour.used(key, now)
        if used >= hourly:
            return Decision(False, hourly, 0, reset, max(1, math.ceil(reset - now)))
        if self._burst.count(key, now) >= burst:
            return Decision(False, hourly, hourly - used, reset, self._burst.wait(key, now))
        self._burst.add(key, now)
        self._hour.add(key, now)
        return Decision(True, hourly, hourly - used - 1, reset, 0)

    def clear(self) -> None:
        self._hour.clear()
        self._burst.clear()
