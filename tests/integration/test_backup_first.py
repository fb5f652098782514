"""Policy `backup_before`: an approved change to a protected environment waits for a backup.

The whole stack on a `SteppedClock`: the simulator's backup task and the bot's polls move only
as the test moves time. What reached oec.sh is read from the simulator's request log (in
order), what people saw from the approval card at the fake Slack.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from oec_chatops.domain import ApprovalState
from oec_chatops.sim.seed import seed_id
from oec_chatops.store import Store
from tests.support.approval_helpers import (
    APPROVE,
    PROD,
    actions_with_key,
    bot,
    policy_text,
    request_change,
    wait_card,
    world,
)
from tests.support.commands_helpers import ask
from tests.support.stack import (
    ADMIN,
    LEAD1,
    RW_KEY,
    Stack,
    on_both_engines,
    running_stack,
    sim_settings,
)
from tests.support.stepped_clock import SteppedClock

PRODUCTION = seed_id("env/acme-shop/production")
BACKUP_FIRST = policy_text(backup_before=True, backup_timeout="5m")


def backup_posts(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        r
        for r in requests
        if r["method"] == "POST" and r["path"].endswith(f"/environments/{PRODUCTION}/backups")
    ]


@pytest.fixture
async def stack(tmp_path: Path, stepped: SteppedClock) -> AsyncIterator[Stack]:
    async with running_stack(
        tmp_path, clock=stepped, slack_clock=stepped, policy=BACKUP_FIRST
    ) as s:
        yield s


def state(stack: Stack, approval_id: str) -> ApprovalState | None:
    a = stack.c.store.approvals.get(approval_id)
    return a.state if a is not None else None


async def approve(stack: Stack, text: str = f"deploy {PROD} -- fixing invoice totals") -> str:
    approval_id, card = await request_change(stack, text)
    assert "a backup is taken first" in str(card.blocks)
    await stack.agent.click(card, APPROVE, user_id=LEAD1)
    return approval_id


@on_both_engines
async def test_the_backup_completes_then_the_change_is_sent(
    stack: Stack, stepped: SteppedClock
) -> None:
    approval_id = await approve(stack)

    await wait_card(stack.fake, approval_id, "Taking a backup first")
    assert actions_with_key(await stack.sim_requests(), approval_id) == []  # not yet
    await stepped.until(lambda: state(stack, approval_id) is ApprovalState.DONE)
    await wait_card(stack.fake, approval_id, "has started")

    requests = await stack.sim_requests()
    [backup] = backup_posts(requests)
    [deploy] = actions_with_key(requests, approval_id)
    assert backup["body"] == {"backup_type": "manual", "include_filestore": True}
    assert backup["seq"] < deploy["seq"]
    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert a.pre_backup_id is not None
    taken = stack.sim.backups.backups[a.pre_backup_id]
    assert taken.status(stack.sim.now()) == "completed"
    assert taken.task is not None
    assert taken.task.completed_at is not None
    # The change was sent only after the backup had completed, on the simulator's own clock.
    sent_task = stack.sim.tasks[a.task_id or ""]
    assert sent_task.timeline.queued_at >= taken.task.completed_at


async def test_a_freeze_that_began_during_the_backup_stops_the_change(
    stack: Stack, stepped: SteppedClock
) -> None:
    """Approved before the freeze, its backup still running when the freeze began: the change
    is not sent into the freeze, and the card says why."""
    approval_id = await approve(stack)
    await wait_card(stack.fake, approval_id, "Taking a backup first")
    frozen = await ask(stack, "freeze production for 2h -- payment incident", user_id=ADMIN)
    assert "frozen until" in frozen.text

    await stepped.until(lambda: state(stack, approval_id) is ApprovalState.FAILED)
    card = await wait_card(stack.fake, approval_id, "stopped", "the deploy was not sent")

    assert "a freeze or someone else's lock now forbids the change" in str(card.blocks)
    assert actions_with_key(await stack.sim_requests(), approval_id) == []
    assert len(backup_posts(await stack.sim_requests())) == 1


async def test_a_failed_backup_stops_the_change_and_the_card_says_why(
    stack: Stack, stepped: SteppedClock
) -> None:
    await stack.sim_faults(fail_next_backups=1)
    approval_id = await approve(stack, f"restart {PROD}")

    await stepped.until(lambda: state(stack, approval_id) is ApprovalState.FAILED)
    card = await wait_card(stack.fake, approval_id, "stopped", "the restart was not sent")

    assert "backup taken first ended failed" in str(card.blocks)
    assert actions_with_key(await stack.sim_requests(), approval_id) == []
    assert len(backup_posts(await stack.sim_requests())) == 1


async def test_a_backup_not_completed_in_time_stops_the_change(
    tmp_path: Path, stepped: SteppedClock
) -> None:
    async with running_stack(
        tmp_path,
        clock=stepped,
        slack_clock=stepped,
        policy=policy_text(backup_before=True, backup_timeout="2m"),
        sim=sim_settings(task_seconds=3600.0),
    ) as stack:
        approval_id = await approve(stack)
        await stepped.until(
            lambda: state(stack, approval_id) is ApprovalState.FAILED,
            step=5.0,
        )
        await wait_card(stack.fake, approval_id, "did not complete within 2m")
        assert actions_with_key(await stack.sim_requests(), approval_id) == []


async def test_a_protected_change_on_a_stack_without_the_option_takes_no_backup(
    tmp_path: Path,
) -> None:
    async with running_stack(tmp_path, policy=policy_text()) as stack:
        approval_id, card = await request_change(stack)
        await stack.agent.click(card, APPROVE, user_id=LEAD1)
        await wait_card(stack.fake, approval_id, "has started", timeout=10)
        assert backup_posts(await stack.sim_requests()) == []
        assert "a backup is taken first" not in str(card.blocks)


@on_both_engines
async def test_a_restart_while_waiting_for_the_backup_resumes_once(tmp_path: Path) -> None:
    clock = SteppedClock()
    async with world(tmp_path, clock=clock) as w:
        async with bot(w, clock=clock, policy=BACKUP_FIRST) as first:
            approval_id = await approve(first)
            await wait_card(w.fake, approval_id, "Taking a backup first", "(backup")
        assert len(backup_posts(await w.sim_requests())) == 1
        assert actions_with_key(await w.sim_requests(), approval_id) == []

        async with bot(w, clock=clock, policy=BACKUP_FIRST) as second:

            def done() -> bool:
                b = second.c.store.approvals.get(approval_id)
                return b is not None and b.state is ApprovalState.DONE

            await clock.until(done)
            await wait_card(w.fake, approval_id, "has started")

        requests = await w.sim_requests()
        assert len(backup_posts(requests)) == 1  # read again after the restart, not retaken
        assert len(actions_with_key(requests, approval_id)) == 1


async def test_without_backups_on_the_platform_the_request_is_refused(tmp_path: Path) -> None:
    """oCore keeps no backups: a change that would need one is refused before any card."""
    from tests.support.hosts import hosts_stack

    async with hosts_stack(tmp_path, policy=BACKUP_FIRST) as hosts:
        answer = await ask(hosts.stack, "restart ocore:eu-1/shop-prod", user_id="U0DEV1")
        assert "keeps no backups" in answer.text


async def test_a_backup_started_but_not_recorded_before_a_restart_is_adopted(
    tmp_path: Path,
) -> None:
    """The bot stopped after oec.sh took the backup but before its id was stored: the manual
    backup started since the request was approved is taken as that one, not a second."""
    clock = SteppedClock()
    async with world(tmp_path, clock=clock) as w:
        async with bot(w, clock=clock, policy=BACKUP_FIRST) as first:
            approval_id, _ = await request_change(first)
        store = Store(w.db)
        try:
            with store.tx():
                assert store.approvals.add_vote(approval_id, LEAD1, clock.time())
                for source, target in (
                    (ApprovalState.PENDING, ApprovalState.APPROVED),
                    (ApprovalState.APPROVED, ApprovalState.BACKING_UP),
                ):
                    assert store.approvals.transition(
                        approval_id, from_states=[source], to=target, now=clock.time()
                    )
        finally:
            store.close()
        lost = await w.http.post(
            f"{w.sim_url}/api/public/v1/environments/{PRODUCTION}/backups",
            json={"backup_type": "manual", "include_filestore": True},
            headers={"Authorization": f"Bearer {RW_KEY}"},
        )
        assert lost.status_code == 201

        async with bot(w, clock=clock, policy=BACKUP_FIRST) as second:

            def done() -> bool:
                b = second.c.store.approvals.get(approval_id)
                return b is not None and b.state is ApprovalState.DONE

            await clock.until(done)
            a = second.c.store.approvals.get(approval_id)
            assert a is not None
            assert a.pre_backup_id == lost.json()["id"]

        requests = await w.sim_requests()
        assert len(backup_posts(requests)) == 1  # the lost one only
        assert len(actions_with_key(requests, approval_id)) == 1


async def test_a_restore_of_a_protected_environment_takes_a_backup_first(
    stack: Stack, stepped: SteppedClock
) -> None:
    backup_id = stack.sim.backups.of(PRODUCTION, now=stack.sim.now())[0].id
    approval_id, card = await request_change(
        stack, f"restore {PROD} {backup_id[:8]}", user_id=ADMIN
    )
    assert "a backup is taken first" in str(card.blocks)
    await stack.agent.click(card, APPROVE, user_id=LEAD1)

    await stepped.until(lambda: state(stack, approval_id) is ApprovalState.DONE)

    requests = await stack.sim_requests()
    [taken] = backup_posts(requests)
    [restore] = [r for r in requests if r["path"].endswith(f"/backups/{backup_id}/restore")]
    assert taken["seq"] < restore["seq"]
    assert restore["idempotency_key"] == approval_id
