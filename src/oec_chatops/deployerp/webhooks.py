"""deployERP's signed webhooks: verify, parse, and turn into the bot's `WebhookEvent`. Pure.

deployERP signs with Standard Webhooks (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64>`; CONTRACT.md §3), which `oec.signing` already verifies: this
module reuses it unchanged. The body is `{"id": "evt_…", "event", "created_at", "data":
{"instance" | "server" | "backup": …}}`; the dedupe key is the body's `id`, so a replay of the
same event (even re-signed with a fresh timestamp) is stored once by the receiver.

`read_delivery()` is everything a `POST /webhooks/{name}` route needs before
`services.notifications.ingest(repos, n.event, delivery_id=n.delivery_id, raw=body,
signed_at=n.signed_at, now=now)`. Each event becomes the `WebhookEvent` the notification
pipeline already routes and renders, under the name that means the same thing on oec.sh where
there is one (`EVENT_NAMES`), so default subscriptions (`deploy.*`,
`environment.status_changed`) hear deployERP too:

| deployERP | bot event | data |
|---|---|---|
| `instance.deployed` | `deploy.completed` | instance as environment, server as project, url |
| `instance.stopped` | `environment.status_changed` | status `stopped` |
| `backup.completed` / `backup.failed` | same name | instance, message (and error), the backup's task id |
| `server.created` / `server.deleted` | same name | server as project, message |

The backup and server events have no oec.sh equivalent; `EVENTS_WITHOUT_OEC_EQUIVALENT` lists
them for the notification pipeline's known events and the subscribe grammar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field, ValidationError

from oec_chatops.deployerp.adapter import BACKUP_TASK, encode_task_id
from oec_chatops.deployerp.models import DerpBackup, DerpInstance, DerpModel, DerpServer
from oec_chatops.deployerp.settings import DerpSettings
from oec_chatops.errors import MalformedPayload
from oec_chatops.oec.models import WebhookEvent
from oec_chatops.oec.signing import verify_standard_webhooks

DERP_EVENTS: tuple[str, ...] = (
    "server.created",
    "server.deleted",
    "instance.deployed",
    "instance.stopped",
    "backup.completed",
    "backup.failed",
)
EVENT_NAMES: dict[str, str] = {
    "instance.deployed": "deploy.completed",
    "instance.stopped": "environment.status_changed",
    "backup.completed": "backup.completed",
    "backup.failed": "backup.failed",
    "server.created": "server.created",
    "server.deleted": "server.deleted",
}
EVENTS_WITHOUT_OEC_EQUIVALENT: tuple[str, ...] = tuple(
    name for source, name in EVENT_NAMES.items() if source == name
)


class DerpEventPayload(DerpModel):
    instance: DerpInstance | None = None
    server: DerpServer | None = None
    backup: DerpBackup | None = None


class DerpDelivery(DerpModel):
    """One delivery body as deployERP sends it."""

    id: str = Field(min_length=1)
    event: str = Field(min_length=1)
    created_at: datetime | None = None
    data: DerpEventPayload = Field(default_factory=DerpEventPayload)


@dataclass(frozen=True, slots=True)
class DerpNotification:
    """A verified, parsed delivery: its dedupe key, when it was signed, and the bot's event."""

    delivery_id: str
    signed_at: int
    delivery: DerpDelivery
    event: WebhookEvent


def parse_delivery(body: bytes) -> DerpDelivery:
    """The typed body, or `MalformedPayload` naming what is wrong (never the values)."""
    try:
        return DerpDelivery.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise MalformedPayload(
            f"The deployERP delivery is not the documented JSON object ({where}: {first['type']})."
        ) from None


def to_webhook_event(
    delivery: DerpDelivery, *, server_names: Mapping[str, str] | None = None
) -> WebhookEvent:
    """The bot's event for one delivery; `server_names` (id → name) names the group when known.

    An event deployERP adds later keeps its own name: the pipeline stores it and posts nothing.
    """
    names = server_names or {}
    d = delivery.data
    instance, server, backup = d.instance, d.server, d.backup
    fields: dict[str, object] = {}
    if instance is not None:
        fields |= {
            "environment_id": instance.id,
            "environment_name": instance.name,
            "project_id": instance.server_id,
            "project_name": names.get(instance.server_id or "") or instance.server_id,
            "url": instance.url,
            "status": instance.status,
        }
    if server is not None:
        fields |= {"project_id": server.id, "project_name": server.name}
    name = delivery.event.strip().lower()
    if name == "instance.deployed":
        fields["status"] = "completed"
        fields["type"] = "deploy"
    elif name == "instance.stopped":
        fields["status"] = "stopped"
    elif backup is not None and name.startswith("backup."):
        fields.setdefault("environment_id", backup.instance_id)
        if backup.instance_id:  # the task a `/oec backup` follows it by (`deployerp.backups`)
            fields["task_id"] = encode_task_id(backup.instance_id, BACKUP_TASK + backup.id)
        fields["status"] = backup.status
        fields["message"] = _backup_sentence(backup, name)
        fields["error_message"] = backup.error
    elif server is not None and name.startswith("server."):
        fields["message"] = _server_sentence(server, name)
    # A plain dict for `data`: WebhookEvent's before-validator merges mappings, not models.
    return WebhookEvent.model_validate(
        {
            "id": delivery.id,
            "event": EVENT_NAMES.get(name, name),
            "timestamp": delivery.created_at,
            "data": {k: v for k, v in fields.items() if v is not None},
        }
    )


def read_delivery(
    body: bytes,
    headers: Mapping[str, str],
    *,
    secrets: Sequence[str],
    now: float,
    settings: DerpSettings | None = None,
    server_names: Mapping[str, str] | None = None,
) -> DerpNotification:
    """Verify the raw bytes first, then parse: a `WebhookRejected` (401/400) or the event."""
    tolerance = (settings or DerpSettings()).webhook_tolerance
    verified = verify_standard_webhooks(
        body, headers, secrets=secrets, now=now, tolerance=tolerance
    )
    delivery = parse_delivery(body)
    return DerpNotification(
        delivery_id=delivery.id,
        signed_at=verified.timestamp or int(now),
        delivery=delivery,
        event=to_webhook_event(delivery, server_names=server_names),
    )


def _backup_sentence(backup: DerpBackup, name: str) -> str:
    if name == "backup.failed":
        return f"Backup {backup.id} failed."
    size = f" ({_size(backup.size_bytes)})" if backup.size_bytes is not None else ""
    return f"Backup {backup.id} completed{size}."


def _server_sentence(server: DerpServer, name: str) -> str:
    where = ", ".join(p for p in (server.provider, server.region) if p)
    suffix = f" ({where})" if where else ""
    verb = "was removed" if name == "server.deleted" else "was provisioned"
    return f"Server {server.name}{suffix} {verb}."


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
