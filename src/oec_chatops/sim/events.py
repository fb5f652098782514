"""The `data` of each webhook event and the envelope around it (CONTRACT.md §7.4.1).

`deploy.*` events are sent for every task (deploy, restart, start, stop, quick update, backup,
restore); their `type` field says which, as the §7.4.1 payload carries it (a quick update and a
restore are `deploy`, §9.7).
"""

from __future__ import annotations

import json
from typing import Any

from oec_chatops.sim.records import Environment, Project, Task
from oec_chatops.simkit.records import iso

TASK_EVENTS = {
    "running": "deploy.started",
    "completed": "deploy.completed",
    "failed": "deploy.failed",
    "cancelled": "deploy.cancelled",
}


def encode(payload: dict[str, Any]) -> bytes:
    """The raw body a delivery carries; signed and sent byte for byte."""
    return json.dumps(payload, separators=(",", ":")).encode()


def envelope(
    delivery_id: str, event: str, timestamp: float, data: dict[str, Any]
) -> dict[str, Any]:
    return {"id": delivery_id, "event": event, "timestamp": iso(timestamp), "data": data}


def task_data(task: Task, env: Environment, project: Project) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "environment_id": env.id,
        "environment_name": env.name,
        "project_id": project.id,
        "project_name": project.name,
        "status": task.status,
        "type": task.kind.api_type,
        "branch": task.branch,
        "triggered_by": task.triggered_by,
        "started_at": iso(task.started_at),
        "completed_at": iso(task.completed_at),
        "duration_seconds": task.duration_seconds,
        "error_message": task.error_message,
        "url": env.url,
    }


def status_changed_data(
    env: Environment, project: Project, *, previous: str, task_id: str | None
) -> dict[str, Any]:
    return {
        "environment_id": env.id,
        "environment_name": env.name,
        "project_id": project.id,
        "project_name": project.name,
        "previous_status": previous,
        "status": env.status,
        "task_id": task_id,
        "branch": env.branch,
        "url": env.url,
    }


def environment_data(env: Environment, project: Project) -> dict[str, Any]:
    return {
        "environment_id": env.id,
        "environment_name": env.name,
        "environment_type": env.environment_type,
        "project_id": project.id,
        "project_name": project.name,
        "status": env.status,
        "branch": env.branch,
        "url": env.url,
    }
