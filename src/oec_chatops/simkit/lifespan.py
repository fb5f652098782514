"""A simulator's webhook delivery worker: its poll loop, its task's end, and the app lifespan.

Why shared: the oec.sh and deployERP simulators' workers poll alike (tick the state, send what is
due, log and carry on when a round fails) and stop alike (cancel, wait, forget).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol


class Worker(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def poll_forever(
    step: Callable[[], Awaitable[None]], *, every: float, logger: logging.Logger, event: str
) -> None:
    """Run `step` every `every` seconds until cancelled; a failing round is logged as `event`
    and the next one still runs, so one bad delivery never stops the worker."""
    while True:
        try:
            await step()
        except Exception:
            logger.exception(event)
        await asyncio.sleep(every)


async def cancel_all(tasks: Iterable[asyncio.Task[None] | None]) -> None:
    """Cancel every task given (None skipped), then wait for each to end."""
    started = [task for task in tasks if task is not None]
    for task in started:
        task.cancel()
    for task in started:
        with contextlib.suppress(asyncio.CancelledError):
            await task


def worker_lifespan(worker: Worker) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """Start `worker` with the app and stop it (draining what it holds) when the app stops."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        await worker.start()
        try:
            yield
        finally:
            await worker.stop()

    return lifespan
