"""Reject (with and without the reason modal), cancel, clicks after the end, forged and unknown
clicks, and `/oec approvals`: every path that must not reach oec.sh."""

from __future__ import annotations

from oec_chatops.domain import ApprovalState
from oec_chatops.playground import FakeSlack, block_actions_body
from tests.support.approval_helpers import (
    APPROVE,
    CANCEL,
    PROD,
    REJECT,
    approved_and_run,
    assert_undecided,
    audit_steps,
    card,
    flat,
    reason_values,
    request_change,
    wait_card,
    wait_ephemeral,
)
from tests.support.stack import CHANNEL, DEV, LEAD1, LEAD2, Stack


async def test_reject_asks_for_a_reason_in_a_modal(stack: Stack) -> None:
    approval_id, message = await request_change(stack)
    r = await stack.agent.click(message, REJECT, user_id=LEAD1)
    assert r.status_code == 200

    views = await stack.fake.wait_for(lambda f: f.views(LEAD1))
    assert len(views) == 1
    assert PROD in flat(views[0].view["blocks"])
    # The modal alone decides nothing.
    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert a.state is ApprovalState.PENDING

    r = await stack.agent.submit_view(views[0], values=reason_values("month-end close is running"))
    assert r.status_code == 200
    assert stack.fake.view(views[0].view_id).closed

    rejected = await wait_card(
        stack.fake, approval_id, "Rejected", "<@U0LEAD1>", "month-end close is running"
    )
    assert rejected.ts == message.ts
    assert "approval.approve" not in flat(rejected.blocks)
    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert a.state is ApprovalState.REJECTED
    assert a.decided_by == LEAD1
    assert a.decision_note == "month-end close is running"
    assert await stack.actions_sent() == []
    assert (LEAD1, "approval.reject", "rejected") in audit_steps(stack.c, approval_id)

    # The card in people's clients still has buttons: any click now is explained, not applied.
    await stack.agent.click(message, APPROVE, user_id=LEAD2)
    await wait_ephemeral(stack.fake, LEAD2, "already rejected")
    await stack.agent.click(message, CANCEL, user_id=DEV)
    await wait_ephemeral(stack.fake, DEV, "already rejected")
    assert await stack.actions_sent() == []
    assert card(stack.fake, approval_id) == rejected
    steps = audit_steps(stack.c, approval_id)
    assert (LEAD2, "approval.approve", "refused_rejected") in steps
    assert (DEV, "approval.cancel", "refused_rejected") in steps


async def test_reject_without_a_modal_when_slack_cannot_open_one(stack: Stack) -> None:
    approval_id, message = await request_change(stack)
    stack.fake.fail("views.open", error="expired_trigger_id")
    await stack.agent.click(message, REJECT, user_id=LEAD2)

    await wait_card(stack.fake, approval_id, "Rejected", "<@U0LEAD2>")
    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert a.state is ApprovalState.REJECTED
    assert a.decision_note is None
    assert stack.fake.views() == []
    assert await stack.actions_sent() == []


async def test_reject_modal_submitted_after_the_request_was_approved(stack: Stack) -> None:
    approval_id, message = await request_change(stack)
    await stack.agent.click(message, REJECT, user_id=LEAD1)
    views = await stack.fake.wait_for(lambda f: f.views(LEAD1))

    await stack.agent.click(message, APPROVE, user_id=LEAD2)
    await wait_card(stack.fake, approval_id, "has started", timeout=10)

    await stack.agent.submit_view(views[0], values=reason_values("too late"))
    await wait_ephemeral(stack.fake, LEAD1, "already")
    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert a.state is ApprovalState.DONE
    assert a.decision_note is None
    assert len(await stack.actions_sent()) == 1


async def test_reject_click_on_a_decided_request_opens_no_modal(stack: Stack) -> None:
    _, message = await approved_and_run(stack, LEAD2)

    await stack.agent.click(message, REJECT, user_id=LEAD1)
    await wait_ephemeral(stack.fake, LEAD1, "already done")
    assert stack.fake.views() == []


async def test_cancel_by_the_requester(stack: Stack) -> None:
    approval_id, message = await request_change(stack)

    for who in (LEAD2, "U0DEV2"):
        await stack.agent.click(message, CANCEL, user_id=who)
        await wait_ephemeral(stack.fake, who, "only the requester")
    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert a.state is ApprovalState.PENDING
    assert card(stack.fake, approval_id) == message

    await stack.agent.click(message, CANCEL, user_id=DEV)
    await wait_card(stack.fake, approval_id, "Cancelled", "<@U0DEV1>")
    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert a.state is ApprovalState.CANCELLED
    assert a.decided_by == DEV

    await stack.agent.click(message, APPROVE, user_id=LEAD1)
    await wait_ephemeral(stack.fake, LEAD1, "already cancelled")
    assert await stack.actions_sent() == []
    steps = audit_steps(stack.c, approval_id)
    assert (LEAD2, "approval.cancel", "refused_not_requester") in steps
    assert (DEV, "approval.cancel", "cancelled") in steps
    assert (LEAD1, "approval.approve", "refused_cancelled") in steps


