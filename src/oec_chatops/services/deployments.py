"""One record per task, merged from every source, and the Slack work that follows a change.

A deployment is heard of up to three ways: the bot started it (a slash command or an approval),
the tracker polled it, or oec.sh sent a webhook. All three become a `DeploymentUpdate` and go
through `merge`, which never moves a deployment backwards: statuses have a rank (queued <
running < terminal) and once terminal, the first terminal status stays. So duplicate, late or
out-of-order deliveries cannot turn "completed" back into "running".
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oec_chatops.domain import Deployment, Progress
from oec_chatops.oec.models import TASK_TERMINAL, normalize_task_status
from oec_chatops.services.digests import collect, deployment_item
from oec_chatops.services.fanout import env_matches, wants
from oec_chatops.services.team_fanout import channel_in_team, in_team
from oec_chatops.slack import blocks
from oec_chatops.store.store import Repos

RUNNING_STATUSES = frozenset({"running", "deploying", "building", "in_progress", "started"})
TERMINAL_RANK = 2
GAVE_UP = "unknown"  # the tracker's status when oec.sh never said how a task ended

# Which webhook event a status corresponds to, for subscription filters.
STATUS_EVENTS = {
    "queued": "deploy.started",
    "pending": "deploy.started",
    "running": "deploy.started",
    "completed": "deploy.completed",
    "failed": "deploy.failed",
    "cancelled": "deploy.cancelled",
}


@functools.lru_cache(maxsize=256)
def rank_of(status: str) -> int:
    """0 before it runs, 1 while it runs, 2 once it ended. (Cached: statuses are few, and a
    webhook's merge asks a dozen times.)"""
    s = normalize_task_status(status)
    if s in TASK_TERMINAL or s == GAVE_UP:
        return TERMINAL_RANK
    if s in RUNNING_STATUSES:
        return 1
    return 0


@dataclass(frozen=True, slots=True)
class DeploymentUpdate:
    """What one source knows about a task right now. `None` means "this source doesn't say"."""

    task_id: str
    status: str | None = None
    verb: str | None = None
    env_id: str | None = None
    env_label: str | None = None
    project_id: str | None = None
    requested_by: str | None = None
    triggered_by: str | None = None
    approval_id: str | None = None
    progress: Progress | None = None
    branch: str | None = None
    url: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    duration_seconds: float | None = None
    error_message: str | None = None
    modules: tuple[str, ...] = ()
    origin_channel_id: str | None = None
    reason: str | None = None
    commit: str | None = None


def merge(current: Deployment | None, u: DeploymentUpdate) -> Deployment:
    """Fold an update into the current state without ever going backwards. Pure."""
    if current is None:
        current = Deployment(
            key=u.task_id,
            verb=u.verb or "deploy",
            env_label=u.env_label or (u.env_id or "unknown environment"),
            status="queued",
            env_id=u.env_id,
        )
    status = current.status
    progress = current.progress
    new_status = normalize_task_status(u.status) if u.status else None
    advanced = False
    if (
        new_status is not None
        and rank_of(status) < TERMINAL_RANK
        and rank_of(new_status) >= rank_of(status)
    ) or (status == GAVE_UP and new_status is not None and new_status in TASK_TERMINAL):
        # `unknown` is the bot giving up, not an outcome: the platform's final word replaces it.
        advanced = new_status != status or u.progress is not None
        status = new_status
    if (
        u.progress is not None
        and rank_of(status) < TERMINAL_RANK
        and (advanced or new_status is None)
    ):
        progress = _merge_progress(progress, u.progress)
    if status in ("completed",):
        progress = dataclasses.replace(
            progress,
            percent=100.0,
            steps_completed=progress.total_steps or progress.steps_completed,
        )

    def pick(new: Any, old: Any) -> Any:
        return new if new not in (None, "", ()) else old

    # When it ended, how long it took and why belong to the terminal status that won: the
    # update that brought it fills them in; a repeat of it only fills gaps; any other update
    # (a losing terminal event, a late "running") brings none of them.
    ended_now = rank_of(status) == TERMINAL_RANK and status != current.status
    repeated = rank_of(status) == TERMINAL_RANK and new_status == status and not ended_now

    def ending(new: Any, old: Any) -> Any:
        if ended_now:
            return pick(new, old)
        return pick(old, new) if repeated else old

    return Deployment(
        key=current.key,
        verb=pick(u.verb, current.verb) if current.verb in (None, "", "deploy") else current.verb,
        env_label=pick(u.env_label, current.env_label)
        if current.env_label in ("", None, current.env_id, "unknown environment")
        else current.env_label,
        status=status,
        env_id=pick(u.env_id, current.env_id),
        requested_by=pick(current.requested_by, u.requested_by),
        triggered_by=pick(u.triggered_by, current.triggered_by),
        approval_id=pick(current.approval_id, u.approval_id),
        progress=progress,
        branch=pick(u.branch, current.branch),
        url=pick(u.url, current.url),
        started_at=pick(current.started_at, u.started_at),
        completed_at=ending(u.completed_at, current.completed_at)
        if rank_of(status) == TERMINAL_RANK
        else None,
        duration_seconds=ending(u.duration_seconds, current.duration_seconds)
        if rank_of(status) == TERMINAL_RANK
        else None,
        error_message=ending(u.error_message, current.error_message)
        if status in ("failed", "cancelled", GAVE_UP)
        else None,
        modules=pick(current.modules, u.modules),
        reason=pick(current.reason, u.reason),
        commit=pick(current.commit, u.commit),
        failed_step=_failed_step(current, u, status, ended_now),
    )


def _failed_step(
    current: Deployment, u: DeploymentUpdate, status: str, ended_now: bool
) -> str | None:
    """The step a failed task broke on: the one the failing update names, else the last one
    seen running (a failing poll's progress is not merged, so it is read here)."""
    if status != "failed":
        return None
    if ended_now and u.progress is not None and u.progress.current_step:
        return u.progress.current_step
    return current.failed_step or current.progress.current_step


def _merge_progress(old: Progress, new: Progress) -> Progress:
    """Progress only grows: a late poll answer never shows fewer steps than already shown."""
    if (old.percent is not None and new.percent is not None and new.percent < old.percent) or (
        old.steps_completed is not None
        and new.steps_completed is not None
        and new.steps_completed < old.steps_completed
    ):
        return old
    return Progress(
        percent=new.percent if new.percent is not None else old.percent,
        current_step=new.current_step or old.current_step,
        steps_completed=new.steps_completed
        if new.steps_completed is not None
        else old.steps_completed,
        total_steps=new.total_steps if new.total_steps is not None else old.total_steps,
    )


_FIELDS = tuple(f.name for f in dataclasses.fields(Deployment))
_PROGRESS_FIELDS = tuple(f.name for f in dataclasses.fields(Progress))


def to_dict(d: Deployment) -> dict[str, Any]:
    """JSON-ready state. Field by field: `dataclasses.asdict` deep-copies every value, which
    made it the dearest step of a webhook's ingest."""
    out: dict[str, Any] = {name: getattr(d, name) for name in _FIELDS}
    out["progress"] = {name: getattr(d.progress, name) for name in _PROGRESS_FIELDS}
    for name in ("started_at", "completed_at"):
        value = out[name]
        out[name] = value.isoformat() if isinstance(value, datetime) else None
    out["modules"] = list(d.modules)
    return out


def from_dict(data: dict[str, Any]) -> Deployment:
    values = dict(data)
    values["progress"] = Progress(**(values.get("progress") or {}))
    for name in ("started_at", "completed_at"):
        raw = values.get(name)
        values[name] = datetime.fromisoformat(raw) if raw else None
    values["modules"] = tuple(values.get("modules") or ())
    fields = {f.name for f in dataclasses.fields(Deployment)}
    return Deployment(**{k: v for k, v in values.items() if k in fields})


@dataclass(frozen=True, slots=True)
class Applied:
    """What `apply_update` did: the merged state, and the channels it queued Slack work for."""

    deployment: Deployment
    changed: bool
    channels: tuple[str, ...]
    failed_now: bool


def apply_update(
    repos: Repos,
    u: DeploymentUpdate,
    *,
    now: float,
    event: str | None = None,
    env_name: str | None = None,
    next_poll_at: float | None = None,
    team: str | None = None,
    own_delivery: bool = False,
) -> Applied:
    """Merge `u` into the stored deployment and queue one refresh per channel that shows it.

    Runs inside the caller's transaction. A channel shows the deployment if it is where the
    command was typed, if it already has the message, or if one of its subscriptions matches
    the project, environment and event.

    `team` (a multi-workspace install): the workspace the update came through (its webhook,
    its command, its key's poll). Only that workspace's channels are refreshed: a task two
    workspaces both watch has one merged record but a message per channel, and each workspace
    refreshes its own. So a delivery to `team` that changes nothing in the record (the other
    workspace's delivery about the same task came first) still refreshes `team`'s channels,
    which that earlier delivery did not reach (`own_delivery`: a webhook delivery, not a poll,
    which would refresh them at every unchanged answer).
    """
    repos.deployments.lock(u.task_id)  # replicas merging one task take turns
    row = repos.deployments.get(u.task_id)
    current = from_dict(row.state) if row else None
    merged = merge(current, u)
    changed = current != merged
    origin = (row.origin_channel_id if row else None) or u.origin_channel_id
    project_id = (row.project_id if row else None) or u.project_id
    if changed or row is None:
        repos.deployments.save(
            task_id=u.task_id,
            env_id=merged.env_id,
            env_label=merged.env_label,
            project_id=project_id,
            verb=merged.verb,
            status=merged.status,
            rank=rank_of(merged.status),
            origin_channel_id=origin,
            requested_by=merged.requested_by,
            approval_id=merged.approval_id,
            state=to_dict(merged),
            now=now,
            next_poll_at=None
            if rank_of(merged.status) == TERMINAL_RANK
            else (next_poll_at if next_poll_at is not None else (row.next_poll_at if row else now)),
        )
    if not changed and row is not None and not (team is not None and own_delivery):
        return Applied(merged, False, (), False)

    event_name = event or STATUS_EVENTS.get(merged.status, "deploy.started")
    channels, noted = _route(
        repos, u.task_id, merged, event_name, env_name, project_id, now, team=team
    )
    if origin and origin not in channels and channel_in_team(repos, origin, team):
        channels.insert(0, origin)
    if not changed:
        return _refresh_only(repos, u.task_id, merged, channels, now=now)
    for channel in channels:
        repos.outbox.enqueue(kind="deployment", key=u.task_id, channel_id=channel, body={}, now=now)
    moved = current is not None and merged.status != current.status and merged.status != "failed"
    if moved:
        # Queued after the deployment's own row: in a channel's order, the note's parent first.
        note = {**blocks.render_deployment_note(merged), "task_id": u.task_id}
        for channel in noted:
            repos.outbox.enqueue(
                kind="deploy_note",
                key=f"{u.task_id}:{merged.status}",
                channel_id=channel,
                body=note,
                now=now,
            )
    failed_now = merged.status == "failed" and (current is None or current.status != "failed")
    if failed_now:
        for channel in channels:
            repos.outbox.enqueue(
                kind="failure_thread", key=u.task_id, channel_id=channel, body={}, now=now
            )
    return Applied(merged, changed, tuple(channels), failed_now)


def _refresh_only(
    repos: Repos, task_id: str, merged: Deployment, channels: list[str], *, now: float
) -> Applied:
    """A workspace's own delivery that changed nothing in the record: refresh its channels,
    with the failure's log thread where none was queued yet (the record turned failed
    through another workspace's delivery, whose channels got theirs)."""
    for channel in channels:
        repos.outbox.enqueue(kind="deployment", key=task_id, channel_id=channel, body={}, now=now)
    failed = merged.status == "failed"
    queued = repos.workspace_webhooks.thread_queued
    threads = [c for c in channels if failed and not queued(task_id, c)]
    for channel in threads:
        repos.outbox.enqueue(
            kind="failure_thread", key=task_id, channel_id=channel, body={}, now=now
        )
    return Applied(merged, False, tuple(channels), bool(threads))


def _route(
    repos: Repos,
    task_id: str,
    merged: Deployment,
    event_name: str,
    env_name: str | None,
    project_id: str | None,
    now: float,
    *,
    team: str | None = None,
) -> tuple[list[str], list[str]]:
    """The channels whose subscriptions show this change of the deployment, and those of them
    that asked for thread replies (`threads on`) and already show the deployment.

    A channel that already has the message keeps getting its updates whatever its filters say
    (a message left stale is worse than none). Otherwise the subscription must want the event
    (`fanout.wants`: events, `--only failures`) on that environment; a digest subscription
    keeps the event for its channel's digest instead of posting it.
    """
    channels: list[str] = []
    noted: list[str] = []
    failure = event_name == "deploy.failed"
    for sub in in_team(repos, repos.subscriptions.for_project(project_id), team):
        channel = sub.channel_id
        has_message = repos.messages.get(f"dep:{task_id}", channel) is not None
        if (
            sub.threads
            and channel not in noted
            and (
                has_message
                or repos.outbox.pending_for(kind="deployment", key=task_id, channel_id=channel)
            )
        ):
            noted.append(channel)
        if channel in channels:
            continue
        if has_message:
            channels.append(channel)
        elif wants(sub, event_name, failure=failure) and env_matches(
            sub.env_glob, env_name, merged.env_id
        ):
            if sub.digest_at is None:
                channels.append(channel)
            else:
                item = deployment_item(merged, event=event_name, now=now)
                collect(repos, sub, item_key=f"dep:{task_id}:{event_name}", item=item, now=now)
    return channels, noted
