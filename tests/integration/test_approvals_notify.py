"""The requester hears how their request ended: one reply in the card's thread that mentions them.

Editing the card notifies nobody, so approved (and started), rejected, expired and failed each
post one thread reply with `<@requester>`, through the outbox: durable, and posted once even
when Slack's answer to the post is lost and the outbox tries again.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from oec_chatops.clock import ManualClock
from oec_chatops.playground import FakeSlack, Message
from oec_chatops.services.outbox.outcomes import MAX_BACKOFF
from tests.support.approval_helpers import (
    APPROVE,
    PROD,
    REJECT,
    build_with,
    request_change,
    wait_card,
)
from tests.support.stack import CHANNEL, DEV, LEAD1, LEAD2, RW_KEY, Stack, running_stack
from tests.support.webhook_helpers import advance, outbox_settled, until

REQUESTER = f"<@{DEV}>"


async def _the_one_reply(stack: Stack, card: Message, *needles: str) -> Message:
    """Wait for the card's thread to hold a reply saying `needles`; then it must be the only one."""

    def said(f: FakeSlack) -> Message | None:
        replies = f.thread(CHANNEL, card.ts)
        return next((m for m in replies if all(n in m.text for n in needles)), None)

    reply = await stack.fake.wait_for(said, timeout=10)
    await outbox_settled(stack)
    assert stack.fake.thread(CHANNEL, card.ts) == [reply]
    assert REQUESTER in reply.text
    return reply


async def test_approved_says_started_on_the_card_and_tells_the_requester(stack: Stack) -> None:
    approval_id, card = await request_change(stack)
    await stack.agent.click(card, APPROVE, user_id=LEAD1)
    done = await wait_card(stack.fake, approval_id, "has started", "deployment message below")
    assert "has run" not in done.text + str(done.blocks)
    await _the_one_reply(stack, card, "was approved by <@U0LEAD1> and has started")


async def test_rejected_tells_the_requester_who_and_why(stack: Stack) -> None:
    approval_id, card = await request_change(stack)
    stack.fake.fail("views.open", error="expired_trigger_id")  # no reason modal: reject at once
    await stack.agent.click(card, REJECT, user_id=LEAD2)
    await wait_card(stack.fake, approval_id, "Rejected")
    await _the_one_reply(stack, card, "was rejected by <@U0LEAD2>; nothing was run")


async def test_failed_action_tells_the_requester(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as s:
        approval_id, card = await request_change(s)
        r = await s.http.post(  # someone deploys from the dashboard meanwhile: oec.sh says 409
            f"{s.sim_url}/api/public/v1/environments/{s.env_id(PROD)}/deploy",
            headers={"Authorization": f"Bearer {RW_KEY}", "Idempotency-Key": str(uuid.uuid4())},
        )
        assert r.status_code == 202
        await s.agent.click(card, APPROVE, user_id=LEAD1)
        await wait_card(s.fake, approval_id, "failed")
        await _the_one_reply(s, card, "was approved by <@U0LEAD1>, but it failed")


async def test_expired_is_told_once_even_when_slacks_answer_is_lost(tmp_path: Path) -> None:
    clock = ManualClock(start=time.time())
    async with running_stack(tmp_path, build=build_with(clock=clock)) as s:
        approval_id, card = await request_change(s)
        # The reply is posted, but Slack answers 500: the outbox cannot know it landed.
        s.fake.fail_after_applying("chat.postMessage", status=500, channel=CHANNEL)
        clock.advance(31 * 60)
        s.c.expiry.wake()
        await wait_card(s.fake, approval_id, "Expired", "nothing was run")
        await s.fake.wait_for(lambda f: [c for c in f.calls("chat.postMessage") if c.status == 500])
        await until(lambda: s.c.store.outbox.depth()[0] == 1, what="the reply waits to retry")
        advance(s, MAX_BACKOFF)
        await _the_one_reply(s, card, "expired before enough approvers agreed")
        assert s.fake.calls("conversations.replies"), "looked up in the thread, not posted again"
