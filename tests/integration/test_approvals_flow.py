"""A production change waits for an approver: request, approve, execute once, card and deployment
message tell the story. Signed slash commands and clicks in, assertions on the fake Slack and the
simulator."""

from __future__ import annotations

from pathlib import Path

from oec_chatops.domain import ApprovalState
from oec_chatops.playground import FakeSlack, find_button
from tests.support.approval_helpers import (
    APPROVE,
    CANCEL,
    PROD,
    REJECT,
    actions_with_key,
    assert_undecided,
    audit_steps,
    build_with,
    card,
    flat,
    policy_text,
    request_change,
    wait_card,
    wait_ephemeral,
)
from tests.support.stack import CHANNEL, DEV, LEAD1, LEAD2, Stack, running_stack
from tests.support.stepped_clock import SteppedClock


async def test_deploy_to_production_waits_for_approval_then_runs_once(
    stepped_stack: Stack, stepped: SteppedClock
) -> None:
    """Given a deploy to production, it waits as a card until an approver approves; then it
    runs once and is tracked to completed like any other (its minutes moved on the clock)."""
    stack = stepped_stack
    approval_id, message = await request_change(stack)

    # Nothing reached oec.sh: the request only exists as a card.
    assert await stack.actions_sent() == []
    shown = flat(message.blocks)
    for needle in ("<@U0DEV1>", "deploy", PROD, "fixing invoice totals", "Expires", "0/1"):
        assert needle in shown, needle
    for action_id in (APPROVE, REJECT, CANCEL):
        assert find_button(message.blocks, action_id)[1]["value"] == approval_id
    await wait_ephemeral(stack.fake, DEV, "waits for an approval")

    r = await stack.agent.click(message, APPROVE, user_id=LEAD1)
    assert r.status_code == 200

    done = await wait_card(stack.fake, approval_id, "has started", "<@U0LEAD1>", timeout=10)
    assert done.ts == message.ts  # updated in place
    assert "approval.approve" not in flat(done.blocks)  # no buttons once decided

    sent = await stack.actions_sent()
    assert len(sent) == 1
    assert sent[0]["idempotency_key"] == approval_id
    assert sent[0]["path"].endswith(f"/environments/{stack.env_id(PROD)}/deploy")

    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert a.state is ApprovalState.DONE
    assert a.task_id

    # The deployment is tracked like any other: one living message, to completed.
    def completed(f: FakeSlack) -> bool:
        msgs = [
            m
            for m in f.messages(CHANNEL, include_replies=False)
            if ((m.metadata or {}).get("event_payload") or {}).get("key") == f"dep:{a.task_id}"
        ]
        return len(msgs) == 1 and "completed" in flat(msgs[0].blocks).lower()

    await stepped.until(lambda: completed(stack.fake))
    deployment = stack.c.store.deployments.get(a.task_id)
    assert deployment is not None
    assert deployment.approval_id == approval_id
    assert deployment.requested_by == DEV

    steps = audit_steps(stack.c, approval_id)
    assert steps[0] == (DEV, "approval.requested", "pending")
    assert steps[1:] == [
        (LEAD1, "approval.vote", "approved"),
        ("bot", "approval.execute", "started"),
        (DEV, "action.deploy", "accepted"),
        ("bot", "approval.execute", "done"),
    ]
    assert len(await stack.actions_sent()) == 1


async def test_two_approvers_required(tmp_path: Path) -> None:
    async with running_stack(tmp_path, build=build_with(policy=policy_text(approvals=2))) as s:
        approval_id, message = await request_change(s)
        assert "0/2" in flat(message.blocks)

        await s.agent.click(message, APPROVE, user_id=LEAD1)
        counted = await wait_card(s.fake, approval_id, "1/2", "<@U0LEAD1>")
        assert "approval.approve" in flat(counted.blocks)  # still open
        assert await s.actions_sent() == []

        # The same person again: refused, nothing changes.
        await s.agent.click(counted, APPROVE, user_id=LEAD1)
        await wait_ephemeral(s.fake, LEAD1, "already approved")
        a = s.c.store.approvals.get(approval_id)
        assert a is not None
        assert a.state is ApprovalState.PENDING
        assert a.approvers == (LEAD1,)

        await s.agent.click(counted, APPROVE, user_id=LEAD2)
        await wait_card(s.fake, approval_id, "has started", "<@U0LEAD1>", "<@U0LEAD2>", timeout=10)
        sent = await s.actions_sent()
        assert [r["idempotency_key"] for r in sent] == [approval_id]

        steps = audit_steps(s.c, approval_id)
        assert (LEAD1, "approval.vote", "counted") in steps
        assert (LEAD1, "approval.vote", "refused_duplicate") in steps
        assert (LEAD2, "approval.vote", "approved") in steps


async def test_self_approval_refused(stack: Stack) -> None:
    approval_id, message = await request_change(stack, user_id=LEAD1)
    await stack.agent.click(message, APPROVE, user_id=LEAD1)
    await wait_ephemeral(stack.fake, LEAD1, "your own request")

    assert_undecided(stack, approval_id)
    assert card(stack.fake, approval_id) == message  # not touched
    assert await stack.actions_sent() == []
    assert (LEAD1, "approval.approve", "refused") in audit_steps(stack.c, approval_id)

    # Another approver can still approve it.
    await stack.agent.click(message, APPROVE, user_id=LEAD2)
    await wait_card(stack.fake, approval_id, "has started", "<@U0LEAD2>", timeout=10)
    assert len(actions_with_key(await stack.sim_requests(), approval_id)) == 1


async def test_non_approver_refused(stack: Stack) -> None:
    approval_id, message = await request_change(stack)
    for who in ("U0DEV2", DEV, "U0VIEWER"):
        await stack.agent.click(message, APPROVE, user_id=who)
        await wait_ephemeral(stack.fake, who, "only approvers and admins can approve")
        await stack.agent.click(message, REJECT, user_id=who)
        await wait_ephemeral(stack.fake, who, "only approvers and admins can reject")

    assert_undecided(stack, approval_id)
    assert card(stack.fake, approval_id) == message
    assert stack.fake.views() == []
    assert await stack.actions_sent() == []
    steps = audit_steps(stack.c, approval_id)
    assert ("U0DEV2", "approval.approve", "refused") in steps
    assert ("U0DEV2", "approval.reject", "refused_not_approver") in steps


async def test_admin_may_approve(stack: Stack) -> None:
    approval_id, message = await request_change(stack)
    await stack.agent.click(message, APPROVE, user_id="U0ADMIN")
    await wait_card(stack.fake, approval_id, "has started", "<@U0ADMIN>", timeout=10)
    assert len(actions_with_key(await stack.sim_requests(), approval_id)) == 1
