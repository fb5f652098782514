"""The httpx client every platform client owns, and `async with` over it.

Why one policy: a redirect is never followed (the key or token would travel to wherever it
points), and every request has a timeout. Three clients building their `httpx.AsyncClient` by
hand is three places to forget one of the two.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

import httpx


def new_http_client(
    *, timeout: float | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` that never follows redirects; `timeout` None keeps httpx's 5 s
    default, for a client that passes its own timeout on each request."""
    if timeout is None:
        return httpx.AsyncClient(follow_redirects=False, transport=transport)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout), follow_redirects=False, transport=transport
    )


class AsyncClosing(ABC):
    """`async with client:` closes the client on the way out; subclasses define `aclose`."""

    @abstractmethod
    async def aclose(self) -> None:
        """Close the connections the client holds."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
