"""Odoo operations on oec.sh: quick updates, backups and restore, runtime logs, metrics (§9.2, §9.6).

Why a separate object and not more `OecClient` methods: the client is already long, and these
routes have rules of their own (a restore's confirmation header, a backup create that carries no
idempotency key, a per-environment limit on what reaches the customer's server). `OecClient`
builds one `Operations` over its own `ApiSession` and keys and exposes it as `client.ops`, so
the two share the HTTP connection pool, the retry loop, the key's rate budget and the error
mapping; nothing here opens a connection of its own.

What is safe to retry: quick updates and restores carry the caller's `Idempotency-Key` (one per
user intent: reuse it when re-sending that intent), so the session retries them and a retried
intent is the same task. A backup create has no idempotency header at all (§9.4), so it is never
re-sent; when its answer is lost (timeout, 5xx) the environment's backups are read back, and a
manual backup started since the request is taken as the one it created, rather than starting a
second one or leaving the person without an answer. Runtime logs and metrics are tried once:
each try spends one of the environment's 6 calls a minute (`oec.target_limit`).

`oec.ops_protocol.OdooOperations` is the protocol the command layer can type against;
`Operations` satisfies it (checked by mypy there).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel

from oec_chatops.clock import Clock
from oec_chatops.context import current_request_id
from oec_chatops.oec.answers import parse_answer, send_json
from oec_chatops.oec.arguments import check_idempotency_key, invalid, path_segment
from oec_chatops.oec.errors import (
    OecRateLimited,
    OecRequestError,
    OecServerError,
    OecWaitTimeout,
)
from oec_chatops.oec.keys import ApiKey
from oec_chatops.oec.models import ActionAccepted, Task
from oec_chatops.oec.modules import parse_modules
from oec_chatops.oec.ops_models import (
    BACKUP_STATUSES,
    BACKUP_TYPES,
    MAX_BACKUP_NOTE,
    MAX_RUNTIME_LINES,
    RUNTIME_SOURCES,
    Backup,
    EnvironmentMetrics,
    RestoreAccepted,
    RuntimeLog,
)
from oec_chatops.oec.pagination import read_page
from oec_chatops.oec.polling import poll_interval
from oec_chatops.oec.ratelimit import Budget
from oec_chatops.oec.session import ApiSession, Call
from oec_chatops.oec.target_limit import TargetBudget

log = logging.getLogger("oec_chatops.oec.operations")

M = TypeVar("M", bound=BaseModel)
BackupCallback = Callable[[Backup], Awaitable[None]]
TaskCallback = Callable[[Task], Awaitable[None]]
TaskWaiter = Callable[..., Awaitable[Task]]

QUICK_UPDATE = "POST /environments/{env_id}/quick-update"
# How far a lost backup create's server clock may be from ours and still be "this request".
RECOVERY_SKEW = timedelta(minutes=2)
_RECOVERY_PAGE = 5


class Operations:
    """The routes of this module over the `OecClient`'s session (see the module docstring)."""

    def __init__(
        self,
        session: ApiSession,
        *,
        base_url: str,
        clock: Clock,
        read_key: Callable[[], ApiKey],
        write_key: Callable[[str], ApiKey],
        read_limit: Callable[[], int],
        wait_for_task: TaskWaiter,
        target_budget: TargetBudget | None = None,
    ) -> None:
        self._session = session
        self._base_url = base_url
        self._clock = clock
        self._read_key = read_key
        self._write_key = write_key
        self._read_limit = read_limit
        self._wait_for_task = wait_for_task
        self.target_budget = target_budget or TargetBudget()

    # -- quick updates (§9.6): a `deploy` task each ---------------------------------------

    async def update_specific(
        self, env_id: str, modules: Sequence[str] | str, *, idempotency_key: str
    ) -> ActionAccepted:
        """Pull, restart and update these modules (no rebuild)."""
        names = parse_modules(modules, allow_all=False, endpoint=QUICK_UPDATE).as_list
        return await self._quick_update(env_id, idempotency_key, "update_specific", names)

    async def update_all(self, env_id: str, *, idempotency_key: str) -> ActionAccepted:
        """Pull, restart and update every installed module."""
        return await self._quick_update(env_id, idempotency_key, "update_all", None)

    async def pull_restart(self, env_id: str, *, idempotency_key: str) -> ActionAccepted:
        """Pull the new code and restart, without rebuilding the image or updating modules."""
        return await self._quick_update(env_id, idempotency_key, "pull_restart", None)

    async def reinitialize_specific(
        self, env_id: str, modules: Sequence[str] | str, *, idempotency_key: str
    ) -> ActionAccepted:
        """Reinstall these modules: their data may be reset. Never `all`."""
        names = parse_modules(modules, allow_all=False, endpoint=QUICK_UPDATE).as_list
        return await self._quick_update(env_id, idempotency_key, "reinitialize_specific", names)

    async def _quick_update(
        self, env_id: str, idempotency_key: str, mode: str, modules: list[str] | None
    ) -> ActionAccepted:
        body: dict[str, Any] = {"mode": mode}
        if modules is not None:
            body["modules"] = modules
        call = self._write(
            "POST /environments/{env_id}/quick-update",
            {"env_id": env_id},
            json=body,
            headers={"Idempotency-Key": check_idempotency_key(idempotency_key, QUICK_UPDATE)},
        )
        return await self._fetch(ActionAccepted, call)

    # -- backups (§9.2) ------------------------------------------------------------------

    async def create_backup(
        self, env_id: str, *, include_filestore: bool = True, notes: str | None = None
    ) -> Backup:
        """Start a manual backup (201); its progress is its `task_id`'s, see `wait_for_backup`.

        Never re-sent (the route takes no idempotency key). 409 `task_in_progress` while a
        backup or any other task runs on the environment: an `OecConflict` with its `task_id`.
        """
        endpoint = "POST /environments/{env_id}/backups"
        body: dict[str, Any] = {"backup_type": "manual", "include_filestore": include_filestore}
        if notes is not None and notes.strip():
            if len(notes) > MAX_BACKUP_NOTE:
                raise invalid(
                    f"A backup note has at most {MAX_BACKUP_NOTE} characters.", "notes", endpoint
                )
            body["notes"] = notes.strip()
        call = self._write(endpoint, {"env_id": env_id}, json=body, retry_safe=False)
        sent_at = self._clock.now()
        try:
            return await self._fetch(Backup, call)
        except (OecRequestError, OecServerError) as exc:
            found = await self._started_since(env_id, sent_at)
            if found is None:
                raise
            log.warning(
                "oec.backup_answer_lost",
                extra={"error": type(exc).__name__, "request_id": exc.request_id},
            )
            return found

    async def _started_since(self, env_id: str, sent_at: datetime) -> Backup | None:
        """The manual backup a lost create started, if the environment shows one."""
        try:
            recent = await self.list_backups(env_id, limit=_RECOVERY_PAGE, backup_type="manual")
        except (OecRequestError, OecServerError):
            return None
        for backup in recent:
            created = backup.created_at
            if created is not None and created.tzinfo is None:
                created = created.replace(tzinfo=UTC)  # the API's times are UTC
            if created is not None and created >= sent_at - RECOVERY_SKEW:
                return backup
        return None

    async def list_backups(
        self,
        env_id: str,
        *,
        limit: int = 10,
        status: str | None = None,
        backup_type: str | None = None,
    ) -> list[Backup]:
        """The environment's latest backups, newest first, at most `limit` (1-100)."""
        endpoint = "GET /environments/{env_id}/backups"
        if not 1 <= limit <= 100:
            raise invalid("limit must be between 1 and 100.", "limit", endpoint)
        params: dict[str, str | int] = {"page": 1, "page_size": limit}
        for name, value, allowed in (
            ("status", status, BACKUP_STATUSES),
            ("backup_type", backup_type, BACKUP_TYPES),
        ):
            if value is not None:
                if value not in allowed:
                    raise invalid(f"{name} must be one of {', '.join(allowed)}.", name, endpoint)
                params[name] = value
        call = self._read(endpoint, {"env_id": env_id}, params=params)
        body, request_id = await send_json(self._session, call)
        page = read_page(body, endpoint=endpoint)
        backups = [parse_answer(Backup, item, endpoint, request_id) for item in page.items]
        return backups[:limit]

    async def get_backup(self, backup_id: str) -> Backup:
        """One backup, with its `environment_snapshot`."""
        return await self._fetch(
            Backup, self._read("GET /backups/{backup_id}", {"backup_id": backup_id})
        )

    async def wait_for_backup(
        self,
        backup: Backup,
        *,
        on_task: TaskCallback | None = None,
        on_update: BackupCallback | None = None,
        timeout: float = 3600.0,
    ) -> Backup:
        """Follow a backup until it is completed, failed, cancelled or expired.

        With a `task_id` (the usual case) the task is polled like a deploy's, at the client's
        pace and with its tolerance of blips, `on_task` told of each change; then the backup
        is read once for its final status and size. Without one, the backup itself is polled
        and `on_update` told of each status. Raises `OecWaitTimeout` after `timeout` s.
        """
        if backup.task_id:
            await self._wait_for_task(backup.task_id, on_update=on_task, timeout=timeout)
            final = await self.get_backup(backup.id)
            if on_update is not None:
                await on_update(final)
            return final
        started = self._clock.monotonic()
        seen: str | None = None
        current = backup
        while True:
            if current.status != seen and on_update is not None:
                await on_update(current)
            seen = current.status
            if current.terminal:
                return current
            elapsed = self._clock.monotonic() - started
            if elapsed >= timeout:
                raise OecWaitTimeout(
                    f"Backup {backup.id} was still {current.status} after {timeout:g} s.",
                    task_id=backup.id,
                    last_status=current.status,
                    endpoint="GET /backups/{backup_id}",
                    request_id=current_request_id(),
                )
            await self._clock.sleep(min(poll_interval(elapsed, self._read_limit()), timeout))
            current = await self.get_backup(backup.id)

    async def restore_backup(self, backup_id: str, *, idempotency_key: str) -> RestoreAccepted:
        """Overwrite the backup's environment with it: 202 and a task.

        Sends `X-Confirm-Restore: true`: call this only once a person approved the restore.
        """
        endpoint = "POST /backups/{backup_id}/restore"
        call = self._write(
            endpoint,
            {"backup_id": backup_id},
            headers={
                "Idempotency-Key": check_idempotency_key(idempotency_key, endpoint),
                "X-Confirm-Restore": "true",
            },
        )
        return await self._fetch(RestoreAccepted, call)

    # -- the environment's server: 6 calls a minute (§9.2) --------------------------------

    async def runtime_logs(
        self, env_id: str, *, source: str = "odoo", lines: int = 100
    ) -> RuntimeLog:
        """The live log of the Odoo, PostgreSQL or container runtime, most recent lines.

        404 (`OecNotFound`) when the environment is stopped, paused or in error.
        """
        endpoint = "GET /environments/{env_id}/runtime-logs"
        if source not in RUNTIME_SOURCES:
            raise invalid(
                f"source must be one of {', '.join(RUNTIME_SOURCES)}.", "source", endpoint
            )
        if not 1 <= lines <= MAX_RUNTIME_LINES:
            raise invalid(f"lines must be between 1 and {MAX_RUNTIME_LINES}.", "lines", endpoint)
        call = self._read(
            endpoint, {"env_id": env_id}, params={"source": source, "lines": lines}, once=True
        )
        return await self._on_target(env_id, RuntimeLog, call)

    async def metrics(self, env_id: str) -> EnvironmentMetrics:
        """CPU and memory of the Odoo and PostgreSQL containers, disk split, `queried_at`."""
        call = self._read("GET /environments/{env_id}/metrics", {"env_id": env_id}, once=True)
        return await self._on_target(env_id, EnvironmentMetrics, call)

    def target_calls_left(self, env_id: str) -> int:
        """Runtime-log and metrics calls this environment has left this minute (none taken)."""
        return self.target_budget.left(env_id.strip(), now=self._clock.monotonic())

    async def _on_target(self, env_id: str, model: type[M], call: Call) -> M:
        """Send a call that reaches the environment's server, within its per-minute budget."""
        key = env_id.strip()
        wait = self.target_budget.reserve(key, now=self._clock.monotonic())
        if wait > 0:
            raise _target_limited(wait, call.endpoint)
        try:
            return await self._fetch(model, call)
        except OecRateLimited as exc:
            if exc.code == "target_rate_limit":
                until = self._clock.monotonic() + exc.retry_after
                self.target_budget.block(key, until=until)
            raise

    # -- plumbing -------------------------------------------------------------------------

    def _url(self, endpoint: str, ids: Mapping[str, str]) -> str:
        template = endpoint.split(" ", 1)[1]
        segments = {name: path_segment(value, name, endpoint) for name, value in ids.items()}
        return self._base_url + template.format(**segments)

    def _read(
        self,
        endpoint: str,
        ids: Mapping[str, str],
        *,
        params: Mapping[str, str | int] | None = None,
        once: bool = False,
    ) -> Call:
        return Call(
            method="GET",
            url=self._url(endpoint, ids),
            endpoint=endpoint,
            key=self._read_key(),
            budgets=(Budget.READ,),
            retry_safe=True,
            params=params,
            max_attempts=1 if once else None,
        )

    def _write(
        self,
        endpoint: str,
        ids: Mapping[str, str],
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        retry_safe: bool = True,
    ) -> Call:
        return Call(
            method="POST",
            url=self._url(endpoint, ids),
            endpoint=endpoint,
            key=self._write_key(endpoint),
            budgets=(Budget.WRITE,),
            retry_safe=retry_safe,
            json=json,
            headers=dict(headers or {}),
            retry_concurrent_action=retry_safe,
        )

    async def _fetch(self, model: type[M], call: Call) -> M:
        body, request_id = await send_json(self._session, call)
        return parse_answer(model, body, call.endpoint, request_id)


def _target_limited(wait: float, endpoint: str) -> OecRateLimited:
    seconds = max(1, math.ceil(wait))
    return OecRateLimited(
        "oec.sh allows 6 runtime-log and metrics calls a minute per environment; "
        f"try again in {seconds} s.",
        retry_after=float(seconds),
        status=429,
        code="target_rate_limit",
        endpoint=endpoint,
        request_id=current_request_id(),
        extra={"retry_after": seconds, "counted_locally": True},
    )
