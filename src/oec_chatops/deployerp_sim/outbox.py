"""Webhook deliveries waiting to be sent, and what each attempt got back.

One delivery per (event, configured URL). The body is fixed when the event happens; every
attempt re-signs it with a fresh timestamp (Standard Webhooks) and the same `webhook-id`, which
is the body's `id`. A failed attempt is retried after `delivery_backoff`, doubling, up to
`delivery_attempts`, on the injected clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from oec_chatops.deployerp_sim.settings import DerpSimSettings


@dataclass(slots=True)
class Attempt:
    at: float
    status: int | None
    error: str | None


@dataclass(slots=True)
class Delivery:
    event_id: str
    event: str
    url: str
    body: bytes = field(repr=False)
    next_attempt_at: float
    attempts: list[Attempt] = field(default_factory=list)
    state: str = "pending"  # pending | delivered | failed

    def to_admin_json(self) -> dict[str, Any]:
        return {
            "id": self.event_id,
            "event": self.event,
            "url": self.url,
            "state": self.state,
            "payload": json.loads(self.body),
            "attempts": [{"at": a.at, "status": a.status, "error": a.error} for a in self.attempts],
        }


class Outbox:
    def __init__(self, settings: DerpSimSettings) -> None:
        self._settings = settings
        self.deliveries: list[Delivery] = []

    def queue(self, event_id: str, event: str, body: dict[str, Any], *, now: float) -> None:
        raw = json.dumps(body, separators=(",", ":")).encode()
        for url in self._settings.webhook_urls:
            self.deliveries.append(Delivery(event_id, event, url, raw, next_attempt_at=now))

    def due(self, now: float) -> list[Delivery]:
        return [d for d in self.deliveries if d.state == "pending" and d.next_attempt_at <= now]

    def resend(self, event_id: str, *, now: float) -> int:
        """Send these deliveries again (as a platform's replay does); returns how many."""
        found = [d for d in self.deliveries if d.event_id == event_id]
        for delivery in found:
            delivery.state, delivery.next_attempt_at = "pending", now
            delivery.attempts.clear()
        return len(found)

    def record(self, delivery: Delivery, attempt: Attempt) -> None:
        delivery.attempts.append(attempt)
        if attempt.status is not None and 200 <= attempt.status < 300:
            delivery.state = "delivered"
        elif len(delivery.attempts) >= self._settings.delivery_attempts:
            delivery.state = "failed"
        else:
            wait = self._settings.delivery_backoff * 2 ** (len(delivery.attempts) - 1)
            delivery.next_attempt_at = attempt.at + wait

    def clear(self) -> None:
        self.deliveries.clear()
