"""Two workspaces on one bot keep their change control and their audit trail apart.

Both workspaces' oec.sh keys see the same simulated account, so they name the same
environments (the same env ids): the case where one workspace's freeze, unfreeze or lock could
reach the other's changes, and one admin could read the other's trail. Signed slash commands
from each workspace in; answers at the fake Slack and actions at the simulator out.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from tests.support.approval_helpers import APPROVE, request_change, restarts_sent, wait_card
from tests.support.commands_helpers import Answer, ask
from tests.support.oauth import CHANNELS, KEYS, TEAM_A, TEAM_B, install, oauth_stack
from tests.support.stack import ADMIN, DEV, LEAD1, POLICY, Stack, on_both_engines

STAGING = "acme-shop/staging"
ALWAYS_FROZEN = """
[[freeze]]
environments = ["staging"]
reason = "Alpha's quarter close"
timezone = "UTC"
start = 2000-01-01T00:00:00
end = 2999-01-01T00:00:00
"""


@contextlib.asynccontextmanager
async def two_workspaces(tmp_path: Path, *, policy_a: str = POLICY) -> AsyncIterator[Stack]:
    """Workspaces A and B installed, each with its key; A under `policy_a`, B under POLICY."""
    async with oauth_stack(tmp_path) as s:
        assert s.c.workspaces is not None
        for team, policy in ((TEAM_A, policy_a), (TEAM_B, POLICY)):
            await install(s, team, key=KEYS[team])
            s.c.workspaces.set_policy(team, policy)
        yield s


async def in_team(s: Stack, team: str, text: str, *, user_id: str) -> Answer:
    """`/oec text` from `user_id` in the workspace's channel, and its answer."""
    return await ask(s, text, user_id=user_id, channel_id=CHANNELS[team], team_id=team)


async def change_in(s: Stack, team: str, text: str, *, user_id: str, sent: int) -> None:
    """`/oec text` from `user_id` in the workspace's channel, a change that goes ahead: wait
    until the simulator has `sent` restarts in all."""
    ack = await s.agent.command(text, user_id=user_id, channel_id=CHANNELS[team], team_id=team)
    assert ack.status_code == 200
    await restarts_sent(s, sent)


async def restarts(s: Stack) -> int:
    return len([r for r in await s.actions_sent() if str(r["path"]).endswith("/restart")])


@on_both_engines
async def test_each_workspace_reads_only_its_own_audit_trail(tmp_path: Path) -> None:
    async with two_workspaces(tmp_path) as s:
        await change_in(s, TEAM_A, f"restart {STAGING} -- alpha's worker", user_id=DEV, sent=1)
        await change_in(
            s, TEAM_B, "restart globex-erp/staging -- bravo's worker", user_id=DEV, sent=2
        )

        seen_by_a = (await in_team(s, TEAM_A, "audit", user_id=ADMIN)).text
        seen_by_b = (await in_team(s, TEAM_B, "audit", user_id=ADMIN)).text

        assert STAGING in seen_by_a
        assert "globex-erp" not in seen_by_a
        assert "globex-erp/staging" in seen_by_b
        assert "acme-shop" not in seen_by_b
        # Narrowed to the other workspace's environment: still nothing of the other's.
        narrowed = (await in_team(s, TEAM_B, f"audit {STAGING}", user_id=ADMIN)).text
        assert "alpha's worker" not in narrowed
        assert "restart" not in narrowed.replace("/oec", "").lower()


@on_both_engines
async def test_a_freeze_holds_its_own_workspace_and_only_its_own_may_lift_it(
    tmp_path: Path,
) -> None:
    async with two_workspaces(tmp_path) as s:
        frozen = await in_team(s, TEAM_A, "freeze staging for 2h -- alpha release", user_id=ADMIN)
        assert "frozen until" in frozen.text

        refused = await in_team(s, TEAM_A, f"restart {STAGING}", user_id=DEV)
        assert "alpha release" in refused.text
        assert await restarts(s) == 0

        # B's change to the same environment is not A's business: it goes.
        await change_in(s, TEAM_B, f"restart {STAGING} -- bravo's fix", user_id=DEV, sent=1)

        # B's admin cannot lift A's freeze: nothing of B's was frozen.
        lifted_by_b = await in_team(s, TEAM_B, "unfreeze staging", user_id=ADMIN)
        assert "nothing changed" in lifted_by_b.text
        again = await in_team(s, TEAM_A, f"restart {STAGING}", user_id=DEV)
        assert "alpha release" in again.text
        assert await restarts(s) == 1

        lifted_by_a = await in_team(s, TEAM_A, "unfreeze staging", user_id=ADMIN)
        assert "Lifted the freeze" in lifted_by_a.text
        await change_in(s, TEAM_A, f"restart {STAGING} -- after the release", user_id=DEV, sent=2)


async def test_a_request_approved_in_one_workspace_is_not_held_by_anothers_freeze(
    tmp_path: Path,
) -> None:
    async with two_workspaces(tmp_path) as s:
        # A's deploy of production waits for an approver (the channel is A's: CHANNELS[TEAM_A]).
        approval_id, card = await request_change(s, team_id=TEAM_A)
        frozen = await in_team(
            s, TEAM_B, "freeze production for 2h -- bravo's audit", user_id=ADMIN
        )
        assert "frozen until" in frozen.text

        await s.agent.click(card, APPROVE, user_id=LEAD1, team_id=TEAM_A)
        await wait_card(s.fake, approval_id, "has started", timeout=10)
        assert [r["idempotency_key"] for r in await s.actions_sent()] == [approval_id]


async def test_a_workspaces_scheduled_freezes_come_from_its_own_policy(tmp_path: Path) -> None:
    async with two_workspaces(tmp_path, policy_a=POLICY + ALWAYS_FROZEN) as s:
        refused = await in_team(s, TEAM_A, f"restart {STAGING}", user_id=DEV)
        assert "quarter close" in refused.text

        await change_in(s, TEAM_B, f"restart {STAGING} -- bravo's fix", user_id=DEV, sent=1)


@on_both_engines
async def test_a_lock_belongs_to_the_workspace_that_took_it(tmp_path: Path) -> None:
    async with two_workspaces(tmp_path) as s:
        taken = await in_team(s, TEAM_A, f"lock {STAGING} -- alpha migrates", user_id=DEV)
        assert "when you are done" in taken.text

        # B's people change the environment as if A's lock were not there, and lock it too.
        await change_in(s, TEAM_B, f"restart {STAGING} -- bravo's fix", user_id=LEAD1, sent=1)
        theirs = await in_team(s, TEAM_B, f"lock {STAGING} -- bravo checks", user_id=DEV)
        assert "when you are done" in theirs.text
        assert "alpha migrates" not in theirs.text

        # B's admin unlocking lifts B's lock only; A's holds A's other people.
        await in_team(s, TEAM_B, f"unlock {STAGING}", user_id=ADMIN)
        refused = await in_team(s, TEAM_A, f"restart {STAGING}", user_id=LEAD1)
        assert "alpha migrates" in refused.text
        assert await restarts(s) == 1
