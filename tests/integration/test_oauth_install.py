"""A multi-workspace install over HTTP: /slack/install → Slack's consent → /slack/oauth_redirect
→ `oauth.v2.access` at the fake Slack → the installation stored, its token sealed.

The state is single use and expires on the bot's clock; a replayed or stale redirect installs
nothing and trades no code.
"""

from __future__ import annotations

from pathlib import Path

from oec_chatops.clock import ManualClock
from tests.support.oauth import (
    TEAM_A,
    consent,
    finish_install,
    install,
    oauth_stack,
    raw_database,
    start_install,
)
from tests.support.stack import on_both_engines


@on_both_engines
async def test_an_install_stores_the_workspace_with_its_token_sealed(tmp_path: Path) -> None:
    async with oauth_stack(tmp_path) as s:
        start = await start_install(s, TEAM_A)
        assert start.authorize_url.startswith(f"{s.slack_url}/oauth/v2/authorize?")
        assert "state=" in start.authorize_url
        assert "client_id=" in start.authorize_url
        r = await finish_install(s, await consent(s, start), start)

        assert r.status_code == 200
        [exchange] = s.fake.calls("oauth.v2.access")
        assert exchange.ok
        [token] = s.fake.installs.tokens_of(TEAM_A)
        assert s.c.workspaces is not None
        assert s.c.workspaces.token(TEAM_A) == token
        row = s.c.store.installations.get(TEAM_A)
        assert row is not None
        assert token not in row.bot_token_sealed
        raw = raw_database(s.settings.oec_chatops_db)
        assert row.bot_token_sealed.encode() in raw  # the installation is on disk, sealed
        assert token.encode() not in raw
        assert token not in repr(row)
        assert token not in repr(s.c.workspaces)


async def test_a_replayed_redirect_is_refused_and_trades_no_second_code(tmp_path: Path) -> None:
    async with oauth_stack(tmp_path) as s:
        start = await start_install(s, TEAM_A)
        redirect = await consent(s, start)
        assert (await finish_install(s, redirect, start)).status_code == 200
        first = s.c.store.installations.get(TEAM_A)

        replay = await finish_install(s, redirect, start)

        assert replay.status_code == 401
        assert len(s.fake.calls("oauth.v2.access")) == 1  # the state stopped it, not the code
        assert s.c.store.installations.get(TEAM_A) == first


async def test_a_state_older_than_ten_minutes_is_refused(tmp_path: Path) -> None:
    clock = ManualClock()
    async with oauth_stack(tmp_path, clock=clock) as s:
        start = await start_install(s, TEAM_A)
        redirect = await consent(s, start)
        clock.advance(601)

        late = await finish_install(s, redirect, start)

        assert late.status_code == 401
        assert s.fake.calls("oauth.v2.access") == []
        assert s.c.store.installations.get(TEAM_A) is None
        # A fresh install link works: the refusal was the state's age, nothing else.
        await install(s, TEAM_A)
        assert s.c.store.installations.get(TEAM_A) is not None
