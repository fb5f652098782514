"""A TCP door in front of a loopback server: open, it forwards; shut, connections are refused.

An HTTP fault can only answer badly; a Slack that cannot be reached at all (DNS gone, a
firewall, an outage at the edge) refuses the connection before any request is sent, and a
client must be able to tell the two apart: a refused connection proves nothing was posted.
`shut()` closes the listening socket, so a connect gets ECONNREFUSED, and cuts the connections
in progress; `open()` listens again on the same port.

    gate = ConnectionGate()
    async with gate.serving() as url:     # point the client at `url`
        gate.target = "http://127.0.0.1:PORT"   # the real server, whenever it is known
        await gate.shut(); ...; await gate.open()
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

_CHUNK = 65536


class ConnectionGate:
    def __init__(self, target: str | None = None) -> None:
        self.target = target  # base URL of the server behind the gate
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    @property
    def is_open(self) -> bool:
        return self._server is not None

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        """Listen (open) while the block runs; yields the gate's base URL."""
        await self.open()
        try:
            yield f"http://127.0.0.1:{self.port}"
        finally:
            await self.shut()

    async def open(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._forward, "127.0.0.1", self.port, reuse_address=True
            )
            self.port = self._server.sockets[0].getsockname()[1]

    async def shut(self) -> None:
        """Stop listening (new connections are refused) and cut every open connection."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        pipes = list(self._pipes)
        for task in pipes:
            task.cancel()
        await asyncio.gather(*pipes, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._pipes.add(task)
        upstream: asyncio.StreamWriter | None = None
        try:
            if self.target is None:
                return
            where = urlsplit(self.target)
            up_reader, upstream = await asyncio.open_connection(where.hostname, where.port)
            await asyncio.gather(_pipe(reader, upstream), _pipe(up_reader, writer))
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._pipes.discard(task)
            for w in (writer, upstream):
                if w is not None:
                    w.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            writer.write_eof()
