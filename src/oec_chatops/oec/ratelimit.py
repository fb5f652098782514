"""The client's own rate limiter: queue a burst of commands instead of collecting 429s.

oec.sh counts, per key, 120 reads and 20 writes in a calendar-minute bucket, separately
(CONTRACT.md §9.4), and webhook changes at 10 a minute on top. We keep the same buckets,
correct them from `X-RateLimit-Limit / -Remaining / -Window` whenever an answer carries them
(older API versions count a full-access key's reads against its 20: the read limit header says
so), and when a bucket is spent we wait on the injected clock for the next window instead of
sending a request that would be refused.

Each bucket has its own `asyncio.Lock`, held while waiting, so waiters leave in arrival order and
a queue of writes never holds up reads. Only the first waiter sleeps on the clock; the others
wait for the lock. So that none of them waits in silence, each one works out on arrival how
long its turn will take (`expected_wait`: its place in the line against the slots left in this
window and the next ones) and, when that is NOTICE_AFTER or more, says so through
`context.notify_wait` ("budget", seconds): the command waiting tells its user at once.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from oec_chatops.clock import Clock
from oec_chatops.context import notify_wait

log = logging.getLogger("oec_chatops.oec.ratelimit")

DEFAULT_WINDOW = 60.0
_MIN_WAIT = 0.001
NOTICE_AFTER = 2.0
"""A wait this long (seconds) or longer is announced to whoever waits (`notify_wait`)."""


class Budget(StrEnum):
    """Which count a request draws from."""

    READ = "read"
    WRITE = "write"
    WEBHOOK = "webhook"  # webhook create/update/delete: also a WRITE


DEFAULT_LIMITS = {Budget.READ: 120, Budget.WRITE: 20, Budget.WEBHOOK: 10}


@dataclass(slots=True)
class _Bucket:
    limit: int
    window: float = DEFAULT_WINDOW
    window_start: float = -1.0
    used: int = 0
    paused_until: float = 0.0
    waiters: int = 0  # requests inside `acquire` (holding or waiting for the lock)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(frozen=True, slots=True)
class Ticket:
    """Proof of a slot taken: which window it was counted in, and how long we queued for it."""

    window_start: float
    waited: float


@dataclass(frozen=True, slots=True)
class RateLimitHeaders:
    """The X-RateLimit-* headers of one answer (each may be missing)."""

    limit: int | None = None
    remaining: int | None = None
    window: float | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitHeaders:
        """Read the headers; `headers` is case-insensitive (httpx.Headers)."""
        limit = _positive_int(headers.get("x-ratelimit-limit"))
        remaining = _positive_int(headers.get("x-ratelimit-remaining"), allow_zero=True)
        window = _positive_int(headers.get("x-ratelimit-window"))
        return cls(limit=limit, remaining=remaining, window=float(window) if window else None)


class RateLimiter:
    """Per-key read, write and webhook budgets over calendar windows of the injected clock."""

    def __init__(self, clock: Clock, *, limits: Mapping[Budget, int] | None = None) -> None:
        self._clock = clock
        self._limits = dict(DEFAULT_LIMITS)
        self._limits.update(limits or {})
        self._buckets: dict[tuple[str, Budget], _Bucket] = {}

    def _bucket(self, key_slot: str, budget: Budget) -> _Bucket:
        bucket = self._buckets.get((key_slot, budget))
        if bucket is None:
            bucket = _Bucket(limit=self._limits[budget])
            self._buckets[(key_slot, budget)] = bucket
        return bucket

    def limit(self, key_slot: str, budget: Budget) -> int:
        """The limit currently believed for this key and budget (the header's, once seen)."""
        return self._bucket(key_slot, budget).limit

    async def acquire(self, key_slot: str, budget: Budget) -> Ticket:
        """Take one slot, waiting on the clock for the next window when this one is spent."""
        bucket = self._bucket(key_slot, budget)
        expected = expected_wait(bucket, now=self._clock.time(), ahead=bucket.waiters)
        if expected >= NOTICE_AFTER:
            notify_wait("budget", expected)
        bucket.waiters += 1
        try:
            return await self._take(key_slot, budget, bucket)
        finally:
            bucket.waiters -= 1

    async def _take(self, key_slot: str, budget: Budget, bucket: _Bucket) -> Ticket:
        waited = 0.0
        async with bucket.lock:
            while True:
                now = self._clock.time()
                if now < bucket.paused_until:
                    pause = bucket.paused_until - now
                    await self._wait(key_slot, budget, pause)
                    waited += pause
                    continue
                start = math.floor(now / bucket.window) * bucket.window
                if start != bucket.window_start:
                    bucket.window_start, bucket.used = start, 0
                if bucket.used < bucket.limit:
                    bucket.used += 1
                    return Ticket(window_start=start, waited=waited)
                wait = max(_MIN_WAIT, start + bucket.window - now)
                await self._wait(key_slot, budget, wait)
                waited += wait

    async def _wait(self, key_slot: str, budget: Budget, seconds: float) -> None:
        log.info(
            "oec.ratelimit.queued",
            extra={"key_slot": key_slot, "budget": budget.value, "wait_s": seconds},
        )
        await self._clock.sleep(seconds)

    def observe(
        self,
        key_slot: str,
        budget: Budget,
        ticket: Ticket,
        headers: RateLimitHeaders,
        *,
        refused: bool = False,
    ) -> None:
        """Adopt what the server says about this budget; never believe more room than we count.

        On a refusal (429) the remaining count is not adopted: the wait the 429 dictates is
        applied through `pause`, and our calendar window may not match the server's exactly.
        """
        bucket = self._bucket(key_slot, budget)
        if headers.window is not None:
            bucket.window = headers.window
        if headers.limit is not None:
            bucket.limit = headers.limit
        if refused:
            return
        if headers.remaining is not None and ticket.window_start == bucket.window_start:
            bucket.used = max(bucket.used, bucket.limit - headers.remaining)

    def pause(self, key_slot: str, budget: Budget, *, until: float) -> None:
        """A 429 said the budget is spent until `until` (clock time): hold every request back."""
        bucket = self._bucket(key_slot, budget)
        bucket.paused_until = max(bucket.paused_until, until)


def expected_wait(bucket: _Bucket, *, now: float, ahead: int) -> float:
    """How long a request that finds `ahead` others in line waits for its slot.

    Each one ahead takes one slot: first what is left of the current window (or of the first
    window after a 429's pause), then a whole window's `limit` at a time. A best guess: a 429
    or a header that lowers the limit can make the real wait longer.
    """
    t = max(now, bucket.paused_until)
    start = math.floor(t / bucket.window) * bucket.window
    used = bucket.used if start == bucket.window_start else 0
    free = max(0, bucket.limit - used)
    if ahead < free:
        return t - now
    windows = (ahead - free) // max(1, bucket.limit) + 1
    return start + windows * bucket.window - now


def _positive_int(value: str | None, *, allow_zero: bool = False) -> int | None:
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    if number < 0 or (number == 0 and not allow_zero):
        return None
    return number
