"""A Starlette lifespan that runs a simulator's webhook delivery worker while the app serves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol


class Worker(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


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
