"""`OcoreAdapter`: oCore (CONTRACT.md §2) behind the `Platform` protocol every service uses.

What maps onto what:

- Instances are environments, grouped by **server** as the project (`ocore.mapping`); statuses
  are shown as oCore gives them. An instance named `*-prod` / `*-production` is a production
  environment (pinned suffixes in `OcoreSettings`).
- `get_environment_status` is `/health` plus the instance's URL and its health score
  (`get_health_score` alone for the typed score; `ocore.healthscore` renders it).
- `action()` sends start / stop / restart to `/control`. oCore returns no task id, so the
  answer carries a synthetic one (`ocore.tasks`) that `get_task()` settles from `/health`;
  the tracker polls it at `pace()` (pinned 3 s) and it fails after the pinned 5 minutes.
- deploy / redeploy raise `OcoreUnsupported` (nothing is sent): oCore's API has no deploy.
- `get_logs` answers in words that oCore exposes no logs; it is not an error.

Idempotency: `Platform.action` promises at most once per idempotency key, but oCore accepts no
such key. The adapter therefore never re-sends a control call whose outcome is unknown (a
timeout after sending, a lost connection, a 5xx): it raises `OcoreOutcomeUnknown`, saying the
action may have been sent. A user who retries decides with the instance's status in front of
them; an automatic retry could restart a production instance twice. The idempotency key is
still required and checked, so callers treat every platform alike.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from oec_chatops.clock import Clock
from oec_chatops.ocore.client import CONTROL_ACTIONS, OcoreClient
from oec_chatops.ocore.errors import OcoreUnsupported
from oec_chatops.ocore.mapping import (
    UNASSIGNED,
    group_by_server,
    group_of,
    to_environment,
    to_project,
    to_status,
)
from oec_chatops.ocore.models import HealthScore, OcoreEnvironment, OcoreEnvironmentStatus
from oec_chatops.ocore.settings import OcoreSettings
from oec_chatops.ocore.tasks import ActionRef, Reading, is_moving, parse_task_id, settle
from oec_chatops.oec.arguments import check_idempotency_key, invalid
from oec_chatops.oec.errors import (
    OecContractError,
    OecNotFound,
    OecRequestError,
    OecServerError,
)
from oec_chatops.oec.models import (
    ActionAccepted,
    Environment,
    Project,
    Task,
    TaskLog,
)

log = logging.getLogger("oec_chatops.ocore")

NO_LOGS = (
    "oCore's API exposes no logs for instances, so the bot cannot show them here. "
    "Open the instance in oCore to read its logs."
)
_MAX_REMEMBERED = 1000


class OcoreAdapter:
    """The `Platform` calls, answered from oCore."""

    def __init__(
        self, client: OcoreClient, *, clock: Clock, settings: OcoreSettings | None = None
    ) -> None:
        self.client = client
        self.clock = clock
        self.settings = settings or OcoreSettings()
        # Restart tasks seen in a non-running status: their next `running` is the end.
        self._moved: dict[str, None] = {}

    def __repr__(self) -> str:
        return f"OcoreAdapter({self.client!r})"

    def read_limit(self) -> int:
        return self.settings.read_limit

    def pace(self, elapsed: float) -> float:
        """Seconds between two reads of `/health` while an action settles (pinned 3 s)."""
        return self.settings.poll_interval

    # Queries -----------------------------------------------------------------------------

    async def list_projects(self) -> list[Project]:
        seen: dict[str, Project] = {}
        for project, _ in await self.list_all_environments():
            seen.setdefault(project.id, project)
        return list(seen.values())

    async def get_project(self, project_id: str) -> Project:
        """A server by id; a configured server without instances is known too."""
        for project in await self.list_projects():
            if project.id == project_id:
                return project
        if project_id in self.settings.servers:
            return to_project(project_id, self.settings, count=0)
        raise OecNotFound(
            f"oCore has no server {project_id!r} with instances visible to this token.",
            status=404,
            code="not_found",
            endpoint="GET /instances",
        )

    async def list_environments(
        self, project_id: str, *, status: str | None = None
    ) -> list[Environment]:
        # Instances without a server cannot be asked for by server: read them all.
        server = None if project_id == UNASSIGNED else project_id
        instances = await self.client.list_instances(server_id=server)
        # Filter here too: the seed documents the parameter but not that it is exact.
        pairs = group_by_server([i for i in instances if group_of(i) == project_id], self.settings)
        return [env for _, env in pairs if _status_matches(env, status)]

    async def list_all_environments(
        self, *, status: str | None = None
    ) -> list[tuple[Project, Environment]]:
        pairs = group_by_server(await self.client.list_instances(), self.settings)
        return [(p, e) for p, e in pairs if _status_matches(e, status)]

    async def get_environment(self, env_id: str) -> OcoreEnvironment:
        return to_environment(await self.client.get_instance(env_id), self.settings)

    async def get_environment_status(self, env_id: str) -> OcoreEnvironmentStatus:
        """Health (status, message, last seen), the URL and the health score.

        The score is extra: when oCore cannot compute it (404, 5xx, an odd answer) the status is
        still shown, without a score. An auth error still fails the whole call.
        """
        health = await self.client.get_health(env_id)
        instance = await self.client.get_instance(env_id)
        try:
            score: HealthScore | None = await self.client.get_health_score(env_id)
        except (OecNotFound, OecServerError, OecContractError, OecRequestError) as exc:
            log.info("ocore.health_score_unavailable", extra={"error": type(exc).__name__})
            score = None
        return to_status(health, instance, score)

    async def get_health_score(self, env_id: str) -> HealthScore:
        return await self.client.get_health_score(env_id)

    async def get_logs(
        self, env_id: str, *, task_id: str | None = None, lines: int = 200
    ) -> TaskLog:
        return TaskLog(task_id=task_id, log=NO_LOGS, lines=0)

    # Actions and their tasks ---------------------------------------------------------------

    async def action(
        self,
        verb: str,
        env_id: str,
        *,
        idempotency_key: str,
        modules: Sequence[str] | None = None,
    ) -> ActionAccepted:
        """start / stop / restart through `/control`; deploy and redeploy are refused."""
        endpoint = "POST /instances/{id}/control"
        name = verb.strip().lower()
        if name in {"deploy", "redeploy"}:
            raise OcoreUnsupported(
                f"oCore's API has no {name}: it cannot deploy code. "
                "Use `restart` to restart the instance instead.",
                fields=[{"field": "verb", "message": f"{name} is not offered by oCore"}],
                endpoint=endpoint,
            )
        if name not in CONTROL_ACTIONS:
            raise invalid(
                f"Unknown action {verb!r} for oCore; use start, stop or restart.",
                "verb",
                endpoint,
            )
        if modules:
            raise invalid("oCore's restart takes no module list.", "modules", endpoint)
        check_idempotency_key(idempotency_key, endpoint)
        accepted_at = self.clock.time()
        await self.client.control(env_id, name)
        ref = ActionRef(instance_id=env_id, action=name, accepted_at=accepted_at)
        return ActionAccepted(
            task_id=ref.task_id, status="queued", environment_id=env_id, poll_url=None
        )

    async def get_task(self, task_id_or_poll_url: str) -> Task:
        """One reading of `/health`, settled by the rules of `ocore.tasks`."""
        ref = parse_task_id(task_id_or_poll_url)
        if ref is None:
            raise OecNotFound(
                "That is not an oCore action id (ocore:<action>:<ms>:<instance>).",
                status=404,
                code="not_found",
                endpoint="GET /instances/{id}/health",
            )
        health = await self.client.get_health(ref.instance_id)
        if is_moving(ref, health.status):
            self._remember(ref.task_id)
        moved = ref.task_id in self._moved
        last_restart = None
        if ref.action == "restart" and not moved and health.status.strip().lower() == ref.target:
            last_restart = (await self.client.get_instance(ref.instance_id)).last_restart_at
        task = settle(
            ref,
            Reading(health.status, health.status_message, moved, last_restart),
            now=self.clock.time(),
            limit=self.settings.settle_limit,
            skew=self.settings.restart_skew,
        )
        if task.terminal:
            self._moved.pop(ref.task_id, None)
        return task

    async def wait_for_task(self, task_id: str) -> Task:
        """Read the task every `poll_interval` on the clock until it is settled (at most the limit)."""
        while True:
            task = await self.get_task(task_id)
            if task.terminal:
                return task
            await self.clock.sleep(self.settings.poll_interval)

    def _remember(self, task_id: str) -> None:
        self._moved[task_id] = None
        while len(self._moved) > _MAX_REMEMBERED:
            self._moved.pop(next(iter(self._moved)))


def _status_matches(env: Environment, status: str | None) -> bool:
    return status is None or env.status.lower() == status.strip().lower()
