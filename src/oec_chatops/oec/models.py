"""What oec.sh sends us: API answers and webhook payloads, parsed tolerantly.

Every model ignores unknown fields (oec.sh adds fields to v1 without a version bump, CONTRACT.md
§1) and treats everything but ids as optional. Where the docs spell a field two ways, both are
accepted through `AliasChoices`; each such assumption is written once, here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, model_validator

from oec_chatops.domain import Progress

# Task statuses (CONTRACT.md §6.3, §9.7). Internal platform docs add more; `success` means
# completed and `rolled_back` / `destroyed` are terminal. Anything else is "not finished yet".
TASK_TERMINAL = frozenset(
    {"completed", "failed", "cancelled", "success", "rolled_back", "destroyed"}
)
TASK_SUCCESS = frozenset({"completed", "success"})
TASK_STATUS_ALIASES = {"success": "completed", "canceled": "cancelled"}

# Environment statuses (§5.3 and the status filter of §9.2). Others are shown raw.
ENV_STATUSES = (
    "pending",
    "cloning",
    "deploying",
    "running",
    "stopped",
    "paused",
    "failed",
    "error",
    "destroying",
    "deleted",
)
# The 12 webhook events of CONTRACT.md §9.9, in the order the API lists them: the one list the
# grammar, the notification router and the simulator all use.
WEBHOOK_EVENTS: tuple[str, ...] = (
    "deploy.started",
    "deploy.completed",
    "deploy.failed",
    "deploy.cancelled",
    "environment.created",
    "environment.deleted",
    "environment.status_changed",
    "environment.ready",
    "automation_rule.triggered",
    "automation_rule.completed",
    "automation_rule.failed",
    "monitoring.alert",
)
ENV_STATUS_FILTERS = ("pending", "cloning", "deploying", "running", "stopped", "paused", "error")


def normalize_task_status(status: str) -> str:
    """Lower-case a task status and fold the documented synonyms onto one spelling."""
    s = status.strip().lower()
    return TASK_STATUS_ALIASES.get(s, s)


def is_terminal(status: str) -> bool:
    """True when a task in this status will not change any more."""
    return status.strip().lower() in TASK_TERMINAL


class ApiModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class Project(ApiModel):
    id: str
    name: str
    slug: str | None = None
    odoo_version: str | None = None
    default_branch: str | None = None
    git_repo_url: str | None = None
    environment_count: int | None = None
    server_id: str | None = None
    created_at: datetime | None = None


class Server(ApiModel):
    id: str
    name: str
    provider: str | None = None
    region: str | None = None
    cpu_cores: float | None = None
    ram_mb: int | None = None
    disk_gb: int | None = None
    environment_count: int | None = None


class Environment(ApiModel):
    id: str
    name: str
    status: str = "unknown"
    url: str | None = None
    odoo_version: str | None = None
    branch: str | None = None
    project_id: str | None = None
    server_id: str | None = None
    # The environment object of §5.3 shows no type; creation takes `environment_type`.
    environment_type: str | None = Field(
        default=None, validation_alias=AliasChoices("environment_type", "env_type", "type")
    )
    cpu_cores: float | None = None
    ram_mb: int | None = None
    disk_gb: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class LastDeploy(ApiModel):
    id: str = Field(validation_alias=AliasChoices("id", "task_id"))
    status: str
    started_at: datetime | None = None
    completed_at: datetime | None = None


class EnvironmentStatus(ApiModel):
    environment_id: str | None = None
    status: str = "unknown"
    url: str | None = None
    container_running: bool | None = None
    db_ready: bool | None = None
    http_ok: bool | None = None
    last_deploy: LastDeploy | None = None


class Task(ApiModel):
    """A task (deployment, restart, ...) as `GET /deployments/{id}` returns it (§9.7)."""

    id: str = Field(validation_alias=AliasChoices("id", "task_id"))
    type: str | None = None
    status: str
    environment_id: str | None = None
    progress_percent: float | None = None
    current_step: str | None = None
    steps_completed: int | None = None
    total_steps: int | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    duration_seconds: float | None = None
    error_message: str | None = Field(
        default=None, validation_alias=AliasChoices("error_message", "error")
    )
    # Not in the spec's task object today; read when a platform sends it, so the deployment
    # message can name the commit without reading the log.
    commit: str | None = Field(default=None, validation_alias=AliasChoices("commit", "commit_sha"))

    @property
    def terminal(self) -> bool:
        return is_terminal(self.status)

    @property
    def normalized_status(self) -> str:
        return normalize_task_status(self.status)

    @property
    def progress(self) -> Progress:
        """How far the task says it is, as the living messages show progress."""
        return Progress(
            percent=self.progress_percent,
            current_step=self.current_step,
            steps_completed=self.steps_completed,
            total_steps=self.total_steps,
        )


class ActionAccepted(ApiModel):
    """The 202 answer of an action (§6.2)."""

    task_id: str = Field(validation_alias=AliasChoices("task_id", "id"))
    status: str = "queued"
    environment_id: str | None = None
    poll_url: str | None = None


class TaskLog(ApiModel):
    """`GET /environments/{id}/logs` (§5.3): the task's step log, most recent lines kept."""

    task_id: str | None = None
    log: str = ""
    lines: int | None = None
    truncated: bool = False


