"""App Home in a multi-workspace install: each Home is its own workspace's and nothing else's.

Two workspaces on one bot (`tests.support.oauth`), real HTTP: the `app_home_opened` events are
signed as Slack signs them and carry their workspace; every assertion reads the `views.publish`
calls the fake Slack received, each recorded with the workspace whose token made it
(`Call.team_id`), and the requests the simulator saw, each with the fingerprint of its key.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from oec_chatops.clock import Clock, ManualClock
from oec_chatops.domain import ApprovalState
from oec_chatops.playground import FakeSlack
from oec_chatops.playground.payloads import view_block_actions_body
from oec_chatops.playground.traffic import Call
from oec_chatops.services.home_refresh import REFRESH_GAP
from oec_chatops.slack.blocks.home import home_block_id
from tests.support.approval_helpers import APPROVE, assert_undecided, audit_steps, build_with
from tests.support.commands_helpers import deployment_messages
from tests.support.home_helpers import settled
from tests.support.oauth import (
    CHANNELS,
    KEYS,
    TEAM_A,
    TEAM_B,
    fingerprints_at_sim,
    install,
    key_print,
    oauth_stack,
)
from tests.support.stack import DEV, LEAD1, POLICY, Stack

VIEWERS_ONLY = 'default_role = "viewer"\n[roles]\nadmins = ["U0ADMIN"]\n'
REQUEST = "deploy acme-shop/production -- fixing invoice totals"


@contextlib.asynccontextmanager
async def two_workspaces(
    tmp_path: Path,
    *,
    keys: tuple[str, ...] = (TEAM_A, TEAM_B),
    policies: dict[str, str] | None = None,
    clock: Clock | None = None,
    sim_options: dict[str, Any] | None = None,
) -> AsyncIterator[Stack]:
    """Both workspaces installed, those in `keys` with their oec.sh key, each with its policy
    (POLICY by default, which is also the bot's own file)."""
    async with oauth_stack(tmp_path, build=build_with(clock=clock), sim_options=sim_options) as s:
        assert s.c.workspaces is not None
        for team in (TEAM_A, TEAM_B):
            await install(s, team, key=KEYS[team] if team in keys else None)
            s.c.workspaces.set_policy(team, (policies or {}).get(team, POLICY))
        yield s


def homes(fake: FakeSlack, user_id: str) -> list[Call]:
    return [c for c in fake.calls("views.publish") if c.args.get("user_id") == user_id]


async def open_home(s: Stack, user_id: str, team: str, *needles: str) -> str:
    """`user_id` opens the Home tab in `team`; returns the text of the view published for it
    with `team`'s token once it shows every one of `needles`."""
    before = len(homes(s.fake, user_id))
    r = await s.agent.open_home(user_id, team_id=team)
    assert r.status_code == 200
    return await published(s.fake, user_id, team, *needles, after=before)


async def published(fake: FakeSlack, user_id: str, team: str, *needles: str, after: int = 0) -> str:
    """The text of the first Home published for `user_id` with `team`'s token, after the
    `after` first publishes for that user, that shows every one of `needles`."""

    def found(f: FakeSlack) -> str | None:
        for c in homes(f, user_id)[after:]:
            text = str(c.args.get("view")).lower()
            if c.ok and c.team_id == team and all(n.lower() in text for n in needles):
                return text
        return None

    return await fake.wait_for(found, timeout=8)


def every_publish_had_a_workspace(fake: FakeSlack) -> None:
    assert {c.team_id for c in fake.calls("views.publish")} <= {TEAM_A, TEAM_B}


async def request_in_a(s: Stack) -> None:
    """DEV asks for a protected change in workspace A's channel; its card is posted there."""
    await s.agent.command(REQUEST, user_id=DEV, channel_id=CHANNELS[TEAM_A], team_id=TEAM_A)
    await s.fake.wait_for(
        lambda f: [m for m in f.messages(CHANNELS[TEAM_A]) if "fixing invoice" in str(m.blocks)]
    )


async def test_a_pending_approval_shows_only_on_the_home_of_its_own_workspace(
    tmp_path: Path,
) -> None:
    async with two_workspaces(tmp_path) as s:
        await request_in_a(s)

        in_a = await open_home(s, LEAD1, TEAM_A, "fixing invoice totals", "approval.approve")
        assert "*deployer*, can approve" in in_a
        # The same people in workspace B: neither the approver nor the requester sees it there.
        for user in (LEAD1, DEV):
            in_b = await open_home(s, user, TEAM_B, "running deployments")
            assert "fixing invoice totals" not in in_b
            assert "approval." not in in_b
        every_publish_had_a_workspace(s.fake)


async def test_a_running_deployment_shows_only_on_the_home_of_its_own_workspace(
    tmp_path: Path,
) -> None:
    async with two_workspaces(tmp_path, sim_options={"task_seconds": 600}) as s:
        ack = await s.agent.command(
            "deploy acme-shop/staging", user_id=DEV, channel_id=CHANNELS[TEAM_A], team_id=TEAM_A
        )
        assert ack.status_code == 200
        await s.fake.wait_for(lambda f: deployment_messages(f, CHANNELS[TEAM_A]))
        assert s.c.store.deployments.active()  # started, and running for ten minutes

        in_a = await open_home(s, LEAD1, TEAM_A, "by <@u0dev1>")
        in_b = await open_home(s, LEAD1, TEAM_B, "running deployments")

        assert "nothing is running." not in in_a
        assert "nothing is running." in in_b
        assert "<@u0dev1>" not in in_b


async def test_each_home_lists_its_own_workspaces_environments_with_its_own_key(
    tmp_path: Path,
) -> None:
    async with two_workspaces(tmp_path) as s:
        await open_home(s, LEAD1, TEAM_A, "acme-shop/staging")
        seen = len(await s.sim_requests())

        # Right after A's Home was drawn (its listing fresh): B's is listed anew, with B's key.
        await open_home(s, LEAD1, TEAM_B, "acme-shop/staging")
        reads = [r for r in (await s.sim_requests())[seen:] if r["method"] == "GET"]
        assert reads
        assert fingerprints_at_sim(reads) == {key_print(TEAM_B)}
        every_publish_had_a_workspace(s.fake)


async def test_a_workspace_without_a_key_never_sees_anothers_environments(tmp_path: Path) -> None:
    async with two_workspaces(tmp_path, keys=(TEAM_A,)) as s:
        await open_home(s, LEAD1, TEAM_A, "acme-shop/staging", "globex-erp/staging")
        seen = len(await s.sim_requests())

        in_b = await open_home(s, LEAD1, TEAM_B, "no oec.sh api key")
        assert "acme-shop" not in in_b
        assert "globex-erp" not in in_b
        assert (await s.sim_requests())[seen:] == []  # nothing asked with A's key for B
        every_publish_had_a_workspace(s.fake)


async def test_the_role_on_each_home_is_its_own_workspaces_policy(tmp_path: Path) -> None:
    async with two_workspaces(tmp_path, policies={TEAM_B: VIEWERS_ONLY}) as s:
        in_a = await open_home(s, LEAD1, TEAM_A, "can approve")
        in_b = await open_home(s, LEAD1, TEAM_B, "cannot approve")

        assert "*deployer*, can approve" in in_a
        assert "*viewer*, cannot approve" in in_b


async def test_a_change_republishes_its_own_workspaces_homes_with_its_token(
    tmp_path: Path,
) -> None:
    clock = ManualClock(start=time.time())
    async with two_workspaces(tmp_path, clock=clock) as s:
        home = s.c.home
        assert home is not None
        await open_home(s, LEAD1, TEAM_A, "no approval request waits for you")
        await open_home(s, LEAD1, TEAM_B, "no approval request waits for you")
        await settled(home)
        before = len(homes(s.fake, LEAD1))

        await request_in_a(s)
        clock.advance(REFRESH_GAP)
        home.wake()
        await published(s.fake, LEAD1, TEAM_A, "fixing invoice totals", after=before)
        await settled(home)

        later = homes(s.fake, LEAD1)[before:]
        assert all(c.team_id in (TEAM_A, TEAM_B) for c in later)
        assert not [c for c in later if c.team_id == TEAM_B and "fixing" in str(c.args)]
        every_publish_had_a_workspace(s.fake)


async def test_a_home_click_in_another_workspace_decides_nothing(tmp_path: Path) -> None:
    """A Home click needs no card, so only the workspace ties it to the request: LEAD1, an
    approver in both workspaces, clicks Approve on A's request from their Home in B (a signed
    request saying so; B's Home never shows the button)."""
    async with two_workspaces(tmp_path) as s:
        await request_in_a(s)
        (pending,) = s.c.store.approvals.in_states([ApprovalState.PENDING])
        await open_home(s, LEAD1, TEAM_B, "running deployments")
        in_b = s.fake.home(LEAD1)
        assert in_b is not None
        me = s.fake.identity
        before = len(homes(s.fake, LEAD1))
        click = view_block_actions_body(
            user_id=LEAD1,
            user_name="lead1",
            team_id=TEAM_B,
            view=in_b.to_api(team_id=TEAM_B, app_id=me.app_id, bot_id=me.bot_id),
            action_id=APPROVE,
            block_id=home_block_id(pending.approval_id),
            value=pending.approval_id,
            trigger_id=s.fake.issue_trigger(user_id=LEAD1),
        )
        assert (await s.agent.post_signed(click)).status_code == 200

        await published(s.fake, LEAD1, TEAM_B, "another slack workspace", after=before)
        assert_undecided(s, pending.approval_id)
        assert (LEAD1, "approval.approve", "refused_other_workspace") in audit_steps(
            s.c, pending.approval_id
        )


async def test_a_workspace_that_uninstalls_loses_its_homes(tmp_path: Path) -> None:
    """After the uninstall nothing is published for B's Homes, even when what they showed
    changes (its request expires): not with B's dead token, and never without one."""
    clock = ManualClock(start=time.time())
    async with two_workspaces(tmp_path, clock=clock) as s:
        assert s.c.workspaces is not None
        assert s.c.home is not None
        await s.agent.command(REQUEST, user_id=DEV, channel_id=CHANNELS[TEAM_B], team_id=TEAM_B)
        await s.fake.wait_for(lambda f: f.messages(CHANNELS[TEAM_B]))
        assert len(s.c.store.approvals.in_states([ApprovalState.PENDING])) == 1
        await open_home(s, LEAD1, TEAM_B, "fixing invoice totals")
        await settled(s.c.home)
        s.fake.installs.revoke(TEAM_B)
        s.c.workspaces.forget(TEAM_B)  # what Slack's `app_uninstalled` event makes the bot do
        before = len(homes(s.fake, LEAD1))

        clock.advance(31 * 60)
        s.c.approvals.steps.expire_due()  # the expiry worker's round
        assert s.c.store.approvals.in_states([ApprovalState.PENDING]) == []
        await settled(s.c.home)

        assert homes(s.fake, LEAD1)[before:] == []
