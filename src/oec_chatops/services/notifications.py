"""A verified webhook delivery → stored, deduplicated, and turned into outbox rows, in one go.

`ingest` runs inside the receiver's group-committed transaction: the delivery row and every
outbox row it causes are durable before oec.sh gets its 2xx, and nothing slow (no Slack call,
no API call) happens on the way. Deploy events merge into the one living message of their
deployment; other known events become one message per subscribed channel; unknown events are
kept but not posted, and still answered 2xx so oec.sh does not disable the webhook.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oec_chatops.domain import EnvRef, Progress
from oec_chatops.oec.models import WEBHOOK_EVENTS, WebhookEvent
from oec_chatops.services.deployments import DeploymentUpdate, apply_update
from oec_chatops.services.digests import collect, event_item
from oec_chatops.services.fanout import alert_state, env_matches, is_failure, wants
from oec_chatops.services.resolver import slugify
from oec_chatops.services.team_fanout import in_team
from oec_chatops.slack import blocks
from oec_chatops.slack.grammar.specs import HOST_EVENTS
from oec_chatops.store.store import Repos

KNOWN_EVENTS = frozenset((*WEBHOOK_EVENTS, *HOST_EVENTS))

_DEPLOY_STATUS = {
    "deploy.started": "running",
    "deploy.completed": "completed",
    "deploy.failed": "failed",
    "deploy.cancelled": "cancelled",
}
# A backup event of a backup a command took (deployERP's carry its task id): its living
# message ends with it, instead of a second message saying the same.
_BACKUP_STATUS = {"backup.completed": "completed", "backup.failed": "failed"}


@dataclass(frozen=True, slots=True)
class Ingested:
    """The receiver's answer: was it new, and how many outbox rows did it queue."""

    duplicate: bool
    rows: int
    event: str
    known: bool
    track_task: str | None = None


def env_ref_for(repos: Repos, event: WebhookEvent) -> EnvRef | None:
    """Names for the event's environment, from the payload or the bot's cache (never the API)."""
    d = event.data
    cached = repos.environments.get(d.environment_id) if d.environment_id else None
    if cached is not None:
        return cached
    if d.environment_id and d.environment_name and d.project_id:
        project_name = d.project_name or d.project_id
        return EnvRef(
            env_id=d.environment_id,
            env_name=d.environment_name,
            project_id=d.project_id,
            project_name=project_name,
            # Labelled as the resolver labels it, so the name in a message works in a command.
            project_slug=slugify(project_name),
            url=d.url,
        )
    return None


# Statuses an environment passes through while a task runs on it: the deployment's own living
# message already says so, and a second message per transition is the spam teams mute bots for.
_TASK_STATUSES = frozenset(
    {"deploying", "pending", "cloning", "restarting", "starting", "stopping"}
)
_COVER_SECONDS = 600.0


def _covering_tasks(repos: Repos, event: WebhookEvent, now: float) -> list[str]:
    """The recent deployments whose living message already tells this status change."""
    d = event.data
    if event.event != "environment.status_changed" or not d.environment_id:
        return []
    if not ({d.status, d.previous_status} & _TASK_STATUSES):
        return []
    return repos.deployments.touched_env_since(d.environment_id, now - _COVER_SECONDS)


def _channel_shows(repos: Repos, task_ids: list[str], channel_id: str) -> bool:
    """Does `channel_id` have (or is it about to get) the message of one of these tasks?

    Only such a channel hears the transition from the deployment's message; a channel that
    subscribed to status changes alone never sees that message, so for it the change is news.
    """
    return any(
        repos.messages.get(f"dep:{task_id}", channel_id) is not None
        or repos.outbox.pending_for(kind="deployment", key=task_id, channel_id=channel_id)
        for task_id in task_ids
    )


