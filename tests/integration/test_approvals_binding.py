"""A click decides only the request whose card it was made on.

The button's value is the approval id, which anyone who saw the card knows; a click signed by
Slack but made in another channel, or on another message than the card, is refused with a
sentence to the clicker and an audit row, and changes nothing. So is a reason modal whose
metadata names another channel than the request's.
"""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest

from oec_chatops.domain import ApprovalState
from oec_chatops.playground import block_actions_body
from oec_chatops.playground.payloads import view_submission_body
from tests.support.approval_helpers import (
    APPROVE,
    CANCEL,
    REJECT,
    assert_undecided,
    audit_steps,
    reason_values,
    request_change,
    wait_card,
    wait_ephemeral,
)
from tests.support.stack import CHANNEL, DEV, LEAD1, Stack

ELSEWHERE = "C0GENERAL"
NOT_THIS_CARD = "not on this request's approval card"


async def click_from(
    stack: Stack, approval_id: str, action_id: str, *, user_id: str, channel_id: str, ts: str
) -> httpx.Response:
    """A click Slack signed, on a button carrying `approval_id`, in `channel_id` on message `ts`."""
    url_id = stack.fake.issue_response_url(
        kind="block_actions", channel_id=channel_id, user_id=user_id
    )
    body = block_actions_body(
        user_id=user_id,
        user_name=stack.fake.user(user_id).name,
        team_id=stack.fake.identity.team_id,
        channel_id=channel_id,
        channel_name=stack.fake.channel(channel_id).name,
        message_ts=ts,
        action_id=action_id,
        block_id="approval.actions",
        value=approval_id,
        response_url=stack.agent.response_url(url_id),
        trigger_id=stack.fake.issue_trigger(user_id=user_id),
    )
    return await stack.agent.post_signed(body)


async def card_ts_known(stack: Stack, approval_id: str) -> str:
    """The card's ts, once the bot has stored it (right after Slack answered the post)."""
    for _ in range(100):
        a = stack.c.store.approvals.get(approval_id)
        if a is not None and a.message_ts:
            return a.message_ts
        await asyncio.sleep(0.02)
    raise AssertionError("the card's ts was never stored")


async def assert_refused_and_unchanged(
    stack: Stack, approval_id: str, user_id: str, action_id: str
) -> None:
    await wait_ephemeral(stack.fake, user_id, NOT_THIS_CARD)
    assert_undecided(stack, approval_id)
    assert (user_id, action_id, "refused_wrong_card") in audit_steps(stack.c, approval_id)
    assert stack.fake.views() == []
    assert await stack.actions_sent() == []


@pytest.mark.parametrize(
    ("action_id", "user_id"), [(APPROVE, LEAD1), (REJECT, LEAD1), (CANCEL, DEV)], ids=str
)
async def test_a_click_from_another_channel_is_refused(
    stack: Stack, action_id: str, user_id: str
) -> None:
    approval_id, message = await request_change(stack)

    r = await click_from(
        stack, approval_id, action_id, user_id=user_id, channel_id=ELSEWHERE, ts=message.ts
    )

    assert r.status_code == 200
    await assert_refused_and_unchanged(stack, approval_id, user_id, action_id)


@pytest.mark.parametrize(("action_id", "user_id"), [(APPROVE, LEAD1), (REJECT, LEAD1)], ids=str)
async def test_a_click_on_another_message_of_the_channel_is_refused(
    stack: Stack, action_id: str, user_id: str
) -> None:
    approval_id, _ = await request_change(stack)
    card_ts = await card_ts_known(stack, approval_id)
    other_ts = f"{float(card_ts) + 1:.6f}"

    r = await click_from(
        stack, approval_id, action_id, user_id=user_id, channel_id=CHANNEL, ts=other_ts
    )

    assert r.status_code == 200
    await assert_refused_and_unchanged(stack, approval_id, user_id, action_id)


async def test_a_reason_modal_naming_another_channel_is_refused(stack: Stack) -> None:
    approval_id, message = await request_change(stack)
    await stack.agent.click(message, REJECT, user_id=LEAD1)
    (opened,) = await stack.fake.wait_for(lambda f: f.views(LEAD1))
    me = stack.fake.identity
    view = opened.to_api(team_id=me.team_id, app_id=me.app_id, bot_id=me.bot_id)
    meta = orjson.loads(view["private_metadata"])
    assert meta["channel_id"] == CHANNEL
    view["private_metadata"] = orjson.dumps(meta | {"channel_id": ELSEWHERE}).decode()
    tampered = view_submission_body(
        user_id=LEAD1,
        user_name=stack.fake.user(LEAD1).name,
        team_id=me.team_id,
        view=view,
        values=reason_values("moved elsewhere"),
        trigger_id=stack.fake.issue_trigger(user_id=LEAD1),
    )

    assert (await stack.agent.post_signed(tampered)).status_code == 200

    await wait_ephemeral(stack.fake, LEAD1, NOT_THIS_CARD)
    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert a.state is ApprovalState.PENDING
    assert (LEAD1, "approval.reject", "refused_wrong_card") in audit_steps(stack.c, approval_id)

    # The modal as Slack keeps it still rejects, with its reason.
    await stack.agent.submit_view(opened, values=reason_values("month-end close"))
    await wait_card(stack.fake, approval_id, "Rejected", "month-end close")
