"""What a task does and where it stands at any instant of the injected clock.

A task is planned once (its steps, and whether and where it fails) and scheduled once (when it
starts and ends); its status, progress fields and log at time `now` are then pure functions of
that plan and `now`. Tests that move a `ManualClock` therefore see exactly the same task as a
real clock would show at that instant. Logs use the "Step N/M: ..." lines of CONTRACT.md §5.3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

QUEUE_SHARE = 0.1  # of task_seconds spent queued; the rest is split evenly between the steps
_SLACK = 1e-4  # seconds: unix-time floats near 1.7e9 are only exact to ~0.2 µs


class TaskKind(StrEnum):
    DEPLOY = "deploy"
    RESTART = "restart"
    START = "start"
    STOP = "stop"
    QUICK_UPDATE = "quick_update"
    BACKUP = "backup"
    RESTORE = "restore"

    @property
    def api_type(self) -> str:
        """The task `type` the API shows: the vendor's clients know only deploy, restart,
        start, stop, backup and destroy (§9.7), and a quick update is a `deploy` task. A
        restore is shown as `deploy` too: it replaces the running site (inferred)."""
        return _API_TYPES.get(self, self.value)

    def status_after(self, current: str) -> str:
        """The environment's status once such a task completed: a backup changes nothing."""
        if self is TaskKind.STOP:
            return "stopped"
        return current if self is TaskKind.BACKUP else "running"


_API_TYPES = {TaskKind.QUICK_UPDATE: "deploy", TaskKind.RESTORE: "deploy"}
DEPLOY_KINDS = frozenset({TaskKind.DEPLOY, TaskKind.QUICK_UPDATE, TaskKind.RESTORE})
TERMINAL = frozenset({"completed", "failed", "cancelled"})
# `mode` of a backup or restore task that leaves the filestore out (`--no-filestore`).
DATABASE_ONLY = "database_only"

_LABELS = {
    TaskKind.DEPLOY: "Deployment",
    TaskKind.RESTART: "Restart",
    TaskKind.START: "Start",
    TaskKind.STOP: "Stop",
    TaskKind.QUICK_UPDATE: "Quick update",
    TaskKind.BACKUP: "Backup",
    TaskKind.RESTORE: "Restore",
}


@dataclass(frozen=True, slots=True)
class Step:
    key: str  # what `current_step` says, e.g. "build"
    text: str  # the "Step N/M:" line
    detail: tuple[str, ...] = ()  # lines logged when the step finishes


@dataclass(frozen=True, slots=True)
class Plan:
    kind: TaskKind
    steps: tuple[Step, ...]
    fail_at: int | None = None  # index of the step that fails
    failure: str | None = None  # its error_message


@dataclass(frozen=True, slots=True)
class Target:
    """What the steps talk about."""

    server_name: str
    repo_url: str | None
    branch: str
    odoo_version: str
    url: str | None
    ref: str  # short commit sha the pull "finds"


def plan_task(
    kind: TaskKind,
    target: Target,
    *,
    modules: tuple[str, ...] = (),
    mode: str | None = None,
    fail: bool = False,
) -> Plan:
    """The steps of one task; with `fail`, where it breaks and what it says."""
    connect = Step("connect", f"Connecting to server {target.server_name}...", ("  Connected.",))
    pull = Step(
        "git_pull",
        f"Pulling branch {target.branch} from {target.repo_url or 'the project repository'}...",
        (f"  HEAD is now at {target.ref}.",),
    )
    restart = Step(
        "restart", "Restarting containers...", ("  odoo and postgres containers are up.",)
    )
    health = Step(
        "health_check",
        f"Running health check on {target.url or 'the environment'}...",
        ("  HTTP 200 OK.",),
    )
    if kind is TaskKind.DEPLOY:
        build = Step(
            "build",
            f"Building Docker image (Odoo {target.odoo_version})...",
            (f"  Image built: odoo-{target.odoo_version}:{target.ref}.",),
        )
        steps: tuple[Step, ...] = (
            connect,
            pull,
            build,
            _module_step(modules, "update"),
            restart,
            health,
        )
        failure = f"Docker build failed: the requirements of branch {target.branch} could not be installed."
        return _with_failure(kind, steps, fail, "build", failure)
    if kind is TaskKind.QUICK_UPDATE:
        middle: tuple[Step, ...] = ()
        if mode == "update_all":
            middle = (_module_step(("all",), "update"),)
        elif mode in ("update_specific", "reinitialize_specific"):
            verb = "reinitialize" if mode == "reinitialize_specific" else "update"
            middle = (_module_step(modules, verb),)
        steps = (connect, pull, *middle, restart, health)
        if middle:
            failure = "Module upgrade failed: an upgrade script raised an error."
            return _with_failure(kind, steps, fail, middle[0].key, failure)
        failure = "The containers did not come back after the restart."
        return _with_failure(kind, steps, fail, "restart", failure)
    if kind in (TaskKind.BACKUP, TaskKind.RESTORE):
        return _backup_plan(kind, connect, restart, health, mode=mode, fail=fail)
    if kind is TaskKind.RESTART:
        steps = (connect, restart, health)
    elif kind is TaskKind.START:
        start = Step("start", "Starting containers...", ("  odoo and postgres containers are up.",))
        steps = (connect, start, health)
    else:
        stop = Step("stop", "Stopping containers...", ("  Containers stopped; data kept.",))
        steps = (connect, stop)
    return _with_failure(kind, steps, fail, steps[-1].key, f"{_LABELS[kind]} failed.")