async def test_click_after_done_runs_nothing_again(stack: Stack) -> None:
    _, message = await approved_and_run(stack, LEAD1)

    await stack.agent.click(message, APPROVE, user_id=LEAD2)
    await wait_ephemeral(stack.fake, LEAD2, "already done")
    await stack.agent.click(message, APPROVE, user_id=LEAD1)
    await wait_ephemeral(stack.fake, LEAD1, "already done")
    assert len(await stack.actions_sent()) == 1


def forged_click(stack: Stack, *, user_id: str, approval_id: str, message_ts: str) -> bytes:
    me = stack.fake.identity
    return block_actions_body(
        user_id=user_id,
        user_name=stack.fake.user(user_id).name,
        team_id=me.team_id,
        channel_id=CHANNEL,
        channel_name="deploys",
        message_ts=message_ts,
        action_id=APPROVE,
        block_id="approval.actions",
        value=approval_id,
        response_url=stack.agent.response_url("none"),
        trigger_id="13345224609.738474920.8088930838d88f008e0",
    )


async def test_tampered_click_is_refused_and_changes_nothing(stack: Stack) -> None:
    approval_id, message = await request_change(stack)
    calls_before = len(stack.fake.calls())
    audit_before = audit_steps(stack.c, approval_id)

    # Signed for a viewer's click, then the user swapped for an approver's: the signature no
    # longer matches the bytes.
    signed_for = forged_click(stack, user_id="U0VIEWER", approval_id=approval_id, message_ts="1")
    tampered = signed_for.replace(b"U0VIEWER", b"U0LEAD1", 1)
    assert tampered != signed_for
    headers = {**_signature_of(stack, signed_for)}
    r = await stack.agent.post_signed(tampered, headers=headers)
    assert r.status_code == 401

    # No signature that Slack would make at all.
    body = forged_click(stack, user_id=LEAD1, approval_id=approval_id, message_ts=message.ts)
    r = await stack.agent.post_signed(body, headers={"X-Slack-Signature": "v0=" + "0" * 64})
    assert r.status_code == 401

    assert_undecided(stack, approval_id)
    assert audit_steps(stack.c, approval_id) == audit_before
    assert len(stack.fake.calls()) == calls_before
    assert await stack.actions_sent() == []


def _signature_of(stack: Stack, body: bytes) -> dict[str, str]:
    from oec_chatops.playground import SlackSigner
    from tests.support.stack import SIGNING_SECRET

    return SlackSigner(SIGNING_SECRET).headers(body)


async def test_unknown_request_id_does_not_exist(stack: Stack) -> None:
    approval_id, message = await request_change(stack)
    r = await stack.agent.click(message, APPROVE, user_id=LEAD1, value="no-such-request")
    assert r.status_code == 200
    await wait_ephemeral(stack.fake, LEAD1, "does not exist")

    assert_undecided(stack, approval_id)
    assert card(stack.fake, approval_id) == message
    assert await stack.actions_sent() == []
    unknown = [r for r in stack.c.store.audit.recent() if r.result == "unknown_request"]
    assert [(r.actor, r.action) for r in unknown] == [(LEAD1, "approval.approve")]


async def test_approvals_lists_pending_requests_of_the_channel(stack: Stack) -> None:
    first, _ = await request_change(stack)
    second, _ = await request_change(stack, "restart globex-erp/production -- stuck workers")
    ended, ended_card = await request_change(stack, f"stop {PROD}")
    await stack.agent.click(ended_card, CANCEL, user_id=DEV)
    await wait_card(stack.fake, ended, "Cancelled")
    r = await stack.agent.command(f"deploy {PROD}", user_id=DEV, channel_id="C0GENERAL")
    assert r.status_code == 200
    elsewhere = await stack.fake.wait_for(
        lambda f: [m for m in f.messages("C0GENERAL") if "Approval" in m.text]
    )
    assert elsewhere

    await stack.agent.command("approvals", user_id="U0VIEWER", channel_id=CHANNEL)

    def listing(f: FakeSlack) -> str | None:
        for e in f.ephemerals("U0VIEWER", channel=CHANNEL):
            if "Approval requests" in flat(e.blocks):
                return flat(e.blocks)
        return None

    shown = await stack.fake.wait_for(listing)
    assert "Approval requests (2)" in shown
    assert first[:8] in shown  # the short ids: the listing is read, not typed from
    assert second[:8] in shown
    assert first not in shown
    assert ended[:8] not in shown
    assert "stuck workers" in shown
    assert "globex-erp/production" in shown
