"""A change typed in a channel the bot is not in: nothing reaches oec.sh, the user is told why.

The deployment message, or the approval card, is the only place where a change is seen or
decided; in `#random` (the bot not invited) Slack would refuse both. So the bot asks Slack
first and sends nothing, stores no request and adds no subscription, and says so privately.
"""

from __future__ import annotations

import pytest

from oec_chatops.domain import ApprovalState
from tests.support.commands_helpers import ask, deployment_messages
from tests.support.stack import DEV, Stack
from tests.support.stepped_clock import SteppedClock

RANDOM = "C0RANDOM"  # the seeded workspace's channel without the bot
ALERTS = "C0ALERTS"  # the bot is in it
NOT_IN_RANDOM = "I'm not in #random: `/invite @oec`, then run it again."


async def test_deploy_where_the_bot_is_not_sends_nothing_and_says_so(
    stepped_stack: Stack, stepped: SteppedClock
) -> None:
    stack = stepped_stack
    answer = await ask(stack, "deploy acme-shop/staging", user_id=DEV, channel_id=RANDOM)
    assert NOT_IN_RANDOM in answer.text
    assert await stack.actions_sent() == []
    assert stack.c.store.deployments.active() == []
    assert stack.fake.messages(RANDOM) == []

    # Invited, the same command works at once: a no is never remembered.
    stack.fake.invite_bot(RANDOM)
    r = await stack.agent.command("deploy acme-shop/staging", user_id=DEV, channel_id=RANDOM)
    assert r.status_code == 200
    await stepped.until(lambda: deployment_messages(stack.fake, RANDOM))
    (sent,) = await stack.actions_sent()
    assert sent["path"].endswith(f"/environments/{stack.env_id('acme-shop/staging')}/deploy")


async def test_protected_deploy_there_stores_no_request(stepped_stack: Stack) -> None:
    stack = stepped_stack
    answer = await ask(stack, "deploy acme-shop/production", user_id=DEV, channel_id=RANDOM)
    assert NOT_IN_RANDOM in answer.text
    assert "waits for" not in answer.text
    assert stack.c.store.approvals.in_states(list(ApprovalState)) == []
    assert await stack.actions_sent() == []


@pytest.mark.parametrize(
    ("error", "why"),
    [
        ("fatal_error", "Slack answered `fatal_error`"),  # Slack failed inside: no answer
        ("missing_scope", "lacks the `channels:read` or `groups:read` scope"),  # an old install
    ],
)
async def test_no_clear_answer_from_slack_refuses_the_change(
    stepped_stack: Stack, error: str, why: str
) -> None:
    stack = stepped_stack
    stack.fake.fail("conversations.info", error=error, times=1)
    answer = await ask(stack, "deploy acme-shop/staging", user_id=DEV, channel_id=ALERTS)
    assert "I could not check that I can post in this channel" in answer.text
    assert why in answer.text
    assert "nothing was sent" in answer.text
    assert await stack.actions_sent() == []


async def test_subscribe_where_the_bot_is_not_is_refused(hooks: Stack) -> None:
    answer = await ask(hooks, "subscribe acme-shop", user_id=DEV, channel_id=RANDOM)
    assert NOT_IN_RANDOM in answer.text
    assert hooks.c.store.subscriptions.for_channel(RANDOM) == []


async def test_a_deploy_in_the_direct_message_with_the_bot_is_sent(
    stepped_stack: Stack, stepped: SteppedClock
) -> None:
    """A DM has no `is_member`: the bot is in its own DM by definition, so it is not refused."""
    stack = stepped_stack
    dm = stack.fake.channel(DEV).channel_id  # the DM between the bot and DEV
    r = await stack.agent.command("deploy acme-shop/staging", user_id=DEV, channel_id=dm)
    assert r.status_code == 200
    await stepped.until(lambda: deployment_messages(stack.fake, dm))
    assert len(await stack.actions_sent()) == 1
