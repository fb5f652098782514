"""An approved request that oec.sh refuses ends `failed`, says why on the card, and is never
retried behind anyone's back."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

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
from tests.support.stack import LEAD1, LEAD2, RW_KEY, running_stack, sim_settings


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


async def test_api_unavailable_fails_after_the_clients_retries(tmp_path: Path) -> None:
    clock = ManualClock(start=time.time())  # the client's retry waits pass at once
    async with running_stack(tmp_path, build=build_with(clock=clock)) as s:
        approval_id, message = await request_change(s)
        tasks_before = len(s.sim.tasks_of(s.env_id(PROD)))
        await s.sim_faults(error_next=100)

        await s.agent.click(message, APPROVE, user_id=LEAD1)
        await wait_card(s.fake, approval_id, "failed", "HTTP 503")
        a = s.c.store.approvals.get(approval_id)
        assert a is not None
        assert a.state is ApprovalState.FAILED

        # Every try carried the approval id, so none of them could have run it twice.
        tries = actions_with_key(await s.sim_requests(), approval_id)
        assert len(tries) >= 2
        assert {t["status"] for t in tries} == {503}
        assert len(s.sim.tasks_of(s.env_id(PROD))) == tasks_before
