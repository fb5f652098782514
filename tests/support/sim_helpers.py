"""Helpers for the simulator's tests: keys, an in-process client, a real loopback server, and a
webhook receiver that verifies signatures the way the bot will."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from oec_chatops.clock import Clock
from oec_chatops.errors import SignatureRejected
from oec_chatops.oec.signing import verify_oec_v1

RW_KEY = "oec_live_rw_" + "R" * 20 + "w-_" + "1" * 20
RO_KEY = "oec_live_ro_" + "r" * 43
OTHER_RW_KEY = "oec_live_rw_" + "Z" * 43  # well-formed, but not configured
API = "/api/public/v1"
RW = {"Authorization": f"Bearer {RW_KEY}"}
RO = {"Authorization": f"Bearer {RO_KEY}"}


class SimAdmin:
    """A simulator's test routes (`/_sim/faults`, `/_sim/requests`) through its `admin` client;
    the same on the oec.sh and the deployERP simulators."""

    admin: httpx.AsyncClient

    async def faults(self, **faults: Any) -> None:
        (await self.admin.post("/_sim/faults", json=faults)).raise_for_status()

    async def requests(self) -> list[dict[str, Any]]:
        answer = await self.admin.get("/_sim/requests")
        answer.raise_for_status()
        entries: list[dict[str, Any]] = answer.json()["requests"]
        return entries


@asynccontextmanager
async def asgi_client(app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """A client that calls the app in-process (no lifespan: no background workers)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim.test") as client:
        yield client


@asynccontextmanager
async def serve(app: ASGIApp) -> AsyncIterator[str]:
    """Run `app` under uvicorn on 127.0.0.1 (a free port), lifespan included; yield its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # NODELAY
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(5):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.005)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@dataclass(frozen=True)
class Received:
    delivery_id: str
    event: str
    signature_timestamp: int
    payload: dict[str, Any]
    answered: int


class Receiver:
    """A webhook endpoint: verifies each delivery with `verify_oec_v1`, answers 500 to the first
    `fail_first` verified ones, and keeps what it saw on the instance."""

    def __init__(self, *, secret: str, clock: Clock, fail_first: int = 0) -> None:
        self.secrets = [secret]
        self.clock = clock
        self.fail_first = fail_first
        self.received: list[Received] = []
        self.rejected: list[str] = []
        self._changed = asyncio.Condition()
        self.app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        try:
            verified = verify_oec_v1(
                body, request.headers, secrets=self.secrets, now=self.clock.time()
            )
        except SignatureRejected as exc:
            self.rejected.append(exc.reason)
            status = 401
        else:
            status = 500 if self.fail_first > 0 else 200
            self.fail_first = max(0, self.fail_first - 1)
            payload = json.loads(body)
            self.received.append(
                Received(
                    delivery_id=verified.delivery_id or "",
                    event=verified.event or "",
                    signature_timestamp=verified.timestamp or 0,
                    payload=payload,
                    answered=status,
                )
            )
        async with self._changed:
            self._changed.notify_all()
        return PlainTextResponse("ok" if status == 200 else "no", status)

    async def wait_for(self, count: int, *, timeout: float = 5.0) -> list[Received]:
        """Wait until `count` verified deliveries arrived (any answer); return them all."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.received) >= count)
        return list(self.received)

    async def wait_rejected(self, count: int, *, timeout: float = 5.0) -> list[str]:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.rejected) >= count)
        return list(self.rejected)


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 5.0, every: float = 0.01
) -> None:
    """Wait until `check()` is true: for what another task records after an HTTP answer."""
    async with asyncio.timeout(timeout):
        # ASYNC110 allowed: the state is read over HTTP from a server, with no event to await.
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(every)