def ingest(
    repos: Repos,
    event: WebhookEvent,
    *,
    delivery_id: str,
    raw: bytes,
    signed_at: int | None,
    now: float,
    team: str | None = None,
) -> Ingested:
    """Store one verified delivery and queue what it should cause. Runs in one transaction.

    `team` (a multi-workspace install): the workspace whose webhook sent it. Only channels of
    that workspace hear of it, whoever else subscribed to the same project: another workspace
    gets its own delivery from its own webhook, through its own door."""
    d = event.data
    fresh = repos.deliveries.insert(
        delivery_id=delivery_id,
        event=event.event,
        received_at=now,
        signed_at=signed_at,
        task_id=d.task_id,
        env_id=d.environment_id,
        payload=raw,
    )
    known = event.event in KNOWN_EVENTS
    if not fresh:
        return Ingested(duplicate=True, rows=0, event=event.event, known=known)
    if not known:
        return Ingested(duplicate=False, rows=0, event=event.event, known=False)

    ref = env_ref_for(repos, event)
    env_label = ref.label if ref else (d.environment_name or d.environment_id)
    project_id = (ref.project_id if ref else None) or d.project_id

    if event.event in _DEPLOY_STATUS and d.task_id:
        status = _DEPLOY_STATUS[event.event]
        applied = apply_update(
            repos,
            DeploymentUpdate(
                task_id=d.task_id,
                status=d.status if d.status and event.event == "deploy.started" else status,
                verb=d.type or "deploy",
                env_id=d.environment_id,
                env_label=env_label,
                project_id=project_id,
                triggered_by=d.triggered_by,
                branch=d.branch,
                url=d.url or (ref.url if ref else None),
                started_at=d.started_at,
                completed_at=d.completed_at,
                duration_seconds=d.duration_seconds,
                error_message=d.error_message,
                progress=Progress() if status == "running" else None,
            ),
            now=now,
            event=event.event,
            env_name=ref.env_name if ref else d.environment_name,
            next_poll_at=now,
            team=team,
            own_delivery=True,
        )
        rows = len(applied.channels) * (2 if applied.failed_now else 1)
        repos.deliveries.mark_routed(delivery_id, rows)
        track = (
            d.task_id
            if applied.deployment.status not in ("completed", "failed", "cancelled")
            else None
        )
        return Ingested(duplicate=False, rows=rows, event=event.event, known=True, track_task=track)

    if event.event in _BACKUP_STATUS and d.task_id and repos.deployments.get(d.task_id):
        applied = apply_update(
            repos,
            DeploymentUpdate(
                task_id=d.task_id,
                status=_BACKUP_STATUS[event.event],
                error_message=d.error_message,
            ),
            now=now,
            event=event.event,
            env_name=ref.env_name if ref else d.environment_name,
            team=team,
            own_delivery=True,
        )
        rows = len(applied.channels) * (2 if applied.failed_now else 1)
        repos.deliveries.mark_routed(delivery_id, rows)
        return Ingested(duplicate=False, rows=rows, event=event.event, known=True)

    covering = _covering_tasks(repos, event, now)
    kind, body = _message(event, env_label)
    failure = is_failure(event.event, d.status)
    rows = 0
    for sub in in_team(repos, repos.subscriptions.for_project(project_id), team):
        if not wants(sub, event.event, failure=failure):
            continue
        if not env_matches(
            sub.env_glob, ref.env_name if ref else d.environment_name, d.environment_id
        ):
            continue
        if covering and _channel_shows(repos, covering, sub.channel_id):
            continue
        if sub.digest_at is not None:
            item = event_item(
                event=event.event,
                label=env_label or "oec.sh",
                failed=failure,
                summary=str(body["text"]),
                now=now,
                url=d.url,
                error=d.error_message,
            )
            collect(repos, sub, item_key=f"evt:{delivery_id}", item=item, now=now)
        else:
            repos.outbox.enqueue(
                kind=kind, key=delivery_id, channel_id=sub.channel_id, body=body, now=now
            )
        rows += 1
    repos.deliveries.mark_routed(delivery_id, rows)
    return Ingested(duplicate=False, rows=rows, event=event.event, known=True)


def alert_key(event: WebhookEvent) -> str:
    """What pairs a resolved alert with its firing one: the payload's alert id, else the
    environment and the alert's text (oec.sh documents no alert id)."""
    d = event.data
    if d.alert_id:
        return f"id:{d.alert_id}"
    return f"env:{d.environment_id or ''}:{(d.message or '').strip().lower()[:200]}"


def _message(event: WebhookEvent, env_label: str | None) -> tuple[str, dict[str, Any]]:
    """The outbox kind and body of a non-deployment event: an alert is its own message (and
    carries what the sender pairs it by), anything else one event line."""
    if event.event != "monitoring.alert":
        return "event", blocks.render_event(event, env_label=env_label)
    state = alert_state(event.data.status)
    body = blocks.render_alert(event, state=state, env_label=env_label)
    return "alert", {**body, "alert_key": alert_key(event), "state": state}
