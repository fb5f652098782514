"""Registered webhooks, the URL rule they must pass, and the deliveries queued for each.

Deliveries wait in one queue per webhook and leave it in order: a delivery being retried holds
back the ones behind it, so a receiver sees a webhook's events in the order they happened.
The secret lives on the webhook record only; it is never rendered and never repr'd.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from oec_chatops.oec.models import WEBHOOK_EVENTS
from oec_chatops.sim.events import encode, envelope
from oec_chatops.simkit.records import iso

EVENTS = WEBHOOK_EVENTS
FORMATS = ("raw", "slack", "teams", "discord")
MATCH_ALL = "*"  # only through SimState.add_webhook: receives every event, custom ones included
LISTED_DELIVERIES = 50
KEPT_DELIVERIES = 500  # per webhook


def check_webhook_url(url: str, *, allow_loopback: bool) -> str | None:
    """Why oec.sh would refuse this webhook URL, or None if it is acceptable (§7.2)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "Value error, URL is not a valid URL"
    if parts.scheme not in ("http", "https") or not host:
        return "Value error, URL must be an absolute https:// URL"
    if allow_loopback and _is_loopback(host):
        return None
    if parts.scheme != "https":
        return "Value error, URL must use https://"
    if _is_loopback(host) or _is_private(host):
        return "Value error, URL must point to a public host; private and loopback addresses are refused"
    return None


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _is_loopback(host: str) -> bool:
    ip = _ip(host)
    if ip is not None:
        return ip.is_loopback
    return host == "localhost" or host.endswith(".localhost")


def _is_private(host: str) -> bool:
    ip = _ip(host)
    if ip is not None:
        return not ip.is_global
    return "." not in host or host.endswith((".local", ".internal", ".lan", ".home.arpa"))


@dataclass(slots=True)
class Webhook:
    id: str
    url: str
    events: tuple[str, ...]
    description: str | None
    project_id: str | None
    format: str
    is_active: bool
    created_at: float
    secret: str = field(repr=False)
    last_triggered_at: float | None = None
    failure_count: int = 0

    def wants(self, event: str, project_id: str | None) -> bool:
        if not self.is_active or (event not in self.events and MATCH_ALL not in self.events):
            return False
        return self.project_id is None or self.project_id == project_id

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "events": list(self.events),
            "description": self.description,
            "project_id": self.project_id,
            "format": self.format,
            "is_active": self.is_active,
            "last_triggered_at": iso(self.last_triggered_at),
            "failure_count": self.failure_count,
            "created_at": iso(self.created_at),
        }


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int
    at: float
    response_status: int | None
    error: str | None
    duration_ms: int
    response_body: str | None

    @property
    def ok(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt": self.number,
            "at": iso(self.at),
            "ok": self.ok,
            "response_status": self.response_status,
            "error": self.error,
            "duration_ms": self.duration_ms,
        }


@dataclass(slots=True)
class Delivery:
    """One event for one webhook; its id is the same on every attempt."""

    id: str
    webhook_id: str
    event: str
    payload: dict[str, Any]
    body: bytes
    created_at: float
    next_attempt_at: float
    status: str = "pending"  # pending | retrying | delivered | failed
    attempts: list[Attempt] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """An item of `GET /webhooks/{id}/deliveries` (§9.9)."""
        last = self.attempts[-1] if self.attempts else None
        return {
            "id": self.id,
            "event": self.event,
            "status": self.status,
            "attempt_count": len(self.attempts),
            "response_status": last.response_status if last else None,
            "duration_ms": last.duration_ms if last else None,
            "delivered_at": iso(last.at) if last and last.ok else None,
            "created_at": iso(self.created_at),
            "response_body": last.response_body if last else None,
        }

    def to_admin_json(self, url: str) -> dict[str, Any]:
        return {
            "delivery_id": self.id,
            "webhook_id": self.webhook_id,
            "url": url,
            "event": self.event,
            "status": self.status,
            "attempt_count": len(self.attempts),
            "created_at": iso(self.created_at),
            "payload": self.payload,
            "attempts": [a.to_json() for a in self.attempts],
        }


