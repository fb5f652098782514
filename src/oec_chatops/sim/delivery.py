"""Sending webhook deliveries: signed, in order per webhook, retried with doubling backoff.

The worker runs beside the API on the same event loop and never holds an API answer up. Each
webhook with something queued gets one "lane" task that sends its deliveries one after the
other; a failed attempt (non-2xx or no answer) is retried after `delivery_backoff`, then twice
that, and so on, up to `delivery_attempts`, with the same delivery id and body and a fresh
timestamp and signature each time. Retry times are on the injected clock, so a `ManualClock`
test moves the clock to release a retry. Not `stamina`: a retry here is state (the delivery's
`next_attempt_at` and its attempts, listed by the deliveries API), not a sleep inside a loop,
and stamina's sleeps would be on the real clock.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from oec_chatops.oec.signing import sign_oec_v1
from oec_chatops.sim.events import encode, envelope
from oec_chatops.sim.state import SimState
from oec_chatops.sim.webhooks import Attempt, Webhook
from oec_chatops.simkit.lifespan import cancel_all, poll_forever

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
TIMEOUT_SECONDS = 5.0
USER_AGENT = "oec.sh-webhooks/1.0 (oec-chatops simulator)"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int | None
    error: str | None
    duration_ms: int
    response_body: str | None


class Sender:
    """POSTs a signed body; one pooled client while the app runs, a one-off client otherwise."""

    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None

    @staticmethod
    def _new_client() -> httpx.AsyncClient:
        # trust_env=False: a proxy variable must not send loopback deliveries elsewhere.
        return httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False)

    async def open(self) -> None:
        if self._client is None:
            self._client = self._new_client()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        started = time.perf_counter()
        try:
            if self._client is not None:
                response = await self._client.post(url, content=body, headers=headers)
            else:
                async with self._new_client() as client:
                    response = await client.post(url, content=body, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            elapsed = int((time.perf_counter() - started) * 1000)
            return Outcome(None, type(exc).__name__, elapsed, None)
        elapsed = int((time.perf_counter() - started) * 1000)
        return Outcome(response.status_code, None, elapsed, response.text[:1000])


def signed_headers(
    body: bytes, webhook: Webhook, *, delivery_id: str, event: str, now: float
) -> dict[str, str]:
    headers = sign_oec_v1(
        body, secrets=[webhook.secret], timestamp=int(now), delivery_id=delivery_id, event=event
    )
    return {**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT}


async def ping(state: SimState, sender: Sender, webhook: Webhook) -> dict[str, Any]:
    """`POST /webhooks/{id}/test`: one signed `ping`, answered with what the receiver said."""
    now = state.now()
    delivery_id = str(uuid.uuid4())
    payload = envelope(
        delivery_id,
        "ping",
        now,
        {"webhook_id": webhook.id, "message": "Test delivery from oec.sh."},
    )
    body = encode(payload)
    outcome = await sender.post(
        webhook.url,
        body,
        signed_headers(body, webhook, delivery_id=delivery_id, event="ping", now=now),
    )
    success = outcome.status is not None and 200 <= outcome.status < 300
    if outcome.status is None:
        message = f"The endpoint could not be reached ({outcome.error})."
    else:
        message = f"The endpoint answered HTTP {outcome.status}."
    return {
        "success": success,
        "status_code": outcome.status,
        "duration_ms": outcome.duration_ms,
        "message": message,
    }


class DeliveryWorker:
    """Ticks the state and runs one sending lane per webhook with deliveries waiting."""

    def __init__(
        self, state: SimState, sender: Sender, *, poll_seconds: float = POLL_SECONDS
    ) -> None:
        self._state = state
        self._sender = sender
        self._poll = poll_seconds
        self._loop_task: asyncio.Task[None] | None = None
        self._lanes: dict[str, asyncio.Task[None]] = {}

    async def start(self) -> None:
        await self._sender.open()
        self._loop_task = asyncio.create_task(self._run(), name="sim-delivery-worker")

    async def stop(self) -> None:
        await cancel_all([self._loop_task, *self._lanes.values()])
        self._lanes.clear()
        self._loop_task = None
        await self._sender.close()

    async def _run(self) -> None:
        await poll_forever(self._round, every=self._poll, logger=log, event="sim.worker_failed")

    async def _round(self) -> None:
        self._state.tick()
        self._start_lanes()

    def _start_lanes(self) -> None:
        for webhook_id in self._state.webhooks.waiting():
            lane = self._lanes.get(webhook_id)
            if lane is None or lane.done():
                self._lanes[webhook_id] = asyncio.create_task(
                    self._lane(webhook_id), name=f"sim-delivery-lane-{webhook_id}"
                )
        for webhook_id in [w for w, lane in self._lanes.items() if lane.done()]:
            del self._lanes[webhook_id]

    async def _lane(self, webhook_id: str) -> None:
        state = self._state
        while (delivery := state.webhooks.head(webhook_id)) is not None:
            now = state.now()
            webhook = state.webhooks.webhooks.get(webhook_id)
            if webhook is None:
                return
            if now < delivery.next_attempt_at:
                await asyncio.sleep(self._poll)
                continue
            headers = signed_headers(
                delivery.body, webhook, delivery_id=delivery.id, event=delivery.event, now=now
            )
            outcome = await self._sender.post(webhook.url, delivery.body, headers)
            attempt = Attempt(
                number=len(delivery.attempts) + 1,
                at=now,
                response_status=outcome.status,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
                response_body=outcome.response_body,
            )
            state.record_attempt(delivery, attempt)
            log.info(
                "sim.delivery_attempt",
                extra={
                    "delivery_id": delivery.id,
                    "webhook_id": webhook_id,
                    "event": delivery.event,
                    "attempt": attempt.number,
                    "status": outcome.status,
                },
            )
