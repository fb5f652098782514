"""The living deployment message tells the story of a change: why (the text after `--`), who
approved it with a link to the card, the modules, and for a failure the step that broke.
Signed commands and clicks in; assertions on what the fake Slack shows in the channel."""

from __future__ import annotations

from oec_chatops.playground import FakeSlack, Message
from tests.support.approval_helpers import APPROVE, flat, request_change
from tests.support.blocks import texts
from tests.support.stack import CHANNEL, DEV, LEAD1, Stack
from tests.support.stepped_clock import SteppedClock

STAGING = "acme-shop/staging"


def deployment_message(f: FakeSlack, task_id: str) -> Message | None:
    """The channel's one living message of `task_id`, found by its metadata key."""
    found = [
        m
        for m in f.messages(CHANNEL, include_replies=False)
        if ((m.metadata or {}).get("event_payload") or {}).get("key") == f"dep:{task_id}"
    ]
    return found[0] if len(found) == 1 else None


async def test_an_approved_deploy_says_why_and_who_approved_with_a_link_to_the_card(
    stepped_stack: Stack, stepped: SteppedClock
) -> None:
    stack = stepped_stack
    approval_id, card = await request_change(stack)
    await stack.agent.click(card, APPROVE, user_id=LEAD1)

    def ran(_: FakeSlack) -> str | None:
        a = stack.c.store.approvals.get(approval_id)
        return a.task_id if a is not None and a.task_id else None

    task_id = await stack.fake.wait_for(ran, timeout=10)
    link = f"https://slack.com/archives/{CHANNEL}/p{card.ts.replace('.', '')}"

    def told(f: FakeSlack) -> bool:
        m = deployment_message(f, task_id)
        return m is not None and "completed" in flat(m.blocks).lower()

    await stepped.until(lambda: told(stack.fake))
    message = deployment_message(stack.fake, task_id)
    assert message is not None
    shown = texts(message.blocks)
    assert ">fixing invoice totals" in shown
    assert f"*Approved by*\n<@{LEAD1}> · <{link}|the request>" in shown
    assert f"*Requested by*\n<@{DEV}>" in shown
    # The full task id stays where it is needed: the context line.
    assert f"Task `{task_id}`" in shown


async def test_a_failed_deploy_says_why_it_ran_and_the_step_it_broke_on(
    stepped_stack: Stack, stepped: SteppedClock
) -> None:
    stack = stepped_stack
    await stack.sim_faults(fail_next_deploys=1)
    r = await stack.agent.command(
        f"deploy {STAGING} --modules sale_custom -- try the new pricing",
        user_id=DEV,
        channel_id=CHANNEL,
    )
    assert r.status_code == 200

    def failed(f: FakeSlack) -> Message | None:
        for m in f.messages(CHANNEL, include_replies=False):
            key = ((m.metadata or {}).get("event_payload") or {}).get("key", "")
            if key.startswith("dep:") and ":x: *Failed*" in flat(m.blocks):
                return m
        return None

    await stepped.until(lambda: failed(stack.fake) is not None)
    message = failed(stack.fake)
    assert message is not None
    shown = texts(message.blocks)
    assert ">try the new pricing" in shown
    assert "at step `build`" in shown
    assert "*Modules*\n`sale_custom`" in shown
