"""`POST /webhooks/oec`: size, signature, JSON, then persist-before-ack.

The order is the point: a body over 1 MiB is refused before it is read whole; the raw bytes
are verified before any parsing; a valid delivery is stored with its outbox rows in one
(group-committed) transaction, and only then answered 2xx. Nothing slow happens before the
answer: Slack and API calls are the outbox worker's and the tracker's, woken afterwards.
Each refusal is logged with its reason and never with the body or a secret.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from oec_chatops.clock import Clock
from oec_chatops.config import MAX_WEBHOOK_BODY, Settings
from oec_chatops.context import new_request_id, request_id_var
from oec_chatops.errors import MalformedPayload, PayloadTooLarge, WebhookRejected
from oec_chatops.metrics import Metrics
from oec_chatops.oec.models import WebhookEvent
from oec_chatops.oec.signing import VerifiedDelivery, verify_delivery
from oec_chatops.services.notifications import Ingested, ingest
from oec_chatops.services.types import Wake
from oec_chatops.store import Store

log = logging.getLogger("oec_chatops.receiver")  # the name operators' log filters know


def _json(status: int, payload: dict[str, object]) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def refuse(
    request: Request,
    exc: WebhookRejected,
    *,
    metrics: Metrics,
    source: str,
    logger: logging.Logger,
    event: str,
    **extra: object,
) -> Response:
    """A request refused at the door (Slack's or oec.sh's): a 401 counted as a signature
    failure of `source`, one WARNING line with the reason and never the body or a secret,
    and the reason as JSON."""
    if exc.status == 401:
        metrics.signature_failures.labels(source, exc.reason).inc()
    client = request.client.host if request.client else None
    logger.warning(
        event, extra={"reason": exc.reason, "status": exc.status, **extra, "client": client}
    )
    return _json(exc.status, {"ok": False, "error": exc.reason, "message": str(exc)})


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refusing it as soon as it is known to exceed `limit` (header or stream)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise PayloadTooLarge(f"The body is {declared} bytes; the limit is {limit}.")
        except ValueError:
            raise MalformedPayload("The Content-Length header is not a number.") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The body exceeds the limit of {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_event(body: bytes) -> WebhookEvent:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise MalformedPayload("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise MalformedPayload("The body must be a JSON object.")
    try:
        return WebhookEvent.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()[:3])
        raise MalformedPayload(
            f"The delivery does not have the expected shape ({fields})."
        ) from None


def dedupe_key(verified: VerifiedDelivery, event: WebhookEvent, body: bytes) -> str:
    """The id a delivery is deduplicated on: only what its signature covers. Pure.

    The Standard Webhooks `webhook-id` is signed; OEC_V1's `X-OEC-Delivery` header is not, so a
    delivery captured and replayed within the tolerance under a new header id must still be
    recognised: by the payload's `id` (inside the signed body), else by a hash of the body.
    A retry from oec.sh carries the same body, so it is recognised either way.
    """
    if verified.signed_id:
        return verified.signed_id
    if event.id:
        return event.id
    return "sha256:" + hashlib.sha256(body).hexdigest()


class Door(Protocol):
    """What storing a verified delivery needs: every webhook route has these."""

    @property
    def clock(self) -> Clock: ...
    @property
    def store(self) -> Store: ...
    @property
    def metrics(self) -> Metrics: ...
    @property
    def wake_outbox(self) -> Wake: ...
    @property
    def wake_tracker(self) -> Wake: ...


def refuse_delivery(
    door: Door, request: Request, exc: WebhookRejected, *, source: str, **extra: object
) -> Response:
    """A delivery refused at a webhook door: counted by reason, logged, answered (`refuse`)."""
    door.metrics.deliveries.labels(exc.reason).inc()
    return refuse(
        request,
        exc,
        metrics=door.metrics,
        source=source,
        logger=log,
        event="webhook.rejected",
        **extra,
    )


async def persist(
    door: Door,
    event: WebhookEvent,
    *,
    delivery_id: str,
    raw: bytes,
    signed_at: int | None,
    team: str | None = None,
) -> tuple[Ingested, str]:
    """Store a verified delivery with what it causes (one transaction), wake the workers, count
    it; the outcome is `stored`, `duplicate` or `unknown_event`. Shared by every host's door.
    `team`: the workspace whose door it came through (a multi-workspace install), whose
    channels alone it may reach."""
    now = door.clock.time()
    result = await door.store.write(
        lambda repos: ingest(
            repos,
            event,
            delivery_id=delivery_id,
            raw=raw,
            signed_at=signed_at,
            now=now,
            team=team,
        )
    )
    if result.rows:
        door.wake_outbox()
    if result.track_task:
        door.wake_tracker()
    outcome = "duplicate" if result.duplicate else ("stored" if result.known else "unknown_event")
    door.metrics.deliveries.labels(outcome).inc()
    return result, outcome


@dataclass(frozen=True, slots=True)
class WebhookReceiver:
    """The route's collaborators: the secrets and tolerance (settings), the store the delivery
    is persisted in, and the workers to wake once it is."""

    settings: Settings
    clock: Clock
    store: Store
    metrics: Metrics
    wake_outbox: Wake
    wake_tracker: Wake

    async def receive(self, request: Request) -> Response:
        return await receive_with(
            self, request, self.settings, lambda _: (None, self.settings.webhook_secrets)
        )


Locate = Callable[[Request], tuple[str | None, tuple[str, ...]]]
"""Which workspace a request is for (None: a one-workspace bot) and the secrets it must be
signed with; raises `WebhookRejected` when there is none to verify with."""


async def receive_with(door: Door, request: Request, s: Settings, locate: Locate) -> Response:
    """One oec.sh delivery through a door: located, read, verified, parsed, then `accept`ed;
    or refused, with the reason and the workspace the URL named (never the body or a secret)."""
    request_id_var.set(new_request_id())
    try:
        team, secrets = locate(request)
        body, verified, event = await read_verified(request, s, secrets, now=door.clock.time())
    except WebhookRejected as exc:
        named = {k: str(v)[:40] for k, v in request.path_params.items()}
        return refuse_delivery(door, request, exc, source="oec", **named)
    return await accept(door, verified, event, body, team=team)


async def read_verified(
    request: Request, s: Settings, secrets: tuple[str, ...], *, now: float
) -> tuple[bytes, VerifiedDelivery, WebhookEvent]:
    """The body (refused past the size limit before it is read whole), verified with `secrets`
    under the configured scheme and tolerance, then parsed; `WebhookRejected` otherwise."""
    body = await read_limited(request, MAX_WEBHOOK_BODY)
    verified = verify_delivery(
        body,
        request.headers,
        scheme=s.oec_webhook_scheme,
        secrets=secrets,
        now=now,
        tolerance=s.oec_webhook_tolerance,
        allow_untimestamped=s.oec_webhook_allow_untimestamped,
    )
    return body, verified, parse_event(body)


async def accept(
    door: Door,
    verified: VerifiedDelivery,
    event: WebhookEvent,
    body: bytes,
    *,
    team: str | None = None,
) -> Response:
    """Persist a verified, parsed delivery, log the unusual outcomes, answer 200.

    A workspace's door (`team`) dedupes within that workspace: oec.sh sends each of its
    webhooks its own delivery, and two workspaces' webhooks may well carry the same payload
    id; each must reach its own channels, so the key is the workspace's and the signed id."""
    signed_key = dedupe_key(verified, event, body)
    delivery_id = f"{team}:{signed_key}" if team else signed_key
    result, outcome = await persist(
        door, event, delivery_id=delivery_id, raw=body, signed_at=verified.timestamp, team=team
    )
    # A stored delivery is already a row with its id and time, and a metric: a log line for
    # each would cost a quarter of the receiver's time (benchmarks/webhook_ingest.py). The
    # unusual outcomes, a duplicate or an event we do not know, are worth a line at INFO.
    log.log(
        logging.DEBUG if outcome == "stored" else logging.INFO,
        "webhook.accepted",
        extra={
            "delivery_id": delivery_id,
            # What the (possibly unsigned) header claimed, for matching oec.sh's delivery log.
            "header_delivery_id": (verified.delivery_id or "")[:100] or None,
            "event": event.event,
            "outcome": outcome,
            "rows": result.rows,
            **({"team": team} if team else {}),
        },
    )
    return _json(200, {"ok": True, "delivery_id": delivery_id, "duplicate": result.duplicate})
