"""Roles given through Slack user groups: one `usergroups.list` for a burst of commands, and a
Slack that cannot say who is in which group costs group roles for a while, never a crash."""

from __future__ import annotations

import asyncio
from pathlib import Path

from oec_chatops.services.directory import CACHE_SECONDS
from tests.support.commands_helpers import ask, closed_port_url, posts_for, skipping_stack
from tests.support.stack import CHANNEL, DEV, LEAD1, Stack


async def burst(stack: Stack, text: str, users: list[str]) -> None:
    acks = await asyncio.gather(
        *(stack.agent.command(text, user_id=u, channel_id=CHANNEL) for u in users)
    )
    assert {a.status_code for a in acks} == {200}
    await stack.fake.wait_for(lambda f: all(posts_for(f, u) for u in set(users)), timeout=5)


async def test_commands_arriving_together_share_one_usergroups_call(tmp_path: Path) -> None:
    async with skipping_stack(tmp_path) as (stack, clock):
        await burst(stack, "whoami", [DEV, LEAD1] * 4)

        assert len(stack.fake.calls("usergroups.list")) == 1
        assert "you are a *deployer*" in str(posts_for(stack.fake, DEV)[0].body)

        await clock.sleep(CACHE_SECONDS + 1)  # the membership is stale now
        await burst(stack, "whoami", [LEAD1] * 6)

        assert len(stack.fake.calls("usergroups.list")) == 2


async def test_slack_refusing_usergroups_leaves_users_their_own_roles(stack: Stack) -> None:
    stack.fake.fail("usergroups.list", error="ratelimited", times=1)

    answer = await ask(stack, "deploy acme-shop/staging", user_id=DEV)

    # DEV deploys through the S0DEVTEAM group: without the groups, DEV is a viewer for now.
    assert "needs the deployer role; you are a viewer" in answer.text
    assert await stack.actions_sent() == []


async def test_slack_unreachable_for_usergroups_answers_instead_of_crashing(
    tmp_path: Path,
) -> None:
    nowhere = f"{closed_port_url()}/api/"
    async with skipping_stack(tmp_path, environ={"SLACK_API_URL": nowhere}) as (stack, _clock):
        answer = await ask(stack, "whoami", user_id=DEV)

        assert "you are a *viewer*" in answer.text
        assert "Something went wrong" not in answer.text
