"""Every click is acked within Slack's 3 s, whatever Slack's other methods do meanwhile.

A fake Slack whose `views.open`, `usergroups.list` or `auth.test` hangs (`HeldMethods`): the
click's HTTP answer must not wait for them. What the click then cannot do is said to the clicker
in an ephemeral message, and nothing is decided on a guess.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.domain import ApprovalState
from oec_chatops.playground import Message
from oec_chatops.services.directory import CACHE_SECONDS
from tests.support.approval_helpers import (
    APPROVE,
    REJECT,
    audit_steps,
    build_with,
    request_change,
    wait_card,
    wait_ephemeral,
)
from tests.support.slack_holds import stack_with_holds
from tests.support.stack import LEAD1, Stack

SLACK_LIMIT = 3.0


async def timed_click(
    stack: Stack, message: Message, action_id: str
) -> tuple[httpx.Response, float]:
    """LEAD1 clicks; the answer and how long it took. Slack gives up after 3 s, and so do we."""
    started = time.monotonic()
    r = await asyncio.wait_for(
        stack.agent.click(message, action_id, user_id=LEAD1), timeout=SLACK_LIMIT
    )
    return r, time.monotonic() - started


async def assert_told_and_still_pending(stack: Stack, approval_id: str) -> None:
    await wait_ephemeral(stack.fake, LEAD1, "nothing was rejected", timeout=5)
    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert a.state is ApprovalState.PENDING
    assert [s for s in audit_steps(stack.c, approval_id) if s[1] == "approval.reject"] == []
    assert await stack.actions_sent() == []


@pytest.mark.parametrize("fault", ["hangs", "loses_its_connection"])
async def test_a_reject_click_is_acked_at_once_while_views_open(tmp_path: Path, fault: str) -> None:
    async with stack_with_holds(tmp_path) as (stack, holds):
        approval_id, message = await request_change(stack)
        # No answer, or half of one: not an error Slack gave, so the modal may or may not be open.
        (holds.hold if fault == "hangs" else holds.cut)("views.open")

        r, took = await timed_click(stack, message, REJECT)

        assert r.status_code == 200
        assert took < 1.0, f"the ack took {took:.3f} s"
        print(f"reject ack while views.open {fault}: {took * 1000:.1f} ms")
        # Nothing is rejected on a guess, and the clicker is told what to do.
        await assert_told_and_still_pending(stack, approval_id)


async def test_a_reject_click_is_acked_at_once_while_usergroups_list_hangs(
    tmp_path: Path,
) -> None:
    clock = ManualClock(start=time.time())
    async with stack_with_holds(tmp_path, build=build_with(clock=clock)) as (stack, holds):
        approval_id, message = await request_change(stack)
        clock.advance(CACHE_SECONDS + 1)  # the groups are asked of Slack again on the click
        holds.hold("usergroups.list")

        r, took = await timed_click(stack, message, REJECT)

        assert r.status_code == 200
        assert took < 1.0, f"the ack took {took:.3f} s"
        await assert_told_and_still_pending(stack, approval_id)
        assert stack.fake.views() == []


async def test_a_click_is_acked_in_time_even_when_bolts_own_auth_test_hangs(
    tmp_path: Path,
) -> None:
    """Bolt asks `auth.test` on the first interaction before any listener runs; the door acks
    after its budget regardless, and the click is applied once Slack answers."""
    async with stack_with_holds(tmp_path) as (stack, holds):
        approval_id, message = await request_change(stack)
        holds.hold("auth.test")

        r, took = await timed_click(stack, message, APPROVE)

        assert r.status_code == 200
        assert took < SLACK_LIMIT - 0.5, f"the ack took {took:.3f} s"
        holds.release()
        await wait_card(stack.fake, approval_id, "has started", timeout=10)
        assert len(await stack.actions_sent()) == 1
