"""Projects, servers and environments of oec.sh, with their step logs and task history."""

from __future__ import annotations

import asyncio

from oec_chatops.oec.arguments import invalid
from oec_chatops.oec.models import Environment, EnvironmentStatus, Project, Server, Task, TaskLog
from oec_chatops.oec.resource import ResourceBase

_LIST_CONCURRENCY = 4


class EnvironmentsApi(ResourceBase):
    """Read-only routes over what runs where; every call uses the query key."""

    async def list_projects(self) -> list[Project]:
        return await self._list(Project, self._route("GET", "/projects"), {"limit": 100})

    async def get_project(self, project_id: str) -> Project:
        route = self._route("GET", "/projects/{project_id}", project_id=project_id)
        return await self._get(Project, route)

    async def list_servers(self) -> list[Server]:
        return await self._list(Server, self._route("GET", "/servers"), {"limit": 100})

    async def list_environments(
        self, project_id: str, *, status: str | None = None
    ) -> list[Environment]:
        """A project's environments, oldest first; `status` filters (case-insensitive)."""
        params: dict[str, str | int] = {}
        if status:
            params["status"] = status.strip().lower()
        route = self._route("GET", "/projects/{project_id}/environments", project_id=project_id)
        return await self._list(Environment, route, params)

    async def list_all_environments(
        self, *, status: str | None = None
    ) -> list[tuple[Project, Environment]]:
        """Every visible environment with its project, in project order.

        The API has no org-wide environment list, so this is one request per project, a few
        at a time; the rate limiter paces them when the org has many projects.
        """
        projects = await self.list_projects()
        gate = asyncio.Semaphore(_LIST_CONCURRENCY)

        async def one(project: Project) -> list[tuple[Project, Environment]]:
            async with gate:
                envs = await self.list_environments(project.id, status=status)
            return [(project, env) for env in envs]

        # return_exceptions: let every request finish (none is left running unobserved),
        # then raise the first failure as the OecError it is, not as an ExceptionGroup.
        groups = await asyncio.gather(*(one(p) for p in projects), return_exceptions=True)
        for group in groups:
            if isinstance(group, BaseException):
                raise group
        return [pair for group in groups if not isinstance(group, BaseException) for pair in group]

    async def get_environment(self, env_id: str) -> Environment:
        route = self._route("GET", "/environments/{env_id}", env_id=env_id)
        return await self._get(Environment, route)

    async def get_environment_status(self, env_id: str) -> EnvironmentStatus:
        route = self._route("GET", "/environments/{env_id}/status", env_id=env_id)
        return await self._get(EnvironmentStatus, route)

    async def get_logs(
        self, env_id: str, *, task_id: str | None = None, lines: int = 200
    ) -> TaskLog:
        """A task's step log (the latest task's by default); oec.sh keeps the last lines."""
        route = self._route("GET", "/environments/{env_id}/logs", env_id=env_id)
        if not 1 <= lines <= 5000:
            raise invalid("lines must be between 1 and 5000.", "lines", route.endpoint)
        params: dict[str, str | int] = {"lines": lines}
        if task_id:
            params["task_id"] = task_id
        return await self._get(TaskLog, route, params)

    async def list_deployments(self, env_id: str, *, limit: int = 20) -> list[Task]:
        """The environment's most recent tasks, newest first, at most `limit` of them."""
        route = self._route("GET", "/environments/{env_id}/deployments", env_id=env_id)
        if limit < 1:
            raise invalid("limit must be at least 1.", "limit", route.endpoint)
        tasks = await self._list(Task, route, {"limit": min(limit, 100)}, stop_at=limit)
        return tasks[:limit]
