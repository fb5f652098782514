"""`WorkerLoop`: the shape every background worker shares (outbox, tracker, approval expiry).

A round of work, then sleep until `wake()` or until the next thing falls due. The wake flag is
cleared *before* a round, so a `wake()` that arrives while the round runs (a webhook stored
meanwhile, say) is not lost: the sleep after the round returns at once.
"""

from __future__ import annotations

import abc
import asyncio
import logging

log = logging.getLogger(__name__)


class WorkerLoop(abc.ABC):
    name = "worker"

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stopping

    @abc.abstractmethod
    async def round(self) -> bool:
        """Do the work due now; True when more is due at once (no sleep before the next round)."""

    @abc.abstractmethod
    def idle_wait(self) -> float:
        """Seconds to sleep after a round when nothing wakes the loop earlier."""

    async def run(self) -> None:
        """Loop until `stop()`. A failing round is logged and the loop goes on."""
        while not self._stopping:
            self._wake.clear()
            try:
                again = await self.round()
            except Exception:
                log.exception("worker.round_failed", extra={"worker": self.name})
                again = False
            if again:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.idle_wait())
            except TimeoutError:
                pass
