"""The approvals worker: expires pending requests on time and asks oec.sh again about approved
actions it did not answer (with the same idempotency key), also after a restart.

Apart from `services.approvals` because it is a loop with its own schedule, not a step of the
request's state machine; the steps it takes (`expire_due`, `execute`) are given to `run_for`
(`services.approval_steps.ApprovalSteps`, which in turn holds this worker as its schedule).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from oec_chatops.clock import Clock
from oec_chatops.services.loop import FOLLOWER_WAIT, WorkerLoop
from oec_chatops.services.runner import Runner
from oec_chatops.store import Store

# When oec.sh did not answer an approved action: ask again after these many seconds, then
# give up and say so (about 15 minutes in all, well inside the key's 24 hours).
ASK_AGAIN_AFTER = (15.0, 30.0, 60.0, 120.0, 240.0, 480.0)


class ExpirySteps(Protocol):
    """What the worker does when something falls due."""

    def expire_due(self) -> int: ...

    def sweep_waiting(self) -> Coroutine[Any, Any, int]: ...

    def execute(self, approval_id: str, *, resuming: bool = False) -> Coroutine[Any, Any, None]: ...


class ExpiryWorker(WorkerLoop):
    """Expires pending requests on time, without a click, also after a restart; and asks oec.sh
    again, with the same idempotency key, about approved actions it did not answer."""

    name = "approvals.expiry"

    def __init__(self, *, store: Store, clock: Clock, runner: Runner) -> None:
        super().__init__()
        self._store = store
        self._clock = clock
        self._runner = runner
        self._asks: dict[str, tuple[int, float]] = {}  # approval id -> (asks so far, next at)
        self._steps: ExpirySteps | None = None
        # Several replicas: expiring is one replica's job (the leader's), but the asks are this
        # replica's own (it sent the action), so they run here whoever leads.
        self.leads: Callable[[], bool] | None = None

    def _leading(self) -> bool:
        return self.leads is None or self.leads()

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

    async def run_for(self, steps: ExpirySteps) -> None:
        """Run the loop taking these steps (they hold this worker, so they are built after it)."""
        self._steps = steps
        await self.run()

    async def round(self) -> bool:
        steps = self._steps
        assert steps is not None, "run_for(steps) starts this worker"
        if self._leading():
            steps.expire_due()
            await steps.sweep_waiting()  # approved changes waiting for a freeze or lock to end
        for approval_id in self._due_asks(self._clock.time()):
            self._runner.spawn(steps.execute(approval_id, resuming=True), name="approval-ask-again")
        return False

    def idle_wait(self) -> float:
        times = [at for _, at in self._asks.values()]
        if self._leading():
            nxt = self._store.approvals.next_expiry()
        else:  # a follower asks again soon whether it leads now (the leader may have died)
            nxt = self._clock.time() + FOLLOWER_WAIT
        if nxt is not None:
            times.append(nxt)
        return 5.0 if not times else min(5.0, max(0.05, min(times) - self._clock.time()))
