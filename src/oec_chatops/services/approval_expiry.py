"""The approvals worker: expires pending requests on time and asks oec.sh again about approved
actions it did not answer (with the same idempotency key), also after a restart.

Apart from `services.approvals` because it is a loop with its own schedule, not a step of the
request's state machine; the steps it takes (`expire_due`, `execute`) are that module's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oec_chatops.services.approvals import execute, expire_due
from oec_chatops.services.loop import WorkerLoop

if TYPE_CHECKING:
    from oec_chatops.container import Container

# When oec.sh did not answer an approved action: ask again after these many seconds, then
# give up and say so (about 15 minutes in all, well inside the key's 24 hours).
ASK_AGAIN_AFTER = (15.0, 30.0, 60.0, 120.0, 240.0, 480.0)


class ExpiryWorker(WorkerLoop):
    """Expires pending requests on time, without a click, also after a restart; and asks oec.sh
    again, with the same idempotency key, about approved actions it did not answer."""

    name = "approvals.expiry"

    def __init__(self) -> None:
        super().__init__()
        self._asks: dict[str, tuple[int, float]] = {}  # approval id -> (asks so far, next at)
        self._c: Container | None = None

    def ask_again_later(self, approval_id: str, *, now: float) -> bool:
        """Schedule another ask; False once the schedule is used up (the caller then fails it)."""
        count, _ = self._asks.get(approval_id, (0, 0.0))
        if count >= len(ASK_AGAIN_AFTER):
            self._asks.pop(approval_id, None)
            return False
        self._asks[approval_id] = (count + 1, now + ASK_AGAIN_AFTER[count])
        self._wake.set()
        return True

    def forget(self, approval_id: str) -> None:
        self._asks.pop(approval_id, None)

    def _due_asks(self, now: float) -> list[str]:
        due = [i for i, (_, at) in self._asks.items() if at <= now]
        for approval_id in due:
            count, _ = self._asks[approval_id]
            self._asks[approval_id] = (count, float("inf"))  # until execute() reschedules it
        return due

    async def run_for(self, c: Container) -> None:
        """Run the loop for this container (the worker is built before the container is)."""
        self._c = c
        await self.run()

    async def round(self) -> bool:
        c = self._c
        assert c is not None, "run_for(container) starts this worker"
        expire_due(c)
        for approval_id in self._due_asks(c.clock.time()):
            c.runner.spawn(execute(c, approval_id, resuming=True), name="approval-ask-again")
        return False

    def idle_wait(self) -> float:
        c = self._c
        assert c is not None, "run_for(container) starts this worker"
        times = [at for _, at in self._asks.values()]
        nxt = c.store.approvals.next_expiry()
        if nxt is not None:
            times.append(nxt)
        return 5.0 if not times else min(5.0, max(0.05, min(times) - c.clock.time()))
