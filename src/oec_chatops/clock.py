"""Time as a dependency, so tests can move it instead of sleeping."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """What the services need of time: wall-clock instants, a monotonic counter, and waiting."""

    def now(self) -> datetime:
        """Timezone-aware UTC now."""
        ...

    def time(self) -> float:
        """Unix seconds (wall clock): for signatures and expiries stored in the database."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never goes back: for rate limits and timeouts."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds`; a fake clock advances instead."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that moves only when told to (or when someone sleeps on it).

    `sleep()` advances the clock by the requested amount and yields once, so code that waits
    for a `Retry-After` of 30 s runs instantly in tests while still seeing 30 s pass.
    """

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._t = start
        self._mono = 1000.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._t, UTC)

    def time(self) -> float:
        return self._t

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._t += seconds
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.slept.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)


class ScaledClock:
    """The real clock run `factor` times faster, for runs against minute-long budgets.

    Everything on it (the bot's pacing, the stand-in's rate limits, `Retry-After` waits) sees
    time pass `factor` times faster than it does, so a run that Slack's limits would stretch over
    two minutes takes a few seconds. Socket timeouts are not on any clock: they stay real.
    """

    def __init__(self, factor: float) -> None:
        if factor <= 0:
            raise ValueError("factor must be > 0")
        self.factor = factor
        self._wall0 = time.time()
        self._mono0 = time.monotonic()

    def _elapsed(self) -> float:
        return (time.monotonic() - self._mono0) * self.factor

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def time(self) -> float:
        return self._wall0 + self._elapsed()

    def monotonic(self) -> float:
        return self._mono0 + self._elapsed()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.factor)
