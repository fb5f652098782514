"""A task by id or poll URL, and waiting for one to end at the pace CONTRACT.md §9.7 sets."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from oec_chatops.context import current_request_id
from oec_chatops.oec.errors import (
    OecError,
    OecRateLimited,
    OecRequestError,
    OecServerError,
    OecWaitTimeout,
)
from oec_chatops.oec.models import Task
from oec_chatops.oec.polling import poll_interval
from oec_chatops.oec.resource import ResourceBase, Route

log = logging.getLogger("oec_chatops.oec.client")

TaskCallback = Callable[[Task], Awaitable[None]]

_RETRY_WHILE_WAITING: tuple[type[OecError], ...] = (
    OecRequestError,
    OecServerError,
    OecRateLimited,
)


class TasksApi(ResourceBase):
    """Task lookups and the polling loop that follows a task to its end."""

    async def get_task(self, task_id_or_poll_url: str) -> Task:
        """A task by id, or by the `poll_url` of a 202 answer.

        A relative `poll_url` already holds `/api/public/v1`, so it is joined to the host, not
        to the base URL. An absolute one is used as is, but only on the base URL's own origin:
        anywhere else the key would go along.
        """
        ref = task_id_or_poll_url.strip()
        route = Route(url="", endpoint="GET /deployments/{task_id}")
        if ref.startswith(("http://", "https://")):
            route = Route(self._same_origin(ref, route.endpoint), route.endpoint)
        elif ref.startswith("/"):
            route = Route(self._root + ref, route.endpoint)
        else:
            route = self._route("GET", "/deployments/{task_id}", task_id=ref)
        return await self._get(Task, route)

    async def wait_for_task(
        self,
        task_id: str,
        *,
        on_update: TaskCallback | None = None,
        timeout: float = 1800.0,
    ) -> Task:
        """Poll a task until it is completed, failed or cancelled, at the pace of §9.7.

        `on_update` is awaited with the first answer and every answer that changed (status,
        progress, step). Transient failures of one poll (timeouts, 5xx, 429 left over after
        the client's own retries) are logged and the next poll goes ahead: a half-hour deploy
        should not be lost to a blip. Raises `OecWaitTimeout` after `timeout` seconds; the task
        itself goes on.
        """
        started = self._clock.monotonic()
        seen: tuple[Any, ...] | None = None
        last: Task | None = None
        while True:
            hold = 0.0
            try:
                task = await self.get_task(task_id)
            except _RETRY_WHILE_WAITING as exc:
                log.warning(
                    "oec.task_poll_failed",
                    extra={"task_id": task_id, "error": type(exc).__name__},
                )
                if isinstance(exc, OecRateLimited):
                    hold = exc.retry_after  # polling on would only prolong an ip_blocked
            else:
                last = task
                snapshot = (
                    task.status,
                    task.progress_percent,
                    task.current_step,
                    task.steps_completed,
                )
                if on_update is not None and snapshot != seen:
                    await on_update(task)
                seen = snapshot
                if task.terminal:
                    return task
            elapsed = self._clock.monotonic() - started
            if elapsed >= timeout:
                raise OecWaitTimeout(
                    f"Task {task_id} was still {last.status if last else 'unknown'} "
                    f"after {timeout:g} s of waiting.",
                    task_id=task_id,
                    last_status=last.status if last else None,
                    endpoint="GET /deployments/{task_id}",
                    request_id=current_request_id(),
                )
            wait = max(poll_interval(elapsed, self.read_limit()), hold)
            await self._clock.sleep(min(wait, timeout - elapsed))
