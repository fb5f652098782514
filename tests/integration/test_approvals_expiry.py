"""Expiry on an injected clock: the worker expires a request on time and updates its card, a late
click changes nothing, and a request that expired while the bot was down is expired at start."""

from __future__ import annotations

import time
from pathlib import Path

from oec_chatops.clock import ManualClock
from oec_chatops.domain import ApprovalState
from tests.support.approval_helpers import (
    APPROVE,
    CANCEL,
    REJECT,
    audit_steps,
    bot,
    build_with,
    card,
    flat,
    request_change,
    wait_card,
    wait_ephemeral,
    world,
)
from tests.support.stack import DEV, LEAD1, LEAD2, running_stack

MINUTE = 60.0


async def test_worker_expires_the_request_on_time(tmp_path: Path) -> None:
    clock = ManualClock(start=time.time())
    async with running_stack(tmp_path, build=build_with(clock=clock)) as s:
        approval_id, message = await request_change(s)
        assert "Expires" in flat(message.blocks)

        clock.advance(29 * MINUTE)
        assert s.c.approvals.steps.expire_due() == 0
        a = s.c.store.approvals.get(approval_id)
        assert a is not None
        assert a.state is ApprovalState.PENDING

        clock.advance(2 * MINUTE)
        s.c.expiry.wake()
        expired = await wait_card(s.fake, approval_id, "Expired", "0/1", "nothing was run")
        assert expired.ts == message.ts
        assert "approval.approve" not in flat(expired.blocks)
        a = s.c.store.approvals.get(approval_id)
        assert a is not None
        assert a.state is ApprovalState.EXPIRED

        # A stale card's buttons still send clicks: each is explained, none applied.
        for who, action_id in ((LEAD1, APPROVE), (LEAD2, REJECT), (DEV, CANCEL)):
            await s.agent.click(message, action_id, user_id=who)
            await wait_ephemeral(s.fake, who, "already expired")
        assert s.fake.views() == []
        assert card(s.fake, approval_id) == expired
        assert await s.actions_sent() == []
        steps = audit_steps(s.c, approval_id)
        assert ("bot", "approval.expire", "expired") in steps
        assert (LEAD1, "approval.approve", "refused_expired") in steps


async def test_click_after_expiry_but_before_the_sweep_is_refused(tmp_path: Path) -> None:
    clock = ManualClock(start=time.time())
    async with running_stack(tmp_path, build=build_with(clock=clock)) as s:
        approval_id, message = await request_change(s)
        clock.advance(31 * MINUTE)  # the worker is not woken: it sleeps on its own schedule

        await s.agent.click(message, APPROVE, user_id=LEAD1)
        await wait_ephemeral(s.fake, LEAD1, "already expired")
        await wait_card(s.fake, approval_id, "Expired")
        a = s.c.store.approvals.get(approval_id)
        assert a is not None
        assert a.state is ApprovalState.EXPIRED
        assert a.approvers == ()
        assert await s.actions_sent() == []


async def test_reject_click_after_expiry_opens_no_modal(tmp_path: Path) -> None:
    clock = ManualClock(start=time.time())
    async with running_stack(tmp_path, build=build_with(clock=clock)) as s:
        approval_id, message = await request_change(s)
        clock.advance(31 * MINUTE)
        await s.agent.click(message, REJECT, user_id=LEAD1)
        await wait_ephemeral(s.fake, LEAD1, "already expired")
        assert s.fake.views() == []
        a = s.c.store.approvals.get(approval_id)
        assert a is not None
        assert a.state is ApprovalState.EXPIRED


async def test_expired_while_the_bot_was_down(tmp_path: Path) -> None:
    clock = ManualClock(start=time.time())
    async with world(tmp_path) as w:
        async with bot(w, clock=clock) as first:
            approval_id, message = await request_change(first)
            other_id, _ = await request_change(first, "restart globex-erp/production")

        clock.advance(20 * MINUTE)
        async with bot(w, clock=clock) as second:
            # Not yet due: both survive the restart, and the second one can still be approved.
            await second.agent.click(card(w.fake, other_id) or message, APPROVE, user_id=LEAD1)
            await wait_card(w.fake, other_id, "has started", timeout=10)
            a = second.c.store.approvals.get(approval_id)
            assert a is not None
            assert a.state is ApprovalState.PENDING

        clock.advance(11 * MINUTE)
        async with bot(w, clock=clock) as third:
            expired = await wait_card(w.fake, approval_id, "Expired")
            assert expired.ts == message.ts  # the same card, updated by the new process
            await third.agent.click(message, APPROVE, user_id=LEAD2)
            await wait_ephemeral(w.fake, LEAD2, "already expired")
            assert ("bot", "approval.expire", "expired") in audit_steps(third.c, approval_id)

        sent = [r for r in await w.sim_requests() if r["method"] == "POST"]
        assert [r["idempotency_key"] for r in sent] == [other_id]
