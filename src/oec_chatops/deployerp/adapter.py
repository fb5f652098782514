"""`DerpPlatform`: deployERP behind the `Platform` protocol the services are typed against.

deployERP has no projects: the group is the **server** (CONTRACT.md §1), so servers become
`Project`s (id and name of the server) and instances become `Environment`s of their server's
project, with `environment_type` from the instance's `environment`. Statuses are deployERP's
own (`running`, `stopped`, `deploying`, ...), which the bot already shows.

Actions: start, stop, restart and deploy (`redeploy` is deploy) answer an `ActionAccepted` whose
task id is `<instance id>~<action id>`, so `get_task()` can ask
`GET /instances/{instance_id}/actions/{action_id}` and return a `Task` the tracker and the living
message already understand: `pending` → `queued`, `running`, `completed`, `failed` with its
`error`. deployERP's API has no logs endpoint, and deploy takes no module list: both are said
in words, never sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from oec_chatops.deployerp.client import DerpClient
from oec_chatops.deployerp.models import DerpAction, DerpBackup, DerpInstance, DerpServer
from oec_chatops.oec.arguments import action_name, invalid
from oec_chatops.oec.errors import OecConflict, OecNotFound
from oec_chatops.oec.models import (
    ActionAccepted,
    Environment,
    EnvironmentStatus,
    Project,
    Task,
    TaskLog,
)
from oec_chatops.platform import Platform

TASK_SEPARATOR = "~"
# A backup's "task": `<instance>~backup:<backup id>`, answered from the instance's backups.
BACKUP_TASK = "backup:"
_ESCAPED = re.compile("%(25|7E)")
_TASK_STATUS = {"pending": "queued"}
NO_LOGS = (
    "deployERP's API offers no logs endpoint, so the bot cannot show logs for this instance. "
    "Its status and its last action's outcome are shown by `/oec status`."
)


def _escape(part: str) -> str:
    return part.replace("%", "%25").replace(TASK_SEPARATOR, "%7E")


def _unescape(part: str) -> str:
    return _ESCAPED.sub(lambda m: "%" if m[1] == "25" else TASK_SEPARATOR, part)


def encode_task_id(instance_id: str, action_id: str) -> str:
    """One task id naming both the instance and the action, whatever characters they hold."""
    return f"{_escape(instance_id)}{TASK_SEPARATOR}{_escape(action_id)}"


def decode_task_id(task_id: str) -> tuple[str, str]:
    """The instance id and action id of a task id made by `encode_task_id`."""
    parts = task_id.strip().split(TASK_SEPARATOR)
    if len(parts) != 2 or not all(parts):
        raise invalid(
            f"{task_id!r} is not a deployERP task id (<instance id>~<action id>).",
            "task_id",
            "GET /instances/{instance_id}/actions/{action_id}",
        )
    return _unescape(parts[0]), _unescape(parts[1])


def server_project(server: DerpServer, *, environment_count: int | None = None) -> Project:
    return Project(
        id=server.id,
        name=server.name,
        slug=server.name,
        server_id=server.id,
        environment_count=environment_count,
        created_at=server.created_at,
    )


def instance_environment(instance: DerpInstance) -> Environment:
    return Environment(
        id=instance.id,
        name=instance.name,
        status=instance.status,
        url=instance.url,
        odoo_version=instance.odoo_version,
        project_id=instance.server_id,
        server_id=instance.server_id,
        environment_type=instance.environment,
        created_at=instance.created_at,
        updated_at=instance.updated_at,
    )


def action_task(action: DerpAction) -> Task:
    status = action.status.strip().lower()
    return Task(
        id=encode_task_id(action.instance_id, action.id),
        type=action.action,
        status=_TASK_STATUS.get(status, status),
        environment_id=action.instance_id,
        started_at=action.started_at,
        completed_at=action.completed_at,
        error_message=action.error,
    )


class DerpPlatform:
    """deployERP as a `Platform`; the typed backup methods are for the backup commands."""

    def __init__(self, client: DerpClient) -> None:
        self.client = client
        self.settings = client.settings

    def __repr__(self) -> str:
        return f"DerpPlatform({self.client!r})"

    def read_limit(self) -> int:
        """Reads a minute: the per-minute burst (the tracker spends at most a fifth of it)."""
        return self.client.burst_per_minute

    def is_production(self, env: Environment) -> bool:
        """Production is `environment == DerpSettings.production_environment` (policy globs too)."""
        wanted = self.settings.production_environment.strip().lower()
        return (env.environment_type or "").strip().lower() == wanted

    async def list_projects(self) -> list[Project]:
        servers = await self.client.list_servers()
        counts: dict[str | None, int] = {}
        for instance in await self.client.list_instances():
            counts[instance.server_id] = counts.get(instance.server_id, 0) + 1
        return [server_project(s, environment_count=counts.get(s.id, 0)) for s in servers]

    async def get_project(self, project_id: str) -> Project:
        return server_project(await self.client.get_server(project_id))

    async def list_environments(
        self, project_id: str, *, status: str | None = None
    ) -> list[Environment]:
        await self.client.get_server(project_id)  # an unknown server is a 404, not "no instances"
        instances = await self.client.list_instances()
        return [
            instance_environment(i)
            for i in instances
            if i.server_id == project_id and _status_matches(i, status)
        ]

    async def list_all_environments(
        self, *, status: str | None = None
    ) -> list[tuple[Project, Environment]]:
        """Every instance with its server, in server order; an unlisted server keeps its id."""
        servers = await self.client.list_servers()
        instances = [i for i in await self.client.list_instances() if _status_matches(i, status)]
        projects = {s.id: server_project(s) for s in servers}
        order = {s.id: n for n, s in enumerate(servers)}
        pairs = []
        for instance in instances:
            sid = instance.server_id or ""
            project = projects.get(sid) or Project(id=sid, name=sid or "?", server_id=sid)
            pairs.append((project, instance_environment(instance)))
        pairs.sort(key=lambda pair: order.get(pair[0].id, len(order)))
        return pairs

    async def get_environment(self, env_id: str) -> Environment:
        return instance_environment(await self.client.get_instance(env_id))

    async def get_environment_status(self, env_id: str) -> EnvironmentStatus:
        instance = await self.client.get_instance(env_id)
        return EnvironmentStatus(
            environment_id=instance.id,
            status=instance.status,
            url=instance.url,
            container_running=instance.status == "running",
        )

    async def get_logs(
        self, env_id: str, *, task_id: str | None = None, lines: int = 200
    ) -> TaskLog:
        return TaskLog(task_id=task_id, log=NO_LOGS, lines=0)

    async def get_task(self, task_id_or_poll_url: str) -> Task:
        instance_id, action_id = decode_task_id(task_id_or_poll_url)
        if action_id.startswith(BACKUP_TASK):
            return await self._backup_task(instance_id, action_id.removeprefix(BACKUP_TASK))
        return action_task(await self.client.get_action(instance_id, action_id))

    async def _backup_task(self, instance_id: str, backup_id: str) -> Task:
        """A backup as a `backup` task (pending is queued), read from its instance's list."""
        b = await self.get_backup(instance_id, backup_id)
        status = b.status.strip().lower()
        return Task(
            id=encode_task_id(instance_id, BACKUP_TASK + b.id),
            type="backup",
            status=_TASK_STATUS.get(status, status),
            environment_id=instance_id,
            started_at=b.created_at,
            completed_at=b.completed_at,
            error_message=b.error,
        )

    async def action(
        self,
        verb: str,
        env_id: str,
        *,
        idempotency_key: str,
        modules: Sequence[str] | None = None,
    ) -> ActionAccepted:
        """deploy, redeploy (= deploy), restart, start, stop; at most once per idempotency key."""
        name = action_name(verb)
        endpoint = f"POST /instances/{{instance_id}}/{name}"
        if modules:
            raise invalid(
                "deployERP's deploy takes no module list; deploy without modules.",
                "modules",
                endpoint,
            )
        try:
            accepted = await self.client.action(env_id, name, idempotency_key=idempotency_key)
        except OecConflict as exc:
            running = exc.extra.get("action_id")
            if isinstance(running, str) and running:  # so the answer names the running task
                exc.extra["task_id"] = encode_task_id(env_id, running)
            raise
        task = action_task(accepted)
        return ActionAccepted(
            task_id=task.id, status=task.status, environment_id=accepted.instance_id
        )

    async def list_backups(self, instance_id: str) -> list[DerpBackup]:
        return await self.client.list_backups(instance_id)

    async def get_backup(self, instance_id: str, backup_id: str) -> DerpBackup:
        """One backup of the instance, found in its list (no single-backup read is pinned)."""
        for b in await self.client.list_backups(instance_id):
            if b.id == backup_id:
                return b
        raise OecNotFound(
            f"deployERP lists no backup {backup_id!r} for this instance.",
            status=404,
            code="not_found",
            endpoint="GET /backups",
        )

    async def create_backup(self, instance_id: str, *, idempotency_key: str) -> DerpBackup:
        return await self.client.create_backup(instance_id, idempotency_key=idempotency_key)


def _status_matches(instance: DerpInstance, status: str | None) -> bool:
    return not status or instance.status.lower() == status.strip().lower()


def _as_platform(adapter: DerpPlatform) -> Platform:
    return adapter  # mypy checks here that the deployERP adapter is a whole Platform
