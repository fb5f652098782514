"""The Slack client, the platform and the Odoo operations of whichever workspace is asking.

A multi-workspace install keeps the services as they are: they get one Slack client and one
`Platform`, and these stand-ins pick the workspace's own token and oec.sh client from
`context.team_id_var` on every call. The variable is set where the workspace is known: the
Slack door for each signed request (`slack.app.ChatopsApp`), a command's worker from its
channel, the outbox for each row's channel. Tasks spawned meanwhile inherit it (asyncio copies
the context), so work a request starts keeps its workspace.

Fail closed: outside any workspace, or for one that is not installed, the Slack client has no
token (Slack answers `not_authed`) and the platform raises `WorkspaceNotConnected`: never
another workspace's token or key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.adapters.workspaces import Workspaces
from oec_chatops.context import team_id_var
from oec_chatops.oec.client import OecClient
from oec_chatops.oec.models import (
    ActionAccepted,
    Environment,
    EnvironmentStatus,
    Project,
    Task,
    TaskLog,
)
from oec_chatops.oec.operations import BackupCallback, Operations, TaskCallback
from oec_chatops.oec.ops_models import Backup, EnvironmentMetrics, RestoreAccepted, RuntimeLog

DEFAULT_READ_LIMIT = 60
"""Reads a minute the tracker plans with outside a workspace (oec.sh's smallest tier)."""


class TeamSlackClient(AsyncWebClient):
    """slack_sdk's client whose token is the asking workspace's bot token, read per call."""

    def __init__(self, *, workspaces: Workspaces, **kwargs: Any) -> None:
        self._workspaces = workspaces
        super().__init__(**kwargs)

    @property
    def token(self) -> str | None:
        team = team_id_var.get()
        return self._workspaces.token(team) if team else None

    @token.setter
    def token(self, value: str | None) -> None:
        """slack_sdk assigns the constructor's token; an OAuth install has none to assign."""
        if value:
            raise ValueError("A multi-workspace Slack client takes no fixed token.")


class TeamPlatform:
    """`Platform`, as the asking workspace's oec.sh client."""

    def __init__(self, workspaces: Workspaces) -> None:
        self._workspaces = workspaces

    def _client(self) -> OecClient:
        return self._workspaces.platform(team_id_var.get())

    def read_limit(self) -> int:
        team = team_id_var.get()
        try:
            return self._workspaces.platform(team).read_limit() if team else DEFAULT_READ_LIMIT
        except Exception:  # no key yet: the tracker plans with the smallest tier
            return DEFAULT_READ_LIMIT

    async def list_projects(self) -> list[Project]:
        return await self._client().list_projects()

    async def get_project(self, project_id: str) -> Project:
        return await self._client().get_project(project_id)

    async def list_environments(
        self, project_id: str, *, status: str | None = None
    ) -> list[Environment]:
        return await self._client().list_environments(project_id, status=status)

    async def list_all_environments(
        self, *, status: str | None = None
    ) -> list[tuple[Project, Environment]]:
        return await self._client().list_all_environments(status=status)

    async def get_environment(self, env_id: str) -> Environment:
        return await self._client().get_environment(env_id)

    async def get_environment_status(self, env_id: str) -> EnvironmentStatus:
        return await self._client().get_environment_status(env_id)

    async def get_logs(
        self, env_id: str, *, task_id: str | None = None, lines: int = 200
    ) -> TaskLog:
        return await self._client().get_logs(env_id, task_id=task_id, lines=lines)

    async def get_task(self, task_id_or_poll_url: str) -> Task:
        return await self._client().get_task(task_id_or_poll_url)

    async def action(
        self,
        verb: str,
        env_id: str,
        *,
        idempotency_key: str,
        modules: Sequence[str] | None = None,
    ) -> ActionAccepted:
        return await self._client().action(
            verb, env_id, idempotency_key=idempotency_key, modules=modules
        )


class TeamOperations:
    """The Odoo operations (`OdooOperations`: quick updates, backups, restores, metrics, live
    logs) of the asking workspace's oec.sh key, and its per-environment call budget."""

    def __init__(self, workspaces: Workspaces) -> None:
        self._workspaces = workspaces

    def _ops(self) -> Operations:
        return self._workspaces.platform(team_id_var.get()).ops

    async def update_specific(
        self, env_id: str, modules: Sequence[str] | str, *, idempotency_key: str
    ) -> ActionAccepted:
        return await self._ops().update_specific(env_id, modules, idempotency_key=idempotency_key)

    async def update_all(self, env_id: str, *, idempotency_key: str) -> ActionAccepted:
        return await self._ops().update_all(env_id, idempotency_key=idempotency_key)

    async def pull_restart(self, env_id: str, *, idempotency_key: str) -> ActionAccepted:
        return await self._ops().pull_restart(env_id, idempotency_key=idempotency_key)

    async def reinitialize_specific(
        self, env_id: str, modules: Sequence[str] | str, *, idempotency_key: str
    ) -> ActionAccepted:
        return await self._ops().reinitialize_specific(
            env_id, modules, idempotency_key=idempotency_key
        )

    async def create_backup(
        self, env_id: str, *, include_filestore: bool = True, notes: str | None = None
    ) -> Backup:
        return await self._ops().create_backup(
            env_id, include_filestore=include_filestore, notes=notes
        )

    async def list_backups(
        self,
        env_id: str,
        *,
        limit: int = 10,
        status: str | None = None,
        backup_type: str | None = None,
    ) -> list[Backup]:
        return await self._ops().list_backups(
            env_id, limit=limit, status=status, backup_type=backup_type
        )

    async def get_backup(self, backup_id: str) -> Backup:
        return await self._ops().get_backup(backup_id)

    async def wait_for_backup(
        self,
        backup: Backup,
        *,
        on_task: TaskCallback | None = None,
        on_update: BackupCallback | None = None,
        timeout: float = 3600.0,
    ) -> Backup:
        return await self._ops().wait_for_backup(
            backup, on_task=on_task, on_update=on_update, timeout=timeout
        )

    async def restore_backup(self, backup_id: str, *, idempotency_key: str) -> RestoreAccepted:
        return await self._ops().restore_backup(backup_id, idempotency_key=idempotency_key)

    async def runtime_logs(
        self, env_id: str, *, source: str = "odoo", lines: int = 100
    ) -> RuntimeLog:
        return await self._ops().runtime_logs(env_id, source=source, lines=lines)

    async def metrics(self, env_id: str) -> EnvironmentMetrics:
        return await self._ops().metrics(env_id)

    def target_calls_left(self, env_id: str) -> int:
        return self._ops().target_calls_left(env_id)
