"""Change control through the real stack: signed slash commands and clicks in, what the user
saw in the fake Slack and what reached the simulator out, time moved by a `ManualClock`.

Freezes refuse changes with their reason and end time; an admin's `--override` goes through an
approval and is audited; a request approved during a freeze waits and runs when it ends, or
expires if its time runs out first; locks keep an environment to their holder (and admins).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from oec_chatops.clock import ManualClock
from oec_chatops.domain import ApprovalState
from tests.support.approval_helpers import (
    APPROVE,
    audit_steps,
    build_with,
    policy_text,
    request_change,
    restarts_sent,
    wait_card,
    wait_ephemeral,
)
from tests.support.stack import (
    ADMIN,
    CHANNEL,
    DEV,
    LEAD1,
    VIEWER,
    Stack,
    on_both_engines,
    running_stack,
)

STAGING = "acme-shop/staging"
HOUR = 3600.0

BRUSSELS_NIGHTS = """
[[freeze]]
environments = ["staging"]
reason = "Overnight batch runs"
timezone = "Europe/Brussels"
days = ["sat"]
start_time = "22:00"
end_time = "06:00"
"""


@contextlib.asynccontextmanager
async def stack_on(
    tmp_path: Path, *, start: float | None = None, policy: str | None = None
) -> AsyncIterator[tuple[Stack, ManualClock]]:
    """The whole stack, its bot on a `ManualClock` from `start` (default: now)."""
    clock = ManualClock(start=time.time() if start is None else start)
    async with running_stack(tmp_path, build=build_with(clock=clock, policy=policy)) as s:
        yield s, clock


async def command(s: Stack, text: str, *, user_id: str) -> None:
    r = await s.agent.command(text, user_id=user_id, channel_id=CHANNEL)
    assert r.status_code == 200


def audit_of(s: Stack, action: str) -> list[tuple[str, str | None, str]]:
    """(actor, target, result) of the audit rows with this action, oldest first."""
    rows = s.c.store.audit.recent(limit=10_000)
    return [(r.actor, r.target, r.result) for r in reversed(rows) if r.action == action]


async def test_weekly_freeze_across_the_dst_night_refuses_then_lets_changes_through(
    tmp_path: Path,
) -> None:
    # Sunday 25 Oct 2026, 05:30 CET: summer time ended at 03:00; the window ends at 06:00 CET.
    start = datetime(2026, 10, 25, 4, 30, tzinfo=UTC).timestamp()
    async with stack_on(tmp_path, start=start, policy=policy_text() + BRUSSELS_NIGHTS) as (
        s,
        clock,
    ):
        await command(s, f"restart {STAGING} -- stuck worker", user_id=DEV)
        refusal = await wait_ephemeral(s.fake, DEV, "is frozen until")
        said = refusal.text + str(refusal.blocks)
        assert "Overnight batch runs" in said
        assert "Sun 25 Oct 2026 06:00 Europe/Brussels" in said
        assert "not sent" in said
        assert await s.actions_sent() == []
        assert audit_of(s, "change.refused") == [(DEV, STAGING, "frozen")]

        clock.advance(0.5 * HOUR)  # 06:00 CET: over (an eight-hour reading would say 05:00 UTC)
        await command(s, f"restart {STAGING} -- stuck worker, again", user_id=DEV)
        await restarts_sent(s, 1)


@on_both_engines
async def test_ad_hoc_freeze_refuses_with_reason_and_end_then_ends_by_itself(
    tmp_path: Path,
) -> None:
    async with stack_on(tmp_path) as (s, clock):
        await command(s, "freeze acme-shop/* for 2h -- stock count", user_id=DEV)
        await wait_ephemeral(s.fake, DEV, "needs the admin role")

        await command(s, "freeze acme-shop/* for 2h -- stock count", user_id=ADMIN)
        await wait_ephemeral(s.fake, ADMIN, "frozen until")
        (row,) = audit_of(s, "freeze.created")
        assert row == (ADMIN, "acme-shop/*", "ok")

        await command(s, f"restart {STAGING}", user_id=DEV)
        refusal = await wait_ephemeral(s.fake, DEV, "is frozen until")
        said = refusal.text + str(refusal.blocks)
        assert "stock count" in said
        ends = datetime.fromtimestamp(clock.time() + 2 * HOUR, UTC)
        assert f"{ends:%H:%M} UTC" in said
        assert "Only an admin can override" in said

        clock.advance(2 * HOUR + 1)  # no one lifts it: its end is enough
        await command(s, f"restart {STAGING} -- after the count", user_id=DEV)
        await restarts_sent(s, 1)


async def test_unfreeze_lifts_a_freeze_set_from_slack(tmp_path: Path) -> None:
    async with stack_on(tmp_path) as (s, _clock):
        await command(s, "freeze staging for 1d -- release train", user_id=ADMIN)
        await wait_ephemeral(s.fake, ADMIN, "frozen until")
        await command(s, "unfreeze staging", user_id=ADMIN)
        await wait_ephemeral(s.fake, ADMIN, "Lifted the freeze")
        assert audit_of(s, "freeze.lifted") == [(ADMIN, "staging", "ok")]
        await command(s, f"restart {STAGING}", user_id=DEV)
        await restarts_sent(s, 1)


async def test_admin_override_needs_an_approval_and_is_audited(tmp_path: Path) -> None:
    async with stack_on(tmp_path) as (s, _clock):
        await command(s, "freeze staging for 4h -- release train", user_id=ADMIN)
        await wait_ephemeral(s.fake, ADMIN, "frozen until")

        # Not an admin: refused, override or not.
        await command(s, f"restart {STAGING} --override -- hotfix", user_id=DEV)
        await wait_ephemeral(s.fake, DEV, "Only an admin can override")
        # An admin without --override is refused too, and told how.
        await command(s, f"restart {STAGING} -- hotfix", user_id=ADMIN)
        await wait_ephemeral(s.fake, ADMIN, "--override -- why it cannot wait")
        assert await s.actions_sent() == []

        # Staging is not protected, yet an override always waits for an approval.
        approval_id, message = await request_change(
            s, f"restart {STAGING} --override -- payment hotfix", user_id=ADMIN, notice="override"
        )
        await wait_card(s.fake, approval_id, "Freeze override", "payment hotfix")
        assert await s.actions_sent() == []
        assert audit_of(s, "freeze.override") == [(ADMIN, STAGING, "requested")]

        await s.agent.click(message, APPROVE, user_id=LEAD1)
        await wait_card(s.fake, approval_id, "has started", timeout=10)
        (sent,) = await restarts_sent(s, 1)
        assert sent["idempotency_key"] == approval_id
        assert (ADMIN, "approval.requested", "pending") in audit_steps(s.c, approval_id)
        assert audit_of(s, "change.refused") == [
            (DEV, STAGING, "override_denied"),
            (ADMIN, STAGING, "frozen"),
        ]


@on_both_engines
async def test_request_approved_during_a_freeze_waits_then_runs_when_it_ends(
    tmp_path: Path,
) -> None:
    async with stack_on(tmp_path) as (s, clock):
        approval_id, message = await request_change(s)  # before the freeze: a pending request
        await command(s, "freeze production for 20m -- incident", user_id=ADMIN)
        await wait_ephemeral(s.fake, ADMIN, "frozen until")

        await s.agent.click(message, APPROVE, user_id=LEAD1)
        await wait_card(
            s.fake, approval_id, "Approved", "waiting for the freeze to end", "incident"
        )
        a = s.c.store.approvals.get(approval_id)
        assert a is not None
        assert a.state is ApprovalState.WAITING
        assert await s.actions_sent() == []

        clock.advance(10 * 60)  # still frozen: still waiting, whatever the worker does
        await s.c.approvals.steps.sweep_waiting()
        assert await s.actions_sent() == []

        clock.advance(10 * 60 + 1)  # the freeze is over, the request has 10 minutes left
        s.c.expiry.wake()
        await wait_card(s.fake, approval_id, "has started", timeout=10)
        sent = [r for r in await s.actions_sent() if r.get("idempotency_key") == approval_id]
        assert len(sent) == 1
        steps = audit_steps(s.c, approval_id)
        assert ("bot", "approval.hold", "waiting") in steps
        assert ("bot", "approval.release", "approved") in steps


async def test_request_approved_during_a_freeze_expires_if_the_freeze_outlasts_it(
    tmp_path: Path,
) -> None:
    async with stack_on(tmp_path) as (s, clock):
        approval_id, message = await request_change(s)
        await command(s, "freeze production for 2h -- incident", user_id=ADMIN)
        await wait_ephemeral(s.fake, ADMIN, "frozen until")
        await s.agent.click(message, APPROVE, user_id=LEAD1)
        await wait_card(s.fake, approval_id, "waiting for the freeze to end")

        clock.advance(31 * 60)  # its 30 minutes are up, the freeze has 89 left
        s.c.expiry.wake()
        await wait_card(s.fake, approval_id, "Expired", "lasted past the request's expiry")
        a = s.c.store.approvals.get(approval_id)
        assert a is not None
        assert a.state is ApprovalState.EXPIRED
        clock.advance(2 * HOUR)  # after the freeze: an expired request stays expired
        await s.c.approvals.steps.sweep_waiting()
        assert await s.actions_sent() == []
        assert ("bot", "approval.expire", "expired_waiting") in audit_steps(s.c, approval_id)


@on_both_engines
async def test_lock_holder_others_and_admin(tmp_path: Path) -> None:
    async with stack_on(tmp_path) as (s, _clock):
        await command(s, f"lock {STAGING} -- migrating the database", user_id=DEV)
        await wait_ephemeral(s.fake, DEV, "when you are done")

        # Someone else: refused, told who holds it and why.
        await command(s, f"restart {STAGING}", user_id=LEAD1)
        refusal = await wait_ephemeral(s.fake, LEAD1, "not sent")
        said = refusal.text + str(refusal.blocks)
        assert f"<@{DEV}>" in said
        assert "migrating the database" in said
        await command(s, f"unlock {STAGING}", user_id=LEAD1)
        await wait_ephemeral(s.fake, LEAD1, "Nothing changed")
        assert await s.actions_sent() == []

        # `/oec status` shows the lock, to anyone who may look.
        await command(s, f"status {STAGING}", user_id=VIEWER)
        await wait_ephemeral(s.fake, VIEWER, "locked by")

        # The holder may change it; so may an admin (audited as passing someone's lock).
        await command(s, f"restart {STAGING} -- after the migration step", user_id=DEV)
        await restarts_sent(s, 1)
        await command(s, f"restart {STAGING} -- checking", user_id=ADMIN)
        await restarts_sent(s, 2)
        assert audit_of(s, "lock.bypassed") == [(ADMIN, STAGING, "admin")]

        # An admin lifting someone else's lock is audited as such; then anyone may change it.
        await command(s, f"unlock {STAGING}", user_id=ADMIN)
        await wait_ephemeral(s.fake, ADMIN, "Unlocked")
        assert audit_of(s, "lock.broken") == [(ADMIN, STAGING, "ok")]
        assert audit_of(s, "change.refused") == [(LEAD1, STAGING, "locked")]
        await command(s, f"restart {STAGING} -- now mine", user_id=LEAD1)
        await restarts_sent(s, 3)


async def test_request_approved_while_someone_else_holds_the_lock_waits_for_the_unlock(
    tmp_path: Path,
) -> None:
    async with stack_on(tmp_path) as (s, _clock):
        approval_id, message = await request_change(s)  # DEV asks to deploy production
        await command(
            s, "lock acme-shop/production -- restoring last night's backup", user_id=LEAD1
        )
        await wait_ephemeral(s.fake, LEAD1, "when you are done")

        await s.agent.click(message, APPROVE, user_id=LEAD1)
        await wait_card(s.fake, approval_id, "waiting for", f"<@{LEAD1}> to unlock")
        assert await s.actions_sent() == []

        await command(s, "unlock acme-shop/production", user_id=LEAD1)  # wakes the worker
        await wait_card(s.fake, approval_id, "has started", timeout=10)
        assert [r["idempotency_key"] for r in await s.actions_sent()] == [approval_id]
        assert audit_of(s, "lock.released") == [(LEAD1, "acme-shop/production", "ok")]
