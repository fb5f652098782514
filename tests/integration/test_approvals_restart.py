"""A restart between "approved" and the API's answer ends in exactly one action.

The bot is a real server on a database file; "restart" is a shutdown (pending work cancelled
after the grace period, as on SIGTERM) and a fresh container on the same file, whose start-up
runs `approvals.resume`. The simulator lives through both and counts what it ran.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from oec_chatops.clock import ManualClock
from oec_chatops.domain import ApprovalState
from oec_chatops.store import Store
from tests.support.approval_helpers import (
    APPROVE,
    PROD,
    World,
    actions_with_key,
    audit_rows,
    bot,
    policy_text,
    request_change,
    wait_card,
    world,
)
from tests.support.stack import LEAD1

HOUR = 3600.0


async def eventually(check: Callable[[], Awaitable[bool]], *, timeout: float = 5.0) -> None:
    """Wait for something only the simulator knows (it has no change feed to wait on)."""
    async with asyncio.timeout(timeout):
        # The simulator signals nothing when a request arrives, so its log is polled.
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def approval_state(w: World, approval_id: str) -> ApprovalState:
    """The request's state as the database holds it while no bot runs."""
    store = Store(w.db)
    try:
        a = store.approvals.get(approval_id)
        assert a is not None
        return a.state
    finally:
        store.close()


def drive(w: World, approval_id: str, *targets: ApprovalState, at: float | None = None) -> None:
    """Move a request along with the store's conditional transitions, as the service does
    (vote, pending → approved, approved → executing), while no bot runs."""
    store = Store(w.db)
    now = time.time() if at is None else at
    try:
        with store.tx():
            assert store.approvals.add_vote(approval_id, LEAD1, now)
            current = ApprovalState.PENDING
            for target in targets:
                assert store.approvals.transition(
                    approval_id, from_states=[current], to=target, now=now
                )
                current = target
    finally:
        store.close()


async def test_shutdown_during_the_api_call_then_resume_runs_it_once(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        env_id = next(
            e.id
            for p in w.sim.projects.values()
            if p.slug == "acme-shop"
            for e in w.sim.environments_of(p.id)
            if e.name == "production"
        )
        tasks_before = len(w.sim.tasks_of(env_id))

        async with bot(w, grace=0.2) as first:
            approval_id, message = await request_change(first)
            # oec.sh takes the request, then answers slowly: the bot stops before the answer.
            await w.sim_faults(latency_ms=1500)
            await first.agent.click(message, APPROVE, user_id=LEAD1)

            async def reached() -> bool:
                return bool(actions_with_key(await w.sim_requests(), approval_id))

            await eventually(reached)
        assert approval_state(w, approval_id) is ApprovalState.EXECUTING
        assert len(w.sim.tasks_of(env_id)) == tasks_before + 1

        await w.sim_faults(latency_ms=0)
        async with bot(w) as second:
            await wait_card(w.fake, approval_id, "has started", "<@U0LEAD1>", timeout=10)
            a = second.c.store.approvals.get(approval_id)
            assert a is not None
            assert a.state is ApprovalState.DONE

            # The resumed call asked with the same key and got the first call's task back.
            asked = actions_with_key(await w.sim_requests(), approval_id)
            assert len(asked) == 2
            assert asked[-1]["status"] == 202
            tasks = w.sim.tasks_of(env_id)
            assert len(tasks) == tasks_before + 1
            assert a.task_id in {t.id for t in tasks}
            done = [r for r in audit_rows(second.c, approval_id) if r.result == "done"]
            assert [r.detail.get("resumed") for r in done] == [True]


async def test_restart_after_approved_before_the_call(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        async with bot(w) as first:
            approval_id, _ = await request_change(first)
        drive(w, approval_id, ApprovalState.APPROVED)

        async with bot(w) as second:
            await wait_card(w.fake, approval_id, "has started", timeout=10)
            a = second.c.store.approvals.get(approval_id)
            assert a is not None
            assert a.state is ApprovalState.DONE
        assert len(actions_with_key(await w.sim_requests(), approval_id)) == 1


async def test_restart_while_executing_when_the_call_never_left(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        async with bot(w) as first:
            approval_id, _ = await request_change(first)
        drive(w, approval_id, ApprovalState.APPROVED, ApprovalState.EXECUTING)

        async with bot(w) as second:
            await wait_card(w.fake, approval_id, "has started", timeout=10)
            a = second.c.store.approvals.get(approval_id)
            assert a is not None
            assert a.state is ApprovalState.DONE
        sent = actions_with_key(await w.sim_requests(), approval_id)
        assert len(sent) == 1
        assert sent[0]["path"].endswith("/deploy")


async def test_two_restarts_still_one_action(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        async with bot(w) as first:
            approval_id, _ = await request_change(first, f"restart {PROD}")
        drive(w, approval_id, ApprovalState.APPROVED, ApprovalState.EXECUTING)
        async with bot(w):
            await wait_card(w.fake, approval_id, "has started", timeout=10)
        async with bot(w) as third:
            await third.agent.command("approvals", user_id=LEAD1, channel_id="C0DEPLOYS")
            await w.fake.wait_for(lambda f: f.ephemerals(LEAD1))
        assert len(actions_with_key(await w.sim_requests(), approval_id)) == 1


async def test_executing_older_than_the_key_lifetime_is_not_sent_blindly(tmp_path: Path) -> None:
    clock = ManualClock(start=time.time())
    async with world(tmp_path) as w:
        async with bot(w, clock=clock) as first:
            approval_id, _ = await request_change(first)
        drive(w, approval_id, ApprovalState.APPROVED, ApprovalState.EXECUTING)

        clock.advance(25 * HOUR)
        async with bot(w, clock=clock) as second:
            failed = await wait_card(w.fake, approval_id, "failed", "was not sent again")
            assert "/oec status" in str(failed.blocks)
            a = second.c.store.approvals.get(approval_id)
            assert a is not None
            assert a.state is ApprovalState.FAILED
            results = [r.result for r in audit_rows(second.c, approval_id)]
            assert results[-1] == "unconfirmed"
        assert actions_with_key(await w.sim_requests(), approval_id) == []


async def test_a_long_lived_request_approved_late_is_still_resumed(tmp_path: Path) -> None:
    """The key's lifetime counts from when the action was sent, not from the request."""
    clock = ManualClock(start=time.time())
    policy = policy_text(expires="3d")
    async with world(tmp_path) as w:
        async with bot(w, clock=clock, policy=policy) as first:
            approval_id, _ = await request_change(first)
        clock.advance(30 * HOUR)  # the request waited more than a day for its approver
        drive(w, approval_id, ApprovalState.APPROVED, ApprovalState.EXECUTING, at=clock.time())

        clock.advance(1 * HOUR)  # the bot died mid-call and restarts an hour later
        async with bot(w, clock=clock, policy=policy) as second:
            await wait_card(w.fake, approval_id, "has started", timeout=10)
            a = second.c.store.approvals.get(approval_id)
            assert a is not None
            assert a.state is ApprovalState.DONE
        assert len(actions_with_key(await w.sim_requests(), approval_id)) == 1