class Webhook(ApiModel):
    id: str
    url: str
    events: list[str] = Field(default_factory=list)
    description: str | None = None
    project_id: str | None = None
    format: str | None = None
    is_active: bool | None = None
    last_triggered_at: datetime | None = None
    failure_count: int | None = None
    created_at: datetime | None = None


class WebhookCreated(Webhook):
    """The 201 answer of `POST /webhooks`: the secret is shown once (§9.9)."""

    secret: SecretStr | None = None


class WebhookTestResult(ApiModel):
    """`POST /webhooks/{id}/test` (§9.9): oec.sh sent a `ping` and says how it went."""

    success: bool
    status_code: int | None = None
    duration_ms: float | None = None
    message: str | None = None


# Webhook payloads --------------------------------------------------------------------------

_DATA_FIELDS = (
    "task_id",
    "environment_id",
    "environment_name",
    "project_id",
    "project_name",
    "status",
    "old_status",
    "previous_status",
    "new_status",
    "type",
    "branch",
    "triggered_by",
    "started_at",
    "completed_at",
    "duration_seconds",
    "error_message",
    "url",
    "message",
    "severity",
)


class EventData(ApiModel):
    """The `data` of a delivery (§7.4.1). Any field may be missing."""

    task_id: str | None = Field(
        default=None, validation_alias=AliasChoices("task_id", "deployment_id")
    )
    environment_id: str | None = None
    environment_name: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    status: str | None = Field(default=None, validation_alias=AliasChoices("status", "new_status"))
    previous_status: str | None = Field(
        default=None, validation_alias=AliasChoices("previous_status", "old_status")
    )
    type: str | None = None
    branch: str | None = None
    triggered_by: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    duration_seconds: float | None = None
    error_message: str | None = Field(
        default=None, validation_alias=AliasChoices("error_message", "error")
    )
    url: str | None = None
    message: str | None = None
    severity: str | None = None
    # monitoring.alert: what pairs a resolved alert with its firing one (undocumented; optional)
    alert_id: str | None = Field(default=None, validation_alias=AliasChoices("alert_id", "rule_id"))


class WebhookEvent(ApiModel):
    """One webhook delivery body. Only the event name is required (§7.3, §7.4.1)."""

    id: str | None = Field(default=None, validation_alias=AliasChoices("id", "delivery_id"))
    event: str = Field(validation_alias=AliasChoices("event", "type", "event_type"))
    timestamp: datetime | None = None
    data: EventData = Field(default_factory=EventData)

    @model_validator(mode="before")
    @classmethod
    def _ids_from_top_level(cls, value: Any) -> Any:
        """The docs leave open whether ids sit in `data` or at the top level: accept both."""
        if not isinstance(value, dict):
            return value
        data = value.get("data")
        merged: dict[str, Any] = dict(data) if isinstance(data, dict) else {}
        for key in _DATA_FIELDS:
            if key not in merged and key in value and key != "type":
                merged[key] = value[key]
        return {**value, "data": merged}