class WebhookRegistry:
    def __init__(self) -> None:
        self.webhooks: dict[str, Webhook] = {}
        self._history: dict[str, deque[Delivery]] = {}
        self._pending: dict[str, deque[Delivery]] = {}
        self._all: deque[Delivery] = deque(maxlen=KEPT_DELIVERIES * 20)

    def create(
        self,
        *,
        url: str,
        events: Iterable[str],
        secret: str,
        now: float,
        description: str | None = None,
        project_id: str | None = None,
        format: str = "raw",
        is_active: bool = True,
    ) -> Webhook:
        webhook = Webhook(
            id=str(uuid.uuid4()),
            url=url,
            events=tuple(dict.fromkeys(events)),
            description=description,
            project_id=project_id,
            format=format,
            is_active=is_active,
            created_at=now,
            secret=secret,
        )
        self.webhooks[webhook.id] = webhook
        self._history[webhook.id] = deque(maxlen=KEPT_DELIVERIES)
        self._pending[webhook.id] = deque()
        return webhook

    def remove(self, webhook_id: str) -> None:
        """Forget the webhook, its history and whatever it had still to deliver (§9.9)."""
        self.webhooks.pop(webhook_id, None)
        self._history.pop(webhook_id, None)
        self._pending.pop(webhook_id, None)
        self._all = deque((d for d in self._all if d.webhook_id != webhook_id), self._all.maxlen)

    def matching(self, event: str, project_id: str | None) -> list[Webhook]:
        return [w for w in self.webhooks.values() if w.wants(event, project_id)]

    def queue(self, webhook: Webhook, event: str, data: dict[str, Any], *, now: float) -> str:
        """Queue one delivery of `event` to `webhook`; its id, the same on every attempt."""
        delivery_id = str(uuid.uuid4())
        payload = envelope(delivery_id, event, now, data)
        delivery = Delivery(
            id=delivery_id,
            webhook_id=webhook.id,
            event=event,
            payload=payload,
            body=encode(payload),
            created_at=now,
            next_attempt_at=now,
        )
        self._history[webhook.id].append(delivery)
        self._pending[webhook.id].append(delivery)
        self._all.append(delivery)
        return delivery_id

    def head(self, webhook_id: str) -> Delivery | None:
        """The delivery this webhook must send next, if any."""
        queue = self._pending.get(webhook_id)
        return queue[0] if queue else None

    def waiting(self) -> list[str]:
        """Ids of the webhooks that have something to send."""
        return [wid for wid, queue in self._pending.items() if queue]

    def record(
        self, delivery: Delivery, attempt: Attempt, *, max_attempts: int, backoff: float
    ) -> None:
        """Note an attempt; the delivery leaves the queue when delivered or out of attempts."""
        webhook = self.webhooks.get(delivery.webhook_id)
        delivery.attempts.append(attempt)
        if webhook is None:
            return
        webhook.last_triggered_at = attempt.at
        done = attempt.ok or len(delivery.attempts) >= max_attempts
        if attempt.ok:
            delivery.status = "delivered"
            webhook.failure_count = 0
        else:
            webhook.failure_count += 1
            delivery.status = "failed" if done else "retrying"
            delivery.next_attempt_at = attempt.at + backoff * 2 ** (len(delivery.attempts) - 1)
        queue = self._pending[webhook.id]
        if done and queue and queue[0] is delivery:
            queue.popleft()

    def history(self, webhook_id: str) -> list[Delivery]:
        """The most recent deliveries first, as `GET /webhooks/{id}/deliveries` lists them."""
        return list(reversed(self._history.get(webhook_id, ())))[:LISTED_DELIVERIES]

    def all_deliveries(self) -> list[Delivery]:
        """Every kept delivery of every webhook, in the order they were queued."""
        return list(self._all)
