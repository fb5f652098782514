"""Waiting on the fake Slack: its change feed, and `wait_for` a condition on its state.

Split from `fake_slack.py` so the fake's behaviour and the way tests watch it read apart.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Self, TypeVar

from oec_chatops.playground.faults import Faults
from oec_chatops.playground.traffic import Call, Change
from oec_chatops.playground.workspace import Workspace

T = TypeVar("T")


class FakeSlackWaiting:
    """The change feed and `wait_for` of `FakeSlack` (which sets these attributes)."""

    _ws: Workspace
    _calls: deque[Call]
    _calls_seq: int
    _faults: Faults

    @property
    def version(self) -> int:
        """A counter bumped by every change: a live feed sends what is newer than it last saw."""
        return self._ws.version

    def subscribe(self, subscriber: Callable[[Change], None]) -> Callable[[], None]:
        """Call `subscriber` (synchronously) with each change; returns the unsubscribe function."""
        return self._ws.subscribe(subscriber)

    async def wait_for(
        self,
        predicate: Callable[[Self], T | None],
        timeout: float = 5.0,
    ) -> T:
        """Wait until `predicate(fake)` gives something truthy, and return it.

        Falsy answers (None, False, an empty list) mean "not yet", so
        `lambda f: f.messages("C1")` waits for the first message.

        The predicate is checked now and after every change, never on a timer, so a test waits
        exactly as long as the bot takes. On timeout the error lists the last calls the fake
        saw, which is usually the whole story of why.
        """
        changed = asyncio.Event()
        unsubscribe = self.subscribe(lambda _change: changed.set())
        try:
            async with asyncio.timeout(timeout):
                while True:
                    changed.clear()
                    result = predicate(self)
                    if result:
                        return result
                    await changed.wait()
        except TimeoutError:
            raise TimeoutError(self._describe_timeout(predicate, timeout)) from None
        finally:
            unsubscribe()

    def _describe_timeout(self, predicate: Callable[..., object], timeout: float) -> str:
        name = getattr(predicate, "__qualname__", repr(predicate))
        recent = list(self._calls)[-10:]
        lines = [c.summary() for c in recent] or ["(no calls at all)"]
        scenarios = self._faults.describe()
        return (
            f"FakeSlack.wait_for({name}) still unsatisfied after {timeout} s. "
            f"Last {len(recent)} of {self._calls_seq} calls:\n  "
            + "\n  ".join(lines)
            + (f"\nScenarios in force: {scenarios}" if scenarios else "")
        )
