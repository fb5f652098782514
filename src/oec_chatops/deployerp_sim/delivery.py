"""The delivery worker: ticks the state and sends due deliveries, signed as Standard Webhooks.

Runs beside the API on the same event loop (started by the app's lifespan). The HTTP sending
is `sim.delivery.Sender`'s, the signature `oec.signing.sign_standard_webhooks`'s, both reused
unchanged so the simulator signs exactly as the bot verifies.
"""

from __future__ import annotations

import asyncio
import logging

from oec_chatops.deployerp_sim.outbox import Attempt, Delivery
from oec_chatops.deployerp_sim.state import DerpSimState
from oec_chatops.oec.signing import sign_standard_webhooks
from oec_chatops.sim.delivery import Sender
from oec_chatops.simkit.lifespan import cancel_all, poll_forever

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
USER_AGENT = "deployERP-webhooks/1.0 (oec-chatops simulator)"


def signed_headers(body: bytes, *, secret: str, event_id: str, now: float) -> dict[str, str]:
    headers = sign_standard_webhooks(body, secret=secret, timestamp=int(now), delivery_id=event_id)
    return {**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT}


class DeliveryWorker:
    def __init__(self, state: DerpSimState, sender: Sender) -> None:
        self._state = state
        self._sender = sender
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._sender.open()
        self._task = asyncio.create_task(self._run(), name="derp-sim-delivery-worker")

    async def stop(self) -> None:
        await cancel_all([self._task])
        self._task = None
        await self._sender.close()

    async def _run(self) -> None:
        await poll_forever(
            self._round, every=POLL_SECONDS, logger=log, event="derp_sim.worker_failed"
        )

    async def _round(self) -> None:
        self._state.tick()
        for delivery in self._state.outbox.due(self._state.now()):
            await self._send(delivery)

    async def _send(self, delivery: Delivery) -> None:
        state = self._state
        secret = state.settings.webhook_secret or ""
        now = state.now()
        headers = signed_headers(delivery.body, secret=secret, event_id=delivery.event_id, now=now)
        outcome = await self._sender.post(delivery.url, delivery.body, headers)
        state.outbox.record(delivery, Attempt(at=now, status=outcome.status, error=outcome.error))
        log.info(
            "derp_sim.delivery_attempt",
            extra={
                "event_id": delivery.event_id,
                "event": delivery.event,
                "status": outcome.status,
            },
        )
