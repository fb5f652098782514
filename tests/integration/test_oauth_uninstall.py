"""A workspace that uninstalls the app or revokes its token is forgotten: installation, oec.sh key
and policy deleted, its pending outbox rows failed at once (not retried forever against a dead
token), and its later commands refused without running."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from oec_chatops.adapters.workspaces import UNINSTALLED
from tests.support.commands_helpers import audit_rows
from tests.support.oauth import CHANNELS, KEYS, TEAM_A, install, oauth_stack
from tests.support.stack import DEV, Stack, on_both_engines, running_stack
from tests.support.webhook_helpers import until

CHANNEL = CHANNELS[TEAM_A]
DEV_DEPLOYS = 'default_role = "viewer"\n[roles]\ndeployers = ["U0DEV1"]\n'
EVENTS: dict[str, dict[str, Any]] = {
    "app_uninstalled": {"type": "app_uninstalled"},
    "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0OECBOT"]}},
}


def _outbox(s: Stack) -> list[tuple[str, str | None]]:
    rows = s.c.store.conn.execute(
        "SELECT state, last_error FROM outbox WHERE channel_id = ? ORDER BY id", (CHANNEL,)
    )
    return [(r[0], r[1]) for r in rows]


async def _slack_sends(
    s: Stack, event: dict[str, Any], team: str = TEAM_A, *, revoke: bool = True
) -> int:
    """Slack removes the workspace's bot tokens (`revoke`), then tells the app (signed, as
    Events API JSON)."""
    if revoke:
        s.fake.installs.revoke(team)
    body = {
        "token": "unused-verification-token",
        "team_id": team,
        "api_app_id": "A0OECAPP",
        "type": "event_callback",
        "event_id": "Ev0UNINSTALL",
        "event_time": 1_767_225_600,
        "event": {**event, "event_ts": "1767225600.000100"},
    }
    r = await s.agent.post_signed(
        json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    return r.status_code


@pytest.mark.parametrize("event", EVENTS, ids=list(EVENTS))
@on_both_engines
async def test_uninstall_forgets_the_workspace_and_refuses_what_follows(
    tmp_path: Path, event: str
) -> None:
    async with oauth_stack(tmp_path) as s:
        assert s.c.workspaces is not None
        await install(s, TEAM_A, key=KEYS[TEAM_A])
        s.c.workspaces.set_policy(TEAM_A, DEV_DEPLOYS)
        # Slack holds the bot's posts back, so the deployment's message waits in the outbox.
        s.fake.rate_limit("chat.postMessage", retry_after=3600, times=100)
        ack = await s.agent.command(
            "deploy acme-shop/staging", user_id=DEV, channel_id=CHANNEL, team_id=TEAM_A
        )
        assert ack.status_code == 200
        await until(lambda: ("pending", "ratelimited") in _outbox(s), what="a held post")

        assert await _slack_sends(s, EVENTS[event]) == 200

        assert s.c.store.installations.get(TEAM_A) is None
        assert s.c.store.workspace_settings.get(TEAM_A) is None
        assert _outbox(s)
        assert all(row == ("dead", UNINSTALLED) for row in _outbox(s))
        [forgot] = [r for r in audit_rows(s) if r["action"] == "workspace.forget"]
        assert forgot["target"] == TEAM_A
        s.fake.clear_scenarios()
        seen = len(await s.sim_requests())
        posts = len(s.fake.calls("chat.postMessage"))

        again = await s.agent.command("envs", user_id=DEV, channel_id=CHANNEL, team_id=TEAM_A)

        assert again.status_code == 200
        assert "not installed" in again.text
        # The deployment it started is no longer followed: no key to follow it with.
        s.c.tracker.wake()
        await until(lambda: not s.c.tracker.tracked.shown_active(), what="tracking stopped")
        assert (await s.sim_requests())[seen:] == []
        assert len(s.fake.calls("chat.postMessage")) == posts


async def test_a_revoked_user_token_changes_nothing(tmp_path: Path) -> None:
    async with oauth_stack(tmp_path) as s:
        await install(s, TEAM_A, key=KEYS[TEAM_A])
        users_only = {"type": "tokens_revoked", "tokens": {"oauth": ["U0SOMEONE"], "bot": []}}

        assert await _slack_sends(s, users_only, revoke=False) == 200
        assert s.c.store.installations.get(TEAM_A) is not None


async def test_a_one_workspace_bot_acks_an_uninstall_and_says_its_token_is_gone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_stack(tmp_path, webhook_events=None, subscribe=False) as s:
        team = s.fake.identity.team_id

        assert await _slack_sends(s, EVENTS["app_uninstalled"], team=team) == 200

        assert "workspace.uninstalled_token_gone" in caplog.text
