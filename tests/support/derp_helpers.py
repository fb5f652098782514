"""The deployERP simulator on 127.0.0.1 with the adapter pointed at it, and a webhook receiver
that verifies and parses deliveries exactly as the bot's `/webhooks/derp` route will.

Simulator, adapter and receiver share one ManualClock: the adapter's waits (budget, Retry-After,
backoff) move the simulator's actions forward, so nothing sleeps for real.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from oec_chatops.clock import ManualClock
from oec_chatops.deployerp import DerpClient, DerpPlatform, DerpSettings
from oec_chatops.deployerp.webhooks import DerpNotification, read_delivery
from oec_chatops.deployerp_sim import DerpSimSettings, DerpSimState, build_derp_sim_app
from oec_chatops.errors import SignatureRejected
from oec_chatops.oec.models import Task
from tests.support.sim_helpers import Received, Receiver, SimAdmin, serve

WRITE_KEY = "derp_sk_write_" + "W" * 32
READ_KEY = "derp_sk_read_" + "R" * 32
ADMIN_KEY = "derp_sk_admin_" + "A" * 32
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"deployerp-simulator-secret-32byt").decode()
START = 1_767_225_600.0 + 15 * 60  # 00:15 UTC: a quarter into a calendar hour


@dataclass
class DerpStack(SimAdmin):
    url: str
    clock: ManualClock
    state: DerpSimState
    admin: httpx.AsyncClient
    clients: list[DerpClient] = field(default_factory=list)

    def platform(self, key: str = WRITE_KEY, **settings: Any) -> DerpPlatform:
        """An adapter on this simulator; closed with the stack."""
        client = DerpClient(
            key=key,
            settings=DerpSettings(base_url=self.url + "/v1", **settings),
            clock=self.clock,
        )
        self.clients.append(client)
        return DerpPlatform(client)

    async def follow(self, platform: DerpPlatform, task_id: str, *, step: float = 1.0) -> Task:
        """Poll `get_task` as the tracker does, moving the shared clock between polls."""
        for _ in range(200):
            task = await platform.get_task(task_id)
            if task.terminal:
                return task
            self.clock.advance(step)
        raise AssertionError(f"task {task_id} never finished")


@asynccontextmanager
async def derp_stack(**settings: Any) -> AsyncIterator[DerpStack]:
    """The simulator (Write, Read and Admin keys configured) served on 127.0.0.1."""
    clock = ManualClock(START)
    base = DerpSimSettings(
        write_keys=(WRITE_KEY,),
        read_keys=(READ_KEY,),
        admin_keys=(ADMIN_KEY,),
        webhook_secret=WEBHOOK_SECRET,
    )
    app = build_derp_sim_app(replace(base, **settings), clock=clock)
    async with AsyncExitStack() as stack:
        url = await stack.enter_async_context(serve(app))
        admin = await stack.enter_async_context(httpx.AsyncClient(base_url=url))
        derp = DerpStack(url=url, clock=clock, state=app.state.sim, admin=admin)
        try:
            yield derp
        finally:
            for client in derp.clients:
                await client.aclose()


class DerpReceiver(Receiver):
    """The simulator tests' `Receiver`, verifying and parsing with `read_delivery` instead;
    `notifications` keeps what the bot's route would hand to `ingest`."""

    def __init__(self, *, clock: ManualClock, server_names: dict[str, str] | None = None) -> None:
        super().__init__(secret=WEBHOOK_SECRET, clock=clock)
        self.server_names = server_names
        self.notifications: list[DerpNotification] = []

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        try:
            n = read_delivery(
                body,
                request.headers,
                secrets=self.secrets,
                now=self.clock.time(),
                server_names=self.server_names,
            )
        except SignatureRejected as exc:
            self.rejected.append(exc.reason)
            status = 401
        else:
            self.notifications.append(n)
            self.received.append(
                Received(n.delivery_id, n.delivery.event, n.signed_at, json.loads(body), 200)
            )
            status = 200
        async with self._changed:
            self._changed.notify_all()
        return PlainTextResponse("ok" if status == 200 else "no", status)

    async def notified(self, count: int) -> list[DerpNotification]:
        await self.wait_for(count)
        return list(self.notifications)


@asynccontextmanager
async def derp_with_receiver(
    *, server_names: dict[str, str] | None = None, **settings: Any
) -> AsyncIterator[tuple[DerpStack, DerpReceiver]]:
    """A receiver on 127.0.0.1, and the simulator delivering its webhooks to it."""
    receiver = DerpReceiver(clock=ManualClock(START), server_names=server_names)
    async with AsyncExitStack() as stack:
        hook_url = await stack.enter_async_context(serve(receiver.app))
        derp = await stack.enter_async_context(
            derp_stack(webhook_urls=(hook_url + "/hook",), **settings)
        )
        receiver.clock = derp.clock
        yield derp, receiver
