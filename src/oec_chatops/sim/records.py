"""The simulator's resources and how each one reads as JSON in an API answer (CONTRACT.md §5, §9).

Plain mutable dataclasses owned by `SimState`; `to_json` methods give the documented field names
and ISO-8601 UTC timestamps with a `Z`. A task's progress is computed from its timeline at the
instant asked for, so the same task renders the same way on every route at one instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oec_chatops.sim.timeline import TERMINAL, TaskKind, Timeline
from oec_chatops.simkit.records import as_json, iso


@dataclass(slots=True)
class Org:
    id: str
    name: str
    slug: str
    plan: str
    max_environments: int
    max_cpu_cores: int
    max_ram_mb: int
    max_disk_gb: int

    def to_json(self) -> dict[str, Any]:
        return as_json(
            self, "id name slug plan max_environments max_cpu_cores max_ram_mb max_disk_gb"
        )


@dataclass(slots=True)
class Server:
    id: str
    name: str
    provider: str
    region: str
    cpu_cores: int
    ram_mb: int
    disk_gb: int
    created_at: float

    def to_json(self, *, environment_count: int) -> dict[str, Any]:
        return {
            **as_json(self, "id name provider region cpu_cores ram_mb disk_gb"),
            "environment_count": environment_count,
            "qualification_status": "qualified",
            "last_checked_at": iso(self.created_at),
        }


@dataclass(slots=True)
class Project:
    id: str
    name: str
    slug: str
    odoo_version: str
    git_repo_url: str | None
    git_provider: str | None
    default_branch: str
    server_id: str
    created_at: float

    def to_json(self, *, environment_count: int) -> dict[str, Any]:
        return {
            **as_json(self, "id name slug odoo_version git_repo_url git_provider default_branch"),
            "environment_count": environment_count,
            **as_json(self, "server_id created_at", times="created_at"),
        }


@dataclass(slots=True)
class Environment:
    id: str
    project_id: str
    name: str
    environment_type: str
    status: str
    url: str | None
    odoo_version: str
    branch: str
    server_id: str
    cpu_cores: float | None
    ram_mb: int | None
    disk_gb: int | None
    created_at: float
    updated_at: float
    custom_domain: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            **as_json(self, "id name status environment_type url odoo_version branch"),
            "last_commit": None,  # "not yet implemented - always null" (§5.3)
            **as_json(self, "cpu_cores ram_mb disk_gb project_id server_id custom_domain"),
            "custom_domain_verified": bool(self.custom_domain),
            **as_json(self, "created_at updated_at", times="created_at updated_at"),
        }

    def status_json(self, last_deploy: Task | None) -> dict[str, Any]:
        """`GET /environments/{id}/status`, with the latest deploy or quick update (or None)."""
        up = self.status in ("running", "paused")
        last = last_deploy
        return {
            "environment_id": self.id,
            "status": self.status,
            "url": self.url,
            "container_running": up,
            "db_ready": up,
            "http_ok": up,
            "last_deploy": None
            if last is None
            else {
                "id": last.id,
                "status": last.status,
                "started_at": iso(last.started_at),
                "completed_at": iso(last.completed_at),
            },
        }


@dataclass(slots=True)
class Task:
    """One action on one environment. `status` is what `SimState.tick` last applied."""

    id: str
    kind: TaskKind
    environment_id: str
    timeline: Timeline
    branch: str
    status: str = "queued"
    modules: tuple[str, ...] = ()
    mode: str | None = None
    triggered_by: str = "api"
    env_status_before: str | None = None

    @property
    def started_at(self) -> float | None:
        return self.timeline.start_at if self.status != "queued" and self.timeline.ran() else None

    @property
    def completed_at(self) -> float | None:
        return self.timeline.end_at if self.status in TERMINAL else None

    @property
    def duration_seconds(self) -> float | None:
        if self.status not in TERMINAL or not self.timeline.ran():
            return None
        return round(self.timeline.duration(), 3)

    @property
    def error_message(self) -> str | None:
        return self.timeline.error_message if self.status == "failed" else None

    def to_json(self, *, now: float) -> dict[str, Any]:
        """The task object of §9.7, as it reads at `now`."""
        at = self._seen_at(now)
        return {
            "id": self.id,
            "type": self.kind.api_type,
            "status": self.status,
            "environment_id": self.environment_id,
            "progress_percent": self.timeline.percent(at),
            "current_step": self.timeline.current_step(at),
            "steps_completed": self.timeline.steps_completed(at),
            "total_steps": self.timeline.total_steps,
            "created_at": iso(self.timeline.queued_at),
            "started_at": iso(self.started_at),
            "completed_at": iso(self.completed_at),
            "duration_seconds": self.duration_seconds,
            "error_message": self.error_message,
            "branch": self.branch,
            "update_modules": list(self.modules) or None,
            "mode": self.mode,
            "triggered_by": self.triggered_by,
        }

    def log_lines(self, *, now: float) -> list[str]:
        return self.timeline.log_lines(self._seen_at(now))

    def _seen_at(self, now: float) -> float:
        """The instant to render: never ahead of the applied status, never short of a final one."""
        if self.status in TERMINAL:
            return max(now, self.timeline.end_at)
        if self.status == "queued":
            return min(now, self.timeline.start_at - 1e-6)
        return min(now, self.timeline.end_at - 1e-6)

    def accepted_json(self) -> dict[str, Any]:
        """The 202 answer of an action (§6.2, §9.6)."""
        return {
            "task_id": self.id,
            "status": "queued",
            "environment_id": self.environment_id,
            "poll_url": f"/api/public/v1/deployments/{self.id}",
        }
