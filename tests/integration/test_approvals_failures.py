"""An approved request that oec.sh refuses ends `failed` and says why on the card; one that oec.sh
did not answer is asked again with the same key, never re-sent under a new one."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

from oec_chatops.clock import ManualClock
from oec_chatops.domain import ApprovalState
from tests.support.approval_helpers import (
    APPROVE,
    PROD,
    actions_with_key,
    audit_steps,
    build_with,
    request_change,
    wait_card,
    wait_ephemeral,
)
from tests.support.stack import LEAD1, LEAD2, RW_KEY, Stack, running_stack, sim_settings


async def test_another_task_running_fails_the_request(tmp_path: Path) -> None:
    async with running_stack(tmp_path, sim=sim_settings(task_seconds=60)) as s:
        approval_id, message = await request_change(s)
        # Someone deploys from the dashboard meanwhile.
        r = await s.http.post(
            f"{s.sim_url}/api/public/v1/environments/{s.env_id(PROD)}/deploy",
            headers={"Authorization": f"Bearer {RW_KEY}", "Idempotency-Key": str(uuid.uuid4())},
        )
        assert r.status_code == 202
        running = r.json()["task_id"]

        await s.agent.click(message, APPROVE, user_id=LEAD1)
        failed = await wait_card(s.fake, approval_id, "failed", "already running", running)
        assert failed.ts == message.ts
        a = s.c.store.approvals.get(approval_id)
        assert a is not None
        assert a.state is ApprovalState.FAILED
        assert a.task_id is None
        assert ("bot", "approval.execute", "failed") in audit_steps(s.c, approval_id)

        await s.agent.click(message, APPROVE, user_id=LEAD2)
        await wait_ephemeral(s.fake, LEAD2, "already failed")
        assert len(actions_with_key(await s.sim_requests(), approval_id)) == 1


async def test_api_unavailable_asks_again_with_the_same_key_then_fails(tmp_path: Path) -> None:
    """A 5xx is not a no (an earlier try may have landed): the request stays executing and is
    asked again on a schedule, always with its key; only then does it fail, saying it may
    have run."""
    clock = ManualClock(start=time.time())  # the client's retry waits pass at once
    async with running_stack(tmp_path, build=build_with(clock=clock)) as s:
        approval_id, message = await request_change(s)
        tasks_before = len(s.sim.tasks_of(s.env_id(PROD)))
        await s.sim_faults(error_next=1000)

        await s.agent.click(message, APPROVE, user_id=LEAD1)
        first = await _tries_at_least(s, approval_id, 2)
        a = s.c.store.approvals.get(approval_id)
        assert a is not None
        assert a.state is ApprovalState.EXECUTING

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # move the clock past every ask of the schedule
            a = s.c.store.approvals.get(approval_id)
            if a is not None and a.state is ApprovalState.FAILED:
                break
            clock.advance(600)
            s.c.expiry.wake()
            await asyncio.sleep(0.05)
        await wait_card(s.fake, approval_id, "failed", "may still have run")

        tries = actions_with_key(await s.sim_requests(), approval_id)
        assert len(tries) > len(first)
        assert {t["status"] for t in tries} == {503}
        assert len(s.sim.tasks_of(s.env_id(PROD))) == tasks_before
        steps = audit_steps(s.c, approval_id)
        assert ("bot", "approval.execute", "no_answer") in steps
        assert steps[-1] == ("bot", "approval.execute", "failed")


async def test_lost_answer_still_runs_exactly_once(tmp_path: Path) -> None:
    """oec.sh queues the deploy but the answer is lost (a gateway 504): the retry with the same
    key gets the original task back, so the card ends done with one task."""
    async with running_stack(tmp_path) as s:
        approval_id, message = await request_change(s)
        tasks_before = len(s.sim.tasks_of(s.env_id(PROD)))
        await s.sim_faults(lose_next_answers=1)

        await s.agent.click(message, APPROVE, user_id=LEAD1)
        await wait_card(s.fake, approval_id, "has started")
        tries = actions_with_key(await s.sim_requests(), approval_id)
        assert [t["status"] for t in tries][:2] == [504, 202]
        assert len(s.sim.tasks_of(s.env_id(PROD))) == tasks_before + 1
        a = s.c.store.approvals.get(approval_id)
        assert a is not None
        assert a.state is ApprovalState.DONE


async def test_no_answer_then_recovery_runs_once(tmp_path: Path) -> None:
    """Asked again after oec.sh came back, the request runs once and ends done."""
    clock = ManualClock(start=time.time())
    async with running_stack(tmp_path, build=build_with(clock=clock)) as s:
        approval_id, message = await request_change(s)
        tasks_before = len(s.sim.tasks_of(s.env_id(PROD)))
        await s.sim_faults(error_next=1000)
        await s.agent.click(message, APPROVE, user_id=LEAD1)
        await _tries_at_least(s, approval_id, 2)
        await s.sim_faults(error_next=0)

        clock.advance(20)
        s.c.expiry.wake()
        await wait_card(s.fake, approval_id, "has started")
        assert len(s.sim.tasks_of(s.env_id(PROD))) == tasks_before + 1
        assert ("bot", "approval.execute", "no_answer") in audit_steps(s.c, approval_id)


async def _tries_at_least(s: Stack, approval_id: str, n: int) -> list[dict[str, Any]]:
    for _ in range(200):
        tries = actions_with_key(await s.sim_requests(), approval_id)
        steps = audit_steps(s.c, approval_id)
        if len(tries) >= n and ("bot", "approval.execute", "no_answer") in steps:
            return tries
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {n} tries reached the simulator")
