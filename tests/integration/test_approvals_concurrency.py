"""Fifty approvers click Approve on one request at the same instant: exactly one action reaches
oec.sh, and the votes stop at the quorum."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from oec_chatops.domain import ApprovalState
from oec_chatops.playground import FakeSlack
from tests.support.approval_helpers import (
    APPROVE,
    actions_with_key,
    audit_steps,
    build_with,
    policy_text,
    request_change,
    wait_card,
)
from tests.support.stack import running_stack

CROWD = [f"U0APR{i:02d}" for i in range(50)]


@pytest.mark.parametrize("required", [1, 3])
async def test_fifty_concurrent_approvals_execute_once(tmp_path: Path, required: int) -> None:
    policy = policy_text(approvals=required, extra_approvers=CROWD)
    async with running_stack(tmp_path, build=build_with(policy=policy)) as s:
        for i, user_id in enumerate(CROWD):
            s.fake.add_user(user_id, f"approver{i:02d}")
        approval_id, message = await request_change(s)

        answers = await asyncio.gather(*(s.agent.click(message, APPROVE, user_id=u) for u in CROWD))
        assert {r.status_code for r in answers} == {200}

        await wait_card(s.fake, approval_id, "has started", f"{required}/{required}", timeout=15)
        # Every click that did not count was told so.
        refused = required - len(CROWD)

        def everyone_answered(f: FakeSlack) -> bool:
            told = {e.user_id for e in f.ephemerals() if e.user_id in CROWD}
            return len(told) == -refused

        await s.fake.wait_for(everyone_answered, timeout=10)

        assert len(actions_with_key(await s.sim_requests(), approval_id)) == 1
        assert len(await s.actions_sent()) == 1
        a = s.c.store.approvals.get(approval_id)
        assert a is not None
        assert a.state is ApprovalState.DONE
        assert len(a.approvers) == required
        assert set(a.approvers) <= set(CROWD)
        steps = [step for step in audit_steps(s.c, approval_id) if step[0] in CROWD]
        assert sum(1 for v in steps if v[1:] == ("approval.vote", "approved")) == 1
        assert sum(1 for v in steps if v[1:] == ("approval.vote", "counted")) == required - 1
        assert sum(1 for v in steps if v[2].startswith("refused_")) == len(CROWD) - required
