"""`Platform`: what the services need of an Odoo host, so oec.sh is one adapter among several.

The services (resolver, commands, actions, tracker) are typed against this protocol, not
against `OecClient`. oec.sh's client satisfies it as it is; a deployERP or oCore adapter
(`shared/seeds/003_*`, `004_*`) would map its own API onto the same calls and answer with the
same `oec.models` values (projects, environments, status snapshots, task logs, tasks, 202s),
raising the `OecError` tree's classes for the same situations (not found, conflict, rate
limited ...), so that every message the bot shows keeps its meaning whatever the host.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import Field

from oec_chatops.oec.models import (
    ActionAccepted,
    Environment,
    EnvironmentStatus,
    Project,
    Task,
    TaskLog,
)


class DetailedStatus(EnvironmentStatus):
    """A status with lines only its host reports (oCore's health message, last seen and health
    score), already in words, so `/oec status` shows them without knowing the host."""

    details: list[str] = Field(default_factory=list)


class Platform(Protocol):
    """The calls behind every `/oec` verb and the deployment tracker."""

    def read_limit(self) -> int:
        """Reads a minute this key may make: the tracker spends at most a fifth of it."""
        ...

    async def list_projects(self) -> list[Project]: ...

    async def get_project(self, project_id: str) -> Project: ...

    async def list_environments(
        self, project_id: str, *, status: str | None = None
    ) -> list[Environment]: ...

    async def list_all_environments(
        self, *, status: str | None = None
    ) -> list[tuple[Project, Environment]]: ...

    async def get_environment(self, env_id: str) -> Environment: ...

    async def get_environment_status(self, env_id: str) -> EnvironmentStatus: ...

    async def get_logs(
        self, env_id: str, *, task_id: str | None = None, lines: int = 200
    ) -> TaskLog: ...

    async def get_task(self, task_id_or_poll_url: str) -> Task: ...

    async def action(
        self,
        verb: str,
        env_id: str,
        *,
        idempotency_key: str,
        modules: Sequence[str] | None = None,
    ) -> ActionAccepted:
        """deploy, redeploy, restart, start, stop; at most once per idempotency key."""
        ...
