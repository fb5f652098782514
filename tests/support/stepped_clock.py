"""A clock that moves only when the test moves it, for whole-stack tests of timers.

`ManualClock.sleep` moves the clock itself: right for one component, but in a whole stack every
idle worker's wait would move time for all of them at once, so a 30 minute expiry could pass in
a blink and a `Retry-After` would prove nothing. Here a sleeper waits, without a real wait,
until the test has moved the clock past its deadline, so the simulator's tasks, the bot's
pacing and the fake Slack's windows all see the same time pass, and only as the test says.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T")


class SteppedClock:
    """The `Clock` protocol, on time that only `advance` moves."""

    def __init__(self, start: float | None = None) -> None:
        self._t = time.time() if start is None else start
        self._mono = 1000.0
        self._moved = asyncio.Condition()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._t, UTC)

    def time(self) -> float:
        return self._t

    def monotonic(self) -> float:
        return self._mono

    async def sleep(self, seconds: float) -> None:
        """Wait until the clock has been moved `seconds` on (yield once for 0)."""
        deadline = self._mono + max(0.0, seconds)
        if deadline <= self._mono:
            await asyncio.sleep(0)
            return
        async with self._moved:
            await self._moved.wait_for(lambda: self._mono >= deadline)

    async def advance(self, seconds: float) -> None:
        """Move time on and let every sleeper whose deadline passed run."""
        self._t += seconds
        self._mono += seconds
        async with self._moved:
            self._moved.notify_all()
        await asyncio.sleep(0)

    async def until(
        self, check: Callable[[], T | None], *, step: float = 0.1, at_most: float = 600.0
    ) -> T:
        """Move the clock on by `step`, again and again, until `check()` is truthy; return it.

        Between steps the loop lets real I/O (the loopback HTTP between the parts) finish, so a
        step is taken only when what it started has been answered. Fails after `at_most`
        seconds of the clock, or 30 real seconds."""
        moved = 0.0
        async with asyncio.timeout(30):
            while not (found := check()):
                if moved >= at_most:
                    raise TimeoutError(f"still not true after {at_most} s of the clock: {check}")
                await self.advance(step)
                moved += step
                # ASYNC110 allowed: the parts answer over real sockets; 5 ms polls, bounded.
                await asyncio.sleep(0.005)
        return found
