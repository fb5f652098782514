"""`oec-chatops webhooks register | list`: point oec.sh's outgoing webhook at this bot."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TextIO

from oec_chatops.config import Settings
from oec_chatops.errors import ConfigError
from oec_chatops.oec.client import OecClient


def _client(settings: Settings) -> OecClient:
    if settings.oec_api_key is None:
        raise ConfigError("OEC_API_KEY (a full-access key) is required to manage webhooks.")
    return OecClient(
        base_url=settings.oec_api_url, rw_key=settings.oec_api_key, ro_key=settings.oec_api_key_ro
    )


async def register(
    settings: Settings,
    *,
    url: str,
    events: Sequence[str],
    project_id: str | None,
    description: str,
    out: TextIO,
) -> int:
    async with _client(settings) as oec:
        created = await oec.create_webhook(
            url=url,
            events=events,
            description=description,
            project_id=project_id,
            idempotency_key=str(uuid.uuid4()),
        )
    out.write(f"webhook {created.id} created for {created.url}\n")
    out.write(f"events: {', '.join(created.events)}\n")
    if created.secret is not None:
        # Printed once, on purpose: oec.sh shows it only in this answer. Never logged.
        out.write(
            f"signing secret (shown once; set it as OEC_WEBHOOK_SECRET): {created.secret.get_secret_value()}\n"
        )
    else:
        out.write(
            "oec.sh returned no secret; use the one shown in the dashboard as OEC_WEBHOOK_SECRET\n"
        )
    return 0


async def list_webhooks(settings: Settings, *, out: TextIO) -> int:
    async with _client(settings) as oec:
        hooks = await oec.list_webhooks()
    if not hooks:
        out.write("no webhooks\n")
    for h in hooks:
        state = "active" if h.is_active is not False else "inactive"
        failures = f", {h.failure_count} failures" if h.failure_count else ""
        out.write(f"{h.id}  {state}{failures}  {h.url}  [{', '.join(h.events)}]\n")
    return 0
