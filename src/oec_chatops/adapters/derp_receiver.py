"""`POST /webhooks/{name}` for a deployERP platform: verify, prefix, then persist-before-ack.

The same door as oec.sh's (`adapters.receiver`): the body is size-limited before it is read
whole, the raw bytes are verified (Standard Webhooks, `deployerp.webhooks.read_delivery`)
before any parsing, and the delivery is stored with its outbox rows in one transaction through
the same `services.notifications.ingest`, and only then answered 2xx.

What differs is naming. With several hosts every id the bot keeps carries its host's prefix
(`hosts.Hosts`), so the event's environment, project (server) and task ids get `name:` here,
exactly as the resolver and the tracker know them: a subscription to `derp:eu-1/*` and the
environment cache match the event. The dedupe key is the body's `id` (CONTRACT.md §3),
prefixed too, so two hosts' `evt_1` are two deliveries while a resend of one is a duplicate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import Response

from oec_chatops.adapters.receiver import persist, read_limited, refuse_delivery
from oec_chatops.clock import Clock
from oec_chatops.config import MAX_WEBHOOK_BODY
from oec_chatops.context import new_request_id, request_id_var
from oec_chatops.deployerp.webhooks import read_delivery
from oec_chatops.errors import WebhookRejected
from oec_chatops.hosts import SEP, prefixed
from oec_chatops.metrics import Metrics
from oec_chatops.oec.models import WebhookEvent
from oec_chatops.services.types import Wake
from oec_chatops.store import Store

log = logging.getLogger("oec_chatops.receiver")  # the name operators' log filters know


def prefixed_event(name: str, event: WebhookEvent) -> WebhookEvent:
    """The event with its ids as `Hosts` gives them for host `name`. Pure."""
    d = event.data
    project_name = d.project_name or d.project_id
    data = d.model_copy(
        update={
            "environment_id": prefixed(name, d.environment_id),
            "project_id": prefixed(name, d.project_id),
            "task_id": prefixed(name, d.task_id),
            "project_name": f"{name}{SEP}{project_name}" if project_name else None,
        }
    )
    return event.model_copy(update={"data": data})


@dataclass(frozen=True, slots=True)
class DerpWebhookReceiver:
    """One deployERP platform's webhook door: its name, its secrets, and where events go."""

    name: str
    secrets: tuple[str, ...]
    clock: Clock
    store: Store
    metrics: Metrics
    wake_outbox: Wake
    wake_tracker: Wake

    def __repr__(self) -> str:
        return f"DerpWebhookReceiver(name={self.name!r})"

    async def receive(self, request: Request) -> Response:
        request_id_var.set(new_request_id())
        try:
            body = await read_limited(request, MAX_WEBHOOK_BODY)
            n = read_delivery(body, request.headers, secrets=self.secrets, now=self.clock.time())
        except WebhookRejected as exc:
            return refuse_delivery(self, request, exc, source=self.name)
        event = prefixed_event(self.name, n.event)
        delivery_id = f"{self.name}{SEP}{n.delivery_id}"
        result, outcome = await persist(
            self, event, delivery_id=delivery_id, raw=body, signed_at=n.signed_at
        )
        log.info(
            "webhook.accepted",
            extra={
                "platform": self.name,
                "delivery_id": delivery_id,
                "event": event.event,
                "outcome": outcome,
                "rows": result.rows,
            },
        )
        body_out = {"ok": True, "delivery_id": delivery_id, "duplicate": result.duplicate}
        return Response(orjson.dumps(body_out), media_type="application/json")
