"""Policy `backup_before`: the backup taken before an approved change, and the wait for it.

A request whose change must follow a backup waits in `backing_up` (`approval_machine`). For
each one this worker starts the backup once and keeps its id with the request (one conditional
UPDATE), reads it at the tracker's pace, and then either moves the request on to executing
(BACKED_UP: only the caller whose UPDATE matched sends the change, through the approval steps)
or, when the backup failed, was cancelled or expired, or had not completed within the policy's
`backup_timeout`, moves it to failed with the reason on the card: the change is never sent.

Durable: all it needs is in the request's row (its state, when it entered `backing_up`, the
backup's id), so a bot restarted while waiting goes on where it was: a stored id is read again,
never created again. The one window is a create sent whose answer, or whose recording, was lost
(a crash in between). Before starting a backup, a manual backup of the environment started since
the request entered `backing_up` is therefore adopted instead; where the API takes an
idempotency key (deployERP), the create carries one derived from the request, so a re-send is
the same backup. A second backup would cost space, never a second change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from oec_chatops.approval_machine import Event
from oec_chatops.clock import Clock
from oec_chatops.domain import Approval, ApprovalState
from oec_chatops.errors import CommandError
from oec_chatops.oec.errors import OecError
from oec_chatops.oec.ops_models import Backup
from oec_chatops.services.actions import intent_key
from oec_chatops.services.approval_steps import ApprovalSteps, unanswered
from oec_chatops.services.backup_routes import BackupRoutes
from oec_chatops.services.explain import explain
from oec_chatops.services.loop import WorkerLoop
from oec_chatops.slack.blocks.kit import format_duration
from oec_chatops.store import Store

log = logging.getLogger(__name__)

RETRY_SECONDS = 15.0  # after an API error: read (or start) again this much later


class BackupFirst(WorkerLoop):
    """Takes the backup an approved change waits for, and lets the change go once it is done."""

    name = "approvals.backup_first"

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        routes: BackupRoutes,
        timeout: float,
        pace: Callable[[float], float],
    ) -> None:
        super().__init__()
        self._store = store
        self._clock = clock
        self._routes = routes
        self._timeout = timeout
        self._pace = pace
        self._next: dict[str, float] = {}  # approval id -> when to look at it again
        self._steps: ApprovalSteps | None = None

    async def run_for(self, steps: ApprovalSteps) -> None:
        """Run the loop with these steps (they hold this worker's wake, so built after it)."""
        self._steps = steps
        await self.run()

    async def round(self) -> bool:
        steps = self._steps
        assert steps is not None, "run_for(steps) starts this worker"
        now = self._clock.time()
        waiting = self._store.approvals.in_states([ApprovalState.BACKING_UP])
        for gone in set(self._next) - {a.approval_id for a in waiting}:
            del self._next[gone]
        for a in waiting:
            if self._stopping:
                break
            if self._next.get(a.approval_id, 0.0) <= now:
                await self._step(steps, a)
        return False

    def idle_wait(self) -> float:
        if not self._next:
            return 5.0
        return min(5.0, max(0.05, min(self._next.values()) - self._clock.time()))

    async def _step(self, steps: ApprovalSteps, a: Approval) -> None:
        # A multi-workspace install: the backup is taken with the request's workspace key.
        refusal = steps.channel_scope(a.channel_id) if steps.channel_scope is not None else None
        if refusal is not None:
            self._stop(steps, a, f"No backup could be taken first: {refusal}")
            return
        since = self._store.approvals.state_since(a.approval_id) or self._clock.time()
        waited = self._clock.time() - since
        if waited >= self._timeout:
            why = f"did not complete within {format_duration(self._timeout)}"
            self._stop(steps, a, f"The backup taken first {why}")
            return
        try:
            if a.pre_backup_id is None:
                await self._start(steps, a, since)
                return
            r = self._routes.route(a.env_id)
            backup = await r.host.get(r.env_id, a.pre_backup_id)
        except CommandError as exc:  # the environment's host keeps no backups
            self._stop(steps, a, f"No backup could be taken first: {exc}")
            return
        except OecError as exc:
            self._api_error(steps, a, exc, waited)
            return
        if backup.completed:
            await self._go(steps, a)
        elif backup.terminal:
            error = f" ({backup.error_message})" if backup.error_message else ""
            self._stop(steps, a, f"The backup taken first ended {backup.status}{error}")
        else:
            self._later(a, self._pace(waited))

    async def _start(self, steps: ApprovalSteps, a: Approval, since: float) -> None:
        """Start the backup (or adopt the one a lost answer started) and keep its id."""
        r = self._routes.route(a.env_id)
        backup: Backup | None = await self._routes.adopt(
            a.env_id, datetime.fromtimestamp(since, UTC)
        )
        if backup is None:
            backup = await r.host.take(
                r.env_id,
                include_filestore=True,
                notes=None,
                key=intent_key("backup-first", a.approval_id),
            )
        with self._store.tx():
            if self._store.approvals.set_pre_backup(a.approval_id, backup.id):
                steps.audit(
                    actor="bot", action="backup_first", a=a, result="started", backup_id=backup.id
                )
                steps.refresh_card(a)
        steps.wake_outbox()
        self._later(a, self._pace(0.0))

    async def _go(self, steps: ApprovalSteps, a: Approval) -> None:
        """The backup completed: the one caller that moves the request sends the change."""
        if await steps.hold_now(a) is not None:
            # A freeze (or someone else's lock) began while the backup was taken: the change
            # it was approved for would now slip into it. Fail closed; the backup is kept.
            self._stop(
                steps,
                a,
                "The backup completed, but a freeze or someone else's lock now forbids the "
                f"change (`/oec status {a.env_label}` says which); ask again once it ends",
            )
            return
        with self._store.tx():
            moved = steps.move(a.approval_id, Event.BACKED_UP)
            if moved:
                steps.audit(
                    actor="bot",
                    action="backup_first",
                    a=a,
                    result="completed",
                    backup_id=a.pre_backup_id,
                )
        self._next.pop(a.approval_id, None)
        if moved:
            await steps.execute(a.approval_id, resuming=True)

    def _stop(self, steps: ApprovalSteps, a: Approval, why: str) -> None:
        """The change is never sent; the card says why."""
        note = f"{why}, so the {a.verb} was not sent."
        steps.finish(
            a,
            Event.BACKUP_FAILED,
            actor="bot",
            action="backup_first",
            result="failed",
            decision_note=note,
            backup_id=a.pre_backup_id,
        )
        self._next.pop(a.approval_id, None)
        steps.wake_outbox()
        log.warning("approval.backup_first_failed", extra={"approval_id": a.approval_id})

    def _api_error(self, steps: ApprovalSteps, a: Approval, exc: OecError, waited: float) -> None:
        """No answer: ask again later (within the time limit). A clear no to starting the
        backup stops the change; a refused read is asked again, the backup may still run."""
        if a.pre_backup_id is None and not unanswered(exc):
            self._stop(steps, a, f"The backup could not be started: {explain(exc).message}")
            return
        log.warning(
            "approval.backup_first_retry",
            extra={"approval_id": a.approval_id, "error": type(exc).__name__},
        )
        self._later(a, max(RETRY_SECONDS, self._pace(waited)))

    def _later(self, a: Approval, seconds: float) -> None:
        self._next[a.approval_id] = self._clock.time() + seconds
