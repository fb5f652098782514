"""Run an ASGI app on a loopback port in the current event loop, for tests and the demo.

The socket is bound before the server starts, so port 0 picks a free port and the URL is known
at once. Start-up and shutdown use uvicorn's `Server.startup()` and a prompt stop instead of
`Server.serve()`, whose 100 ms tick and fixed 100 ms shutdown pause would cost a test suite
that starts a server per test about 0.2 s a test. In-flight requests still finish first.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Literal

import uvicorn
from starlette.types import ASGIApp

_DRAIN_POLL = 0.005


@contextlib.asynccontextmanager
async def serve_on_loopback(
    app: ASGIApp,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    lifespan: Literal["auto", "on", "off"] = "auto",
    drain_timeout: float = 5.0,
) -> AsyncIterator[str]:
    """Serve `app` while the block runs; yields its base URL, e.g. `http://127.0.0.1:50123`."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose `proto` says TCP,
    # and accepted connections inherit 0 from a socket made without it. Without NODELAY every
    # keep-alive request waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan=lifespan)
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    try:
        await server.startup(sockets=[sock])
        yield f"http://{host}:{bound_port}"
    finally:
        await _stop(server, drain_timeout)
        sock.close()


async def _stop(server: uvicorn.Server, drain_timeout: float) -> None:
    for listener in getattr(server, "servers", []):
        listener.close()
    for connection in list(server.server_state.connections):
        connection.shutdown()  # idle keep-alive connections close now, busy ones after answering
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(drain_timeout):
            # uvicorn signals no "drained" event; its own shutdown polls these sets too.
            while server.server_state.connections or server.server_state.tasks:  # noqa: ASYNC110
                await asyncio.sleep(_DRAIN_POLL)
    for listener in getattr(server, "servers", []):
        await listener.wait_closed()
    if server.started:
        await server.lifespan.shutdown()
