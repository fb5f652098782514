"""Follows running tasks through the API until they end, feeding the same merge as webhooks.

It covers the platform side when webhooks are late, lost or not configured, and it is what
fills the progress bar: `progress_percent`, `current_step` and the step counts of the task
object (§9.7), or the last "Step N/M: ..." line of the task log when the object has none.

Pace: each task is polled every 5 s for its first 30 s, then every 10 s (§9.7), and all tasks
together never use more than a fifth of the read limit, so however many deployments run at
once, slash commands keep four fifths of the budget. Two rules make that true at every
instant, not only on average: each task's interval is its share of the budget, and reads are
spaced by a global gap (a fifth of the limit, one read at a time), so a burst of new
deployments, each due at once, is polled one gap after the other.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from oec_chatops.clock import Clock
from oec_chatops.context import team_id_var
from oec_chatops.domain import Progress
from oec_chatops.oec.errors import OecError, OecNotFound
from oec_chatops.platform import Platform
from oec_chatops.services.deployments import DeploymentUpdate, apply_update
from oec_chatops.services.loop import WorkerLoop
from oec_chatops.store import Store
from oec_chatops.store.rows import DeploymentRow
from oec_chatops.store.tracked import TrackedDeployments

log = logging.getLogger(__name__)

MAX_TRACKING_SECONDS = 30 * 60
ERROR_RETRY_SECONDS = 30.0
_STEP = re.compile(r"Step\s+(\d+)\s*/\s*(\d+)\s*:?\s*(.*)", re.IGNORECASE)
_COMMIT = re.compile(r"HEAD is now at ([0-9a-f]{7,40})\b")


def default_pace(elapsed: float) -> float:
    """§9.7: every 5 s for the first 30 s, then every 10 s."""
    return 5.0 if elapsed < 30 else 10.0


def budget_interval(active: int, read_limit: int) -> float:
    """Seconds between two polls of one task so that all `active` tasks stay within a fifth
    of `read_limit` reads a minute."""
    per_minute = max(1.0, read_limit / 5)
    return 60.0 * max(1, active) / per_minute


def parse_step_progress(log_text: str) -> Progress | None:
    """Progress from the last "Step N/M: text" line of a task log, or None if there is none."""
    for line in reversed(log_text.splitlines()):
        match = _STEP.search(line)
        if match:
            done, total, text = int(match[1]), int(match[2]), match[3].strip()
            if total <= 0:
                continue
            return Progress(
                percent=round(100.0 * max(0, done - 1) / total, 1),
                current_step=text or None,
                steps_completed=max(0, done - 1),
                total_steps=total,
            )
    return None


def parse_commit(log_text: str) -> str | None:
    """The commit a task checked out, from git's "HEAD is now at <sha>" line, or None."""
    found = _COMMIT.findall(log_text)
    return found[-1] if found else None


