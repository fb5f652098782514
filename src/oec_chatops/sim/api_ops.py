"""The Odoo-operations routes of the simulated API: backups, restore, runtime logs, metrics.

| Route | Answer |
|---|---|
| `GET /environments/{id}/backups` | page `{items, total, page, page_size, pages}`, newest first |
| `POST /environments/{id}/backups` | 201 backup with `task_id` (a `backup` task); no idempotency header; 409 `task_in_progress` while a backup or any other task runs |
| `GET /backups/{id}` | the backup with its `environment_snapshot` |
| `POST /backups/{id}/restore` | 202 task answer + `backup_id`; needs `X-Confirm-Restore: true` (else 400 `confirm_required`) and honours `Idempotency-Key`; 400 `{"detail": "Backup is not in COMPLETED status"}` |
| `GET /environments/{id}/runtime-logs` | `{environment_id, source, lines, truncated, log, fetched_at}`; 404 when stopped, paused or in error |
| `GET /environments/{id}/metrics` | `{environment_id, status, odoo, postgres, disk, queried_at}` |

Runtime logs and metrics reach the customer's server: at most `target_limit` (6) calls a minute
per environment, over a sliding minute, else 429 `target_rate_limit` with `Retry-After` and
`retry_after`. The `target_unreachable` fault answers them 502 `server_unreachable`.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.routing import BaseRoute, Route

from oec_chatops.sim.backups import Backup, snapshot_of
from oec_chatops.sim.errors import ApiError, Shape
from oec_chatops.sim.gateway import Access, Call, Gateway, Reply, over_own_limit
from oec_chatops.sim.paging import numbered_page
from oec_chatops.sim.records import Environment
from oec_chatops.sim.runtime import metrics, runtime_log
from oec_chatops.sim.state import SimState
from oec_chatops.sim.timeline import DATABASE_ONLY, DEPLOY_KINDS, TaskKind
from oec_chatops.sim.validation import (
    MAX_RUNTIME_LINES,
    BackupCreate,
    BackupListQuery,
    RuntimeLogsQuery,
    parse_body,
    parse_query,
)
from oec_chatops.simkit.records import iso

_NO_RUNTIME = ("stopped", "paused", "error")


class OperationsApi:
    def __init__(self, state: SimState) -> None:
        self.state = state

    def _env(self, call: Call) -> Environment:
        return self.state.environment(call.path_id("env_id"))

    def _backup(self, call: Call) -> Backup:
        backup = self.state.backups.backups.get(call.path_id("backup_id"))
        if backup is None:
            raise ApiError(404, "not_found", "Backup not found", shape=Shape.STRING)
        return backup

    async def backups(self, call: Call) -> Reply:
        env = self._env(call)
        q = parse_query(BackupListQuery, call.query)
        now = self.state.now()
        found = self.state.backups.of(env.id, now=now, status=q.status, backup_type=q.backup_type)
        items = [b.to_json(now=now) for b in found]
        return Reply(200, numbered_page(items, page=q.page, page_size=q.page_size))

    async def create_backup(self, call: Call) -> Reply:
        env = self._env(call)
        body = parse_body(BackupCreate, call.raw_body, optional=True)
        mode = None if body.include_filestore else DATABASE_ONLY
        task = self.state.queue_action(env.id, TaskKind.BACKUP, mode=mode)
        project = self.state.project(env.project_id)
        server = self.state.servers.get(env.server_id)
        backup = self.state.backups.add(
            Backup(
                id=str(uuid.uuid4()),
                environment_id=env.id,
                backup_type=body.backup_type,
                include_filestore=body.include_filestore,
                created_at=self.state.now(),
                snapshot=snapshot_of(env, project.name, server.name if server else "server"),
                task=task,
                notes=body.notes,
                retention_type=body.retention_type or "permanent",
            )
        )
        return Reply(201, backup.to_json(now=self.state.now()))

    async def backup(self, call: Call) -> Reply:
        return Reply(200, self._backup(call).to_json(now=self.state.now(), detail=True))

    async def restore(self, call: Call) -> Reply:
        if call.request.headers.get("x-confirm-restore") != "true":
            raise ApiError(
                400,
                "confirm_required",
                "Restoring overwrites the environment's data: send X-Confirm-Restore: true.",
            )
        backup = self._backup(call)
        if backup.status(self.state.now()) != "completed":
            raise ApiError(
                400, "bad_request", "Backup is not in COMPLETED status", shape=Shape.STRING
            )
        mode = None if backup.include_filestore else DATABASE_ONLY
        task = self.state.queue_action(backup.environment_id, TaskKind.RESTORE, mode=mode)
        return Reply(202, {**task.accepted_json(), "backup_id": backup.id})

    def _reach_server(self, env: Environment) -> None:
        """The per-environment limit and the unreachable-server fault of the target routes."""
        state = self.state
        decision = state.target_limits.take(
            env.id, limit=state.settings.target_limit, now=state.now()
        )
        if not decision.allowed:
            raise over_own_limit(
                decision, "target_rate_limit", "Too many calls to this environment's server"
            )
        if state.faults.target_unreachable > 0:
            state.faults.target_unreachable -= 1
            raise ApiError(502, "server_unreachable", "The environment's server did not answer.")

    async def runtime_logs(self, call: Call) -> Reply:
        env = self._env(call)
        q = parse_query(RuntimeLogsQuery, call.query, lower=("source",))
        if env.status in _NO_RUNTIME:
            raise ApiError(
                404, "not_found", f"The environment is {env.status}: no container is running."
            )
        self._reach_server(env)
        now = self.state.now()
        last = next((t for t in self.state.tasks_of(env.id) if t.kind in DEPLOY_KINDS), None)
        kept = runtime_log(env, source=q.source, lines=q.lines, now=now, last_task=last)
        body: dict[str, Any] = {
            "environment_id": env.id,
            "source": q.source,
            "lines": len(kept),
            "truncated": q.lines < MAX_RUNTIME_LINES,
            "log": "\n".join(kept),
            "fetched_at": iso(now),
        }
        return Reply(200, body)

    async def metrics(self, call: Call) -> Reply:
        env = self._env(call)
        self._reach_server(env)
        return Reply(200, metrics(env, now=self.state.now()))


def ops_routes(state: SimState, gateway: Gateway) -> list[BaseRoute]:
    api = OperationsApi(state)
    g = gateway.endpoint
    read, write = Access.READ, Access.WRITE
    return [
        Route("/environments/{env_id}/backups", g(api.backups, read), methods=["GET"]),
        # No idempotency header on this route (§9.4): a 409 guards against a second backup.
        Route("/environments/{env_id}/backups", g(api.create_backup, write), methods=["POST"]),
        Route("/backups/{backup_id}", g(api.backup, read), methods=["GET"]),
        Route(
            "/backups/{backup_id}/restore",
            g(api.restore, write, idempotency="Idempotency-Key"),
            methods=["POST"],
        ),
        Route("/environments/{env_id}/runtime-logs", g(api.runtime_logs, read), methods=["GET"]),
        Route("/environments/{env_id}/metrics", g(api.metrics, read), methods=["GET"]),
    ]