def _backup_plan(
    kind: TaskKind, connect: Step, restart: Step, health: Step, *, mode: str | None, fail: bool
) -> Plan:
    """A backup dumps, archives and uploads; a restore takes a safety backup, then swaps data."""
    files = mode != DATABASE_ONLY
    if kind is TaskKind.BACKUP:
        steps: tuple[Step, ...] = (
            connect,
            Step("dump_database", "Dumping the database (pg_dump)...", ("  Dump written.",)),
            *(
                (Step("archive_filestore", "Archiving the filestore...", ("  Archive written.",)),)
                if files
                else ()
            ),
            Step("upload", "Uploading to backup storage...", ("  Upload verified.",)),
        )
        failure = (
            "Backup failed: pg_dump exited with status 1 (no space left on the backup volume)."
        )
        return _with_failure(kind, steps, fail, "dump_database", failure)
    steps = (
        connect,
        Step("safety_backup", "Taking a pre_restore safety backup...", ("  Safety backup done.",)),
        Step("restore_database", "Restoring the database...", ("  Database restored.",)),
        *(
            (Step("restore_filestore", "Restoring the filestore...", ("  Filestore restored.",)),)
            if files
            else ()
        ),
        restart,
        health,
    )
    failure = "Restore failed: the database dump could not be loaded."
    return _with_failure(kind, steps, fail, "restore_database", failure)


def _module_step(modules: tuple[str, ...], verb: str) -> Step:
    reinit = verb == "reinitialize"
    key = "reinitialize_modules" if reinit else "update_modules"
    doing = "Reinitializing" if reinit else "Updating"
    if modules == ("all",):
        return Step(key, f"{doing} all modules...", (f"  All modules {verb}d.",))
    if modules:
        names = ", ".join(modules)
        return Step(key, f"{doing} modules: {names}...", (f"  Modules {verb}d: {names}.",))
    return Step(
        key, "Updating modules (changed manifests only)...", ("  No module needed an update.",)
    )


def _with_failure(
    kind: TaskKind, steps: tuple[Step, ...], fail: bool, key: str, failure: str
) -> Plan:
    if not fail:
        return Plan(kind, steps)
    index = next(i for i, s in enumerate(steps) if s.key == key)
    return Plan(kind, steps, fail_at=index, failure=failure)


@dataclass(slots=True)
class Timeline:
    """When a planned task starts and ends, and how it ends. Mutable only by `cancel`."""

    plan: Plan
    queued_at: float
    start_at: float  # math.inf when cancelled before it started
    end_at: float
    step_seconds: float
    outcome: str  # completed | failed | cancelled

    @classmethod
    def schedule(cls, plan: Plan, *, queued_at: float, task_seconds: float) -> Timeline:
        step_seconds = task_seconds * (1 - QUEUE_SHARE) / len(plan.steps)
        start_at = queued_at + task_seconds * QUEUE_SHARE
        steps_run = len(plan.steps) if plan.fail_at is None else plan.fail_at + 1
        outcome = "completed" if plan.fail_at is None else "failed"
        end_at = start_at + step_seconds * steps_run
        return cls(plan, queued_at, start_at, end_at, step_seconds, outcome)

    @property
    def total_steps(self) -> int:
        return len(self.plan.steps)

    @property
    def error_message(self) -> str | None:
        return self.plan.failure if self.outcome == "failed" else None

    def cancel(self, now: float) -> None:
        if now < self.start_at:
            self.start_at = math.inf
        self.end_at = now
        self.outcome = "cancelled"

    def due_status(self, now: float) -> str:
        if now >= self.end_at:
            return self.outcome
        return "running" if now >= self.start_at else "queued"

    def ran(self) -> bool:
        return self.start_at <= self.end_at

    def steps_begun(self, now: float) -> int:
        """How many steps had started by `now` (the running one included)."""
        if not self.ran() or now < self.start_at:
            return 0
        t = min(now, self.end_at) - self.start_at
        if now >= self.end_at:  # a step boundary at the very end starts nothing
            begun = math.ceil((t - _SLACK) / self.step_seconds)
        else:
            begun = int((t + _SLACK) / self.step_seconds) + 1
        return max(0, min(begun, self.total_steps))

    def steps_completed(self, now: float) -> int:
        if not self.ran() or now < self.start_at:
            return 0
        t = min(now, self.end_at) - self.start_at
        done = min(int((t + _SLACK) / self.step_seconds), self.total_steps)
        if self.outcome == "failed" and now >= self.end_at:
            done = self.plan.fail_at or 0
        return done

    def current_step(self, now: float) -> str | None:
        begun = self.steps_begun(now)
        return self.plan.steps[begun - 1].key if begun else None

    def percent(self, now: float) -> int:
        status = self.due_status(now)
        if status == "completed":
            return 100
        if not self.ran() or status == "queued":
            return 0
        t = min(now, self.end_at) - self.start_at
        return max(0, min(99, int(100 * (t + _SLACK) / (self.step_seconds * self.total_steps))))

    def log_lines(self, now: float) -> list[str]:
        """The task's log as it reads at `now`."""
        status = self.due_status(now)
        label = _LABELS[self.plan.kind]
        lines = [f"{label} queued; waiting for a worker."]
        n = self.total_steps
        done = self.steps_completed(now)
        for i in range(self.steps_begun(now)):
            lines.append(f"Step {i + 1}/{n}: {self.plan.steps[i].text}")
            if i < done:
                lines.extend(self.plan.steps[i].detail)
        if status == "completed":
            lines.append(f"{label} completed successfully in {self.duration():.1f}s.")
        elif status == "failed":
            lines.append(f"ERROR: {self.plan.failure}")
            lines.append(f"{label} failed after {self.duration():.1f}s.")
        elif status == "cancelled":
            lines.append(f"{label} cancelled.")
        return lines

    def duration(self) -> float:
        return max(0.0, self.end_at - self.start_at) if self.ran() else 0.0