@dataclass(kw_only=True, eq=False)
class Tracker(WorkerLoop):
    """Polls every unfinished deployment that a message shows; `wake()` when a new one starts.

    One that no channel shows (heard of only from a webhook for an environment nobody
    subscribes to) is not polled: its reads would come out of the slash commands' budget."""

    store: Store
    platform: Platform
    clock: Clock
    on_change: Callable[[], None]
    read_limit: Callable[[], int] = field(default=lambda: 120)
    pace: Callable[[float], float] = field(default=default_pace)
    # A multi-workspace install: enters the workspace of the channel that shows a deployment
    # (its oec.sh key), or says why it can no longer be followed (uninstalled).
    channel_scope: Callable[[str], str | None] | None = None

    def __post_init__(self) -> None:
        self.tracked = TrackedDeployments(self.store.conn)
        super().__init__()
        self._next_read_at = 0.0  # clock.monotonic() before which no poll may start

    async def round(self) -> bool:
        await self.run_once()
        return False

    def idle_wait(self) -> float:
        active = self.tracked.shown_active(limit=500)
        if not active:
            return 5.0
        soonest = min((r.next_poll_at or 0.0) for r in active)
        gap = self._next_read_at - self.clock.monotonic()
        return min(5.0, max(0.02, soonest - self.clock.time(), gap))

    def read_gap(self) -> float:
        """Seconds between two reads of all tasks together: a fifth of the read limit."""
        return budget_interval(1, self.read_limit())

    async def run_once(self) -> int:
        """Poll the tasks that are due, as many as the read gap lets through now; count them."""
        active = self.tracked.shown_active(limit=500)
        now = self.clock.time()
        due = [r for r in active if (r.next_poll_at or 0.0) <= now and r.task_id]
        polled = 0
        for row in due:
            if self._stopping or self.clock.monotonic() < self._next_read_at:
                break
            reads = await self.poll(row, active=len(active))
            self._next_read_at = self.clock.monotonic() + reads * self.read_gap()
            polled += 1
        return polled

    def _give_up(self, row: DeploymentRow, why: str) -> None:
        """Stop following the task: its status becomes `unknown`, with the reason shown."""
        self._apply(
            DeploymentUpdate(task_id=row.task_id, status="unknown", error_message=why),
            next_poll_at=None,
        )

    async def poll(self, row: DeploymentRow, *, active: int = 1) -> int:
        """Read the task (and its log when the task has no progress); return how many reads."""
        if self.channel_scope is None:
            return await self._poll(row, active=active)
        team = team_id_var.set("")
        try:
            # Started by a command: its channel's workspace. Heard of from a workspace's webhook
            # only: the workspace of a channel showing it (whose key may read the task).
            channel = row.origin_channel_id or self.store.workspace_webhooks.channel_showing(
                row.task_id
            )
            refusal = self.channel_scope(channel or "")
            if refusal is not None:
                self._give_up(row, f"Stopped following it: {refusal}.")
                return 0
            return await self._poll(row, active=active)
        finally:
            team_id_var.reset(team)

    async def _poll(self, row: DeploymentRow, *, active: int) -> int:
        now = self.clock.time()
        elapsed = now - row.created_at
        if elapsed > MAX_TRACKING_SECONDS:
            self._give_up(
                row, "No final status from oec.sh after 30 minutes; stopped following it."
            )
            return 0
        reads = 1
        try:
            task = await self.platform.get_task(row.task_id)
        except OecNotFound:
            self._give_up(row, "oec.sh no longer knows this task.")
            return reads
        except OecError as exc:
            log.warning(
                "tracker.poll_failed", extra={"task_id": row.task_id, "error": type(exc).__name__}
            )
            self.store.deployments.set_next_poll(row.task_id, now + ERROR_RETRY_SECONDS)
            return reads
        progress: Progress | None = task.progress
        commit = task.commit
        if (
            not task.terminal
            and task.progress_percent is None
            and task.steps_completed is None
            and row.env_id
        ):
            reads += 1
            try:
                tail = await self.platform.get_logs(row.env_id, task_id=row.task_id, lines=20)
                progress = parse_step_progress(tail.log) or progress
                commit = commit or parse_commit(tail.log)
            except OecError:
                pass
        # A poll that also read the log used two reads of the task's share.
        interval = max(self.pace(elapsed), reads * budget_interval(active, self.read_limit()))
        self._apply(
            DeploymentUpdate(
                task_id=row.task_id,
                status=task.status,
                env_id=task.environment_id,
                progress=progress,
                started_at=task.started_at,
                completed_at=task.completed_at,
                duration_seconds=task.duration_seconds,
                error_message=task.error_message,
                commit=commit,
            ),
            next_poll_at=self.clock.time() + interval,
        )
        return reads

    def _apply(self, update: DeploymentUpdate, *, next_poll_at: float | None) -> None:
        now = self.clock.time()
        with self.store.tx():
            # A multi-workspace install: the workspace whose key polled refreshes its channels;
            # none entered (its workspace is gone), then no channel at all, never every one.
            team = team_id_var.get() if self.channel_scope is not None else None
            applied = apply_update(
                self.store, update, now=now, next_poll_at=next_poll_at, team=team
            )
            self.store.deployments.set_next_poll(update.task_id, next_poll_at)
        if applied.channels:
            self.on_change()
