"""A command run a second time, as the restart runs one a previous life may have started, does
what it did once: the same Idempotency-Key for an action, the same approval request for a
protected environment.

The stack is real (simulator and fake Slack over HTTP); the command is the stored one the
restart hands to `commands.handle` again: same trigger id, same request id.
"""

from __future__ import annotations

from tests.support.approval_helpers import cards
from tests.support.commands_helpers import run_twice
from tests.support.stack import Stack


async def test_a_protected_change_run_again_asks_for_one_approval(stack: Stack) -> None:
    said = await run_twice(stack, "deploy acme-shop/production -- monthly release")

    assert len(said) == 2
    assert all("is protected" in m["text"] for m in said)
    assert stack.c.store.approvals.counts() == {"pending": 1}
    await stack.fake.wait_for(cards)
    assert len(cards(stack.fake)) == 1
    assert await stack.actions_sent() == []


async def test_an_action_run_again_reaches_oec_sh_once(stack: Stack) -> None:
    before = set(stack.sim.tasks)

    await run_twice(stack, "restart acme-shop/staging")

    sent = await stack.actions_sent()
    assert len(sent) == 2
    assert sent[0]["idempotency_key"] == sent[1]["idempotency_key"]
    assert len(set(stack.sim.tasks) - before) == 1, "the repeated key got the first task"
