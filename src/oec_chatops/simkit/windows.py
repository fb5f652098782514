"""Rate-limit windows on the injected clock: calendar periods and sliding windows.

oec.sh counts reads and writes per calendar minute and webhook changes over a sliding 60 s;
deployERP counts per calendar hour with a sliding one-minute burst. Both simulators build their
pinned limits from these two counters, so a test crosses into the next period by moving a
`ManualClock` and nothing here reads the real time.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Decision:
    """A limiter's answer; `retry_after` (whole seconds) only matters when refused.

    `reset` is when the counted period ends (Unix seconds), for a platform that reports it.
    """

    allowed: bool
    limit: int
    remaining: int
    retry_after: int
    reset: int | None = None

    def headers(self) -> dict[str, str]:
        """The `X-RateLimit-*` headers this decision answers with."""
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
        }
        if self.reset is not None:
            headers["X-RateLimit-Reset"] = str(self.reset)
        return headers


class CalendarCounter:
    """Events per key in the current calendar period (`period` seconds); older ones are dropped."""

    def __init__(self, period: int) -> None:
        self.period = period
        self._counts: dict[Hashable, tuple[int, int]] = {}

    def used(self, key: Hashable, now: float) -> int:
        """Events counted for `key` in the period `now` falls in."""
        seen, used = self._counts.get(key, (self._index(now), 0))
        return used if seen == self._index(now) else 0

    def add(self, key: Hashable, now: float) -> None:
        self._counts[key] = (self._index(now), self.used(key, now) + 1)

    def reset_at(self, now: float) -> int:
        """When the current period ends, in clock seconds."""
        return (self._index(now) + 1) * self.period

    def clear(self) -> None:
        self._counts.clear()

    def _index(self, now: float) -> int:
        return int(now // self.period)


class SlidingCounter:
    """Events per key in the last `window` seconds."""

    def __init__(self, window: int) -> None:
        self.window = window
        self._events: dict[Hashable, deque[float]] = {}

    def count(self, key: Hashable, now: float) -> int:
        """Events of `key` still inside the window at `now` (older ones are forgotten)."""
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return len(events)

    def add(self, key: Hashable, now: float) -> None:
        self._events.setdefault(key, deque()).append(now)

    def wait(self, key: Hashable, now: float) -> int:
        """Whole seconds (at least 1) until the oldest event leaves the window."""
        events = self._events.get(key)
        if not events:
            return 1
        return max(1, math.ceil(events[0] + self.window - now))

    def clear(self) -> None:
        self._events.clear()
