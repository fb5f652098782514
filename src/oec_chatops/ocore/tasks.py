"""oCore has no task ids: a control action becomes a synthetic task, settled from `/health`. Pure.

The id encodes everything needed to follow the action later, even after the bot restarted:
`ocore:<action>:<accepted, unix milliseconds>:<instance id>`. The instance id comes last, so it
may contain anything; the prefix keeps these ids apart from oec.sh's and deployERP's.

How a reading of `/health` settles the task (CONTRACT.md §2, values in `OcoreSettings`):

- `error` or `failed`: failed, with oCore's status message.
- the target status (`running` after start/restart, `stopped` after stop): completed. A restart
  starts and ends in `running`, so for a restart `running` counts only once the instance was
  seen moving (the adapter remembers a non-`running` reading) or its `lastRestartAt` is not
  older than the moment the restart was accepted (less `restart_skew`); before that the task is
  `queued`, waiting for oCore to begin.
- anything else: `running`, its step the status message (or the status itself).
- still not settled `settle_limit` seconds after acceptance: failed, saying it timed out.

Progress is two steps, accepted → moving → settled (`0/2`, `1/2`, `2/2`): the living message
draws a bar, and the tracker, seeing steps, does not spend a read asking for a log oCore lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from oec_chatops.oec.models import Task

PREFIX = "ocore"
STEPS = {"queued": 0, "running": 1, "completed": 2}
TARGET_STATUS = {"start": "running", "restart": "running", "stop": "stopped"}
FAILED_STATUSES = frozenset({"error", "failed"})


@dataclass(frozen=True, slots=True)
class ActionRef:
    """A control action as its synthetic task id encodes it."""

    instance_id: str
    action: str
    accepted_at: float  # unix seconds, millisecond precision

    @property
    def task_id(self) -> str:
        return f"{PREFIX}:{self.action}:{round(self.accepted_at * 1000)}:{self.instance_id}"

    @property
    def target(self) -> str:
        return TARGET_STATUS[self.action]


def parse_task_id(task_id: str) -> ActionRef | None:
    """The action behind a synthetic id, or None when the text is not one."""
    parts = task_id.split(":", 3)
    if len(parts) != 4 or parts[0] != PREFIX or parts[1] not in TARGET_STATUS:
        return None
    if not parts[2].isdigit() or not parts[3].strip():
        return None
    return ActionRef(instance_id=parts[3], action=parts[1], accepted_at=int(parts[2]) / 1000)


@dataclass(frozen=True, slots=True)
class Reading:
    """One `/health` answer, and what else is known about the instance."""

    status: str
    status_message: str | None = None
    moved: bool = False  # a non-target status was seen since the action was accepted
    last_restart_at: datetime | None = None


def is_moving(ref: ActionRef, status: str) -> bool:
    """True when this status shows the action under way (so a later target status is its end)."""
    s = status.strip().lower()
    return s != ref.target and s not in FAILED_STATUSES


def restart_began(ref: ActionRef, last_restart_at: datetime | None, *, skew: float) -> bool:
    """oCore's `lastRestartAt` shows a restart at or after the accepted moment (less `skew`)."""
    return last_restart_at is not None and (last_restart_at.timestamp() >= ref.accepted_at - skew)


def settle(ref: ActionRef, reading: Reading, *, now: float, limit: float, skew: float) -> Task:
    """The task for this reading of `/health`; see the module docstring for the rules."""
    status = reading.status.strip().lower()
    started = datetime.fromtimestamp(ref.accepted_at, UTC)
    elapsed = max(0.0, now - ref.accepted_at)
    shown = reading.status_message or f"oCore reports the instance as {reading.status}"

    def task(state: str, *, step: str | None = None, error: str | None = None) -> Task:
        ended = state in {"completed", "failed"}
        return Task(
            id=ref.task_id,
            type=ref.action,
            status=state,
            environment_id=ref.instance_id,
            current_step=step,
            steps_completed=STEPS.get(state),
            total_steps=2 if state in STEPS else None,
            started_at=started,
            completed_at=datetime.fromtimestamp(now, UTC) if ended else None,
            duration_seconds=round(elapsed, 3) if ended else None,
            error_message=error,
        )

    if status in FAILED_STATUSES:
        return task("failed", step=reading.status_message, error=shown)
    if status == ref.target:
        began = reading.moved or restart_began(ref, reading.last_restart_at, skew=skew)
        if ref.action != "restart" or began:
            return task("completed", step=reading.status_message)
    if elapsed >= limit:
        minutes = f"{limit / 60:g} minutes" if limit >= 60 else f"{limit:g} s"
        return task(
            "failed",
            step=reading.status_message,
            error=(
                f"oCore still reported '{reading.status}' {minutes} after the {ref.action} "
                "was accepted, so the bot stopped following it; check the instance on oCore."
            ),
        )
    if status == ref.target:
        return task("queued", step=f"Waiting for oCore to begin the {ref.action}")
    return task("running", step=shown)
