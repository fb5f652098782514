"""`oec-chatops webhooks register | list`: point oec.sh's outgoing webhook at this bot.

A multi-workspace install registers one webhook per workspace (`register --team T…`): with
that workspace's oec.sh key, pointing at `PUBLIC_URL/webhooks/oec/T…`, and the signing secret
oec.sh returns is stored sealed for that workspace, never printed: it would only be one more
copy of a credential to leak, and nothing needs to be typed anywhere (`workspace
set-webhook-secret` is for a webhook created by hand in oec.sh's dashboard).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TextIO

from oec_chatops.adapters.check_workspaces import workspace_client
from oec_chatops.adapters.workspaces import (
    WorkspaceNotConnected,
    Workspaces,
    check_team_id,
    open_workspaces,
)
from oec_chatops.clock import SystemClock
from oec_chatops.config import Settings
from oec_chatops.errors import ConfigError
from oec_chatops.oec.client import OecClient
from oec_chatops.oec.models import WebhookCreated
from oec_chatops.store import Store


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
        created = await _create(
            oec, url=url, events=events, project_id=project_id, description=description, out=out
        )
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


async def _create(
    oec: OecClient,
    *,
    url: str,
    events: Sequence[str],
    project_id: str | None,
    description: str,
    out: TextIO,
) -> WebhookCreated:
    """Create the webhook (one idempotency key: a retried POST creates one) and say so."""
    created = await oec.create_webhook(
        url=url,
        events=events,
        description=description,
        project_id=project_id,
        idempotency_key=str(uuid.uuid4()),
    )
    out.write(f"webhook {created.id} created for {created.url}\n")
    out.write(f"events: {', '.join(created.events)}\n")
    return created


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


def team_webhook_url(settings: Settings, team: str, url: str | None) -> str:
    """Where oec.sh delivers the workspace's events: `--url`, or PUBLIC_URL's; either way the
    workspace's own path, or the secret stored for it would verify nothing it receives."""
    path = f"/webhooks/oec/{team}"
    if url is None:
        if settings.public_url is None:
            raise ConfigError(
                f"where should oec.sh deliver? Set PUBLIC_URL, or give --url https://<your bot>{path}"
            )
        return settings.public_url + path
    if not url.rstrip("/").endswith(path):
        raise ConfigError(f"--url must end with {path}: the door of workspace {team}")
    return url.rstrip("/")


async def register_for_team(
    settings: Settings,
    team_id: str,
    *,
    url: str | None,
    events: Sequence[str],
    project_id: str | None,
    description: str,
    out: TextIO,
) -> int:
    """Register workspace `team_id`'s webhook with its own oec.sh key, and keep the secret
    oec.sh returns sealed for that workspace (beside any it already has: another of its
    webhooks, for another project, keeps signing with its own)."""
    team = check_team_id(team_id)
    target = team_webhook_url(settings, team, url)
    store = Store(settings.oec_chatops_db)
    workspaces = open_workspaces(
        settings, store=store, clock=SystemClock(), oec_client=workspace_client(settings)
    )
    try:
        if workspaces is None:
            raise ConfigError("--team is for a multi-workspace install (SLACK_CLIENT_ID)")
        return await _register(
            workspaces,
            team,
            url=target,
            events=events,
            project_id=project_id,
            description=description,
            out=out,
        )
    finally:
        if workspaces is not None:
            await workspaces.aclose()
        store.close()


async def _register(
    ws: Workspaces,
    team: str,
    *,
    url: str,
    events: Sequence[str],
    project_id: str | None,
    description: str,
    out: TextIO,
) -> int:
    if not ws.installed(team):
        raise ConfigError(f"{team} has not installed the app: install it first (/slack/install)")
    try:
        oec = ws.platform(team)
    except WorkspaceNotConnected:
        raise ConfigError(
            f"{team} has no oec.sh key yet: set it first (`oec-chatops workspace set-key {team}`)"
        ) from None
    created = await _create(
        oec, url=url, events=events, project_id=project_id, description=description, out=out
    )
    if created.secret is None:
        out.write(
            "oec.sh returned no secret; copy the one its dashboard shows into "
            f"`oec-chatops workspace set-webhook-secret {team}`: until then nothing is posted\n"
        )
        return 1
    ws.add_webhook_secret(team, created.secret.get_secret_value())
    out.write(f"signing secret stored for {team} (sealed; not shown)\n")
    return 0
