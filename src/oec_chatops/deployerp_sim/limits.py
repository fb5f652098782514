"""Per-key rate limits as the seed documents them: an hourly budget with a per-minute burst.

The hour is a calendar hour of the injected clock (`X-RateLimit-Reset` is its end, in Unix
seconds); the burst is any 60 s. Headers describe the hourly budget (CONTRACT.md §3).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

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
        self._hours: dict[str, tuple[int, int]] = {}
        self._minute: dict[str, deque[float]] = {}

    def peek(self, key: str, *, hourly: int, now: float) -> Decision:
        """The headers for an answer that took nothing (a refused or unauthenticated one)."""
        hour = int(now // HOUR)
        seen, used = self._hours.get(key, (hour, 0))
        used = used if seen == hour else 0
        return Decision(True, hourly, max(0, hourly - used), (hour + 1) * HOUR, 0)

    def take(self, key: str, *, hourly: int, burst: int, now: float) -> Decision:
        hour = int(now // HOUR)
        reset = (hour + 1) * HOUR
        seen, used = self._hours.get(key, (hour, 0))
        used = used if seen == hour else 0
        if used >= hourly:
            return Decision(False, hourly, 0, reset, max(1, math.ceil(reset - now)))
        recent = self._minute.setdefault(key, deque())
        while recent and recent[0] <= now - MINUTE:
            recent.popleft()
        if len(recent) >= burst:
            wait = max(1, math.ceil(recent[0] + MINUTE - now))
            return Decision(False, hourly, hourly - used, reset, wait)
        recent.append(now)
        self._hours[key] = (hour, used + 1)
        return Decision(True, hourly, hourly - used - 1, reset, 0)

    def clear(self) -> None:
        self._hours.clear()
        self._minute.clear()
