"""`WorkerLoop`: the shape every background worker shares (outbox, tracker, approval expiry).

A round of work, then sleep until `wake()` or until the next thing falls due. The wake flag is
cleared *before* a round, so a `wake()` that arrives while the round runs (a webhook stored
meanwhile, say) is not lost: the sleep after the round returns at once.

A loop that must run on one replica only (expiry, tracking, pruning, when several replicas
share a PostgreSQL database) is given a `gate` (`Leadership.is_leader`): while it answers
False the loop does no round and asks again every `FOLLOWER_WAIT` seconds.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

FOLLOWER_WAIT = 0.5


class WorkerLoop(abc.ABC):
    name = "worker"

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._stopping = False
        self.gate: Callable[[], bool] | None = None  # runs rounds only while this says True

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
            if self.gate is not None and not self.gate():
                await self._sleep(FOLLOWER_WAIT)
                continue
            try:
                again = await self.round()
            except Exception:
                log.exception("worker.round_failed", extra={"worker": self.name})
                again = False
            if again:
                continue
            await self._sleep(self.idle_wait())

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except TimeoutError:
            pass
