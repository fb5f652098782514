"""`app_uninstalled` and `tokens_revoked`: a workspace that lets the bot go is forgotten at once.

Slack sends these events (no authorisation needed: the token is already gone) when a workspace
removes the app or revokes its bot token. The installation store's `async_delete_all` then
drops the installation, the workspace's oec.sh key and policy, and fails its pending outbox
rows (`adapters.workspaces.Workspaces.forget`): nothing is retried against a revoked token, and
every later request from that workspace is refused until it installs the app again.

Revoked *user* tokens change nothing: the bot stores none. A one-workspace bot (no store)
acks them and logs an error: its SLACK_BOT_TOKEN no longer works, and an operator must know.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

log = logging.getLogger(__name__)


def register(app: AsyncApp, store: AsyncInstallationStore | None) -> None:
    async def forget(body: dict[str, Any], why: str) -> None:
        team_id = body.get("team_id")
        if not isinstance(team_id, str) or not team_id:
            return
        if store is None:
            log.error("workspace.uninstalled_token_gone", extra={"team": team_id, "why": why})
            return
        log.warning("workspace.uninstalled", extra={"team": team_id, "why": why})
        await store.async_delete_all(enterprise_id=body.get("enterprise_id"), team_id=team_id)

    @app.event("app_uninstalled")
    async def on_uninstalled(ack: AsyncAck, body: dict[str, Any]) -> None:
        await forget(body, "app_uninstalled")
        await ack()

    @app.event("tokens_revoked")
    async def on_revoked(ack: AsyncAck, body: dict[str, Any], event: dict[str, Any]) -> None:
        tokens = event.get("tokens")
        if isinstance(tokens, dict) and tokens.get("bot"):
            await forget(body, "tokens_revoked")
        await ack()
