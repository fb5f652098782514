"""deployERP's rate limits kept locally, so a burst of commands waits instead of meeting 429s.

The seed documents a budget per hour (Starter 1,000, Professional 5,000) with a per-minute burst
(100, 500) and the headers `X-RateLimit-Limit / -Remaining / -Reset`; CONTRACT.md §3 pins that
the headers describe the hourly budget and that `Reset` is a Unix instant. So we keep two counts:

- the hourly budget: `remaining` as the last answer said, minus what we sent since; at zero we
  wait on the injected clock until `Reset`;
- the burst: at most `burst` requests in any 60 s (a sliding window is never looser than the
  server's minute, however it counts), the burst taken from settings or derived from the hourly
  limit as the plan table does.

A 429 pauses every request until its `Retry-After` has passed. One `asyncio.Lock` makes waiters
leave in arrival order. Nothing here does I/O but waiting on the clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from oec_chatops.clock import Clock
from oec_chatops.deployerp.settings import DerpSettings
from oec_chatops.httpapi.backoff import parse_reset
from oec_chatops.oec.ratelimit import RateLimitHeaders

log = logging.getLogger("oec_chatops.deployerp.budget")

BURST_WINDOW = 60.0
_MIN_WAIT = 0.001


@dataclass(frozen=True, slots=True)
class LimitHeaders:
    """The X-RateLimit-* headers of one answer; each may be missing."""

    limit: int | None = None
    remaining: int | None = None
    reset_in: float | None = None

    @classmethod
    def read(cls, headers: Mapping[str, str], *, now: float) -> LimitHeaders:
        """`headers` is case-insensitive (httpx.Headers); `Reset` is a Unix instant or a delay."""
        counts = RateLimitHeaders.from_headers(headers)
        return cls(
            limit=counts.limit,
            remaining=counts.remaining,
            reset_in=parse_reset(headers.get("x-ratelimit-reset"), now=now),
        )


class Budget:
    """The key's hourly budget and per-minute burst, on the injected clock."""

    def __init__(self, clock: Clock, settings: DerpSettings) -> None:
        self._clock = clock
        self._settings = settings
        self.hourly_limit: int | None = None
        self._remaining: int | None = None
        self._reset_at = 0.0
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    @property
    def burst(self) -> int:
        """Requests a minute: configured, else a share of the hourly limit seen, else fallback."""
        s = self._settings
        if s.burst_per_minute is not None:
            return s.burst_per_minute
        if self.hourly_limit is not None:
            return max(1, int(self.hourly_limit * s.burst_share_of_hourly))
        return s.fallback_burst_per_minute

    async def acquire(self) -> float:
        """Take one request's worth of budget, waiting as long as needed; returns the wait."""
        waited = 0.0
        async with self._lock:
            while True:
                wait = self._wait_needed(self._clock.monotonic(), self._clock.time())
                if wait <= 0:
                    self._sent.append(self._clock.monotonic())
                    if self._remaining is not None:
                        self._remaining -= 1
                    return waited
                log.info("deployerp.ratelimit.queued", extra={"wait_s": round(wait, 3)})
                await self._clock.sleep(wait)
                waited += wait

    def _wait_needed(self, mono: float, now: float) -> float:
        if mono < self._paused_until:
            return self._paused_until - mono
        while self._sent and self._sent[0] <= mono - BURST_WINDOW:
            self._sent.popleft()
        if len(self._sent) >= self.burst:
            return max(_MIN_WAIT, self._sent[0] + BURST_WINDOW - mono)
        if self._remaining is not None and self._remaining <= 0:
            if now < self._reset_at:
                return max(_MIN_WAIT, self._reset_at - now)
            self._remaining = None  # a new hour: the next answer tells us its count
        return 0.0

    def observe(self, seen: LimitHeaders, *, now: float) -> None:
        """Adopt what an answer says; never believe more room than we have counted since."""
        if seen.limit is not None:
            self.hourly_limit = seen.limit
        new_window = False
        if seen.reset_in is not None:
            reset_at = now + seen.reset_in
            new_window = abs(reset_at - self._reset_at) > 1.0
            self._reset_at = reset_at
        if seen.remaining is not None:
            if self._remaining is None or new_window:
                self._remaining = seen.remaining
            else:  # answers of concurrent requests may arrive out of order
                self._remaining = min(self._remaining, seen.remaining)

    def pause(self, seconds: float) -> None:
        """A 429 said to wait `seconds`: hold every request back until then."""
        until = self._clock.monotonic() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)
