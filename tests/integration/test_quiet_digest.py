"""The daily digest, on an injected clock: a day of signed webhooks becomes one message at the
channel's local time, posted once across restarts and processes, and late (never lost) when
the bot was down at digest time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.digest_time import digest_day
from oec_chatops.store import Store
from tests.support.approval_helpers import bot, world
from tests.support.stack import CHANNEL, DEV, Stack, on_both_engines, sim_settings, stack_database
from tests.support.webhook_helpers import (
    command,
    deliver,
    deployment_messages,
    env_data,
    new_task,
    outbox_row,
    outbox_settled,
    posted_on_the_clock,
    task_data,
    text_of,
    until,
    webhook_stack,
)

ROOM = "C0ALERTS"
PROD, STAGING = "acme-shop/production", "acme-shop/staging"
START = 1_767_225_600.0  # ManualClock's start: Thu 1 Jan 2026 00:00 UTC (01:00 in Brussels)
NINE_BRUSSELS = START + 8 * 3600  # 09:00 in Brussels that day
HOUR = 3600.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def quiet(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Stack]:
    async with webhook_stack(tmp_path, clock=clock, sim=sim_settings(task_seconds=600)) as s:
        yield s


async def _digest_posted(stack: Stack, clock: ManualClock, seconds: float) -> None:
    """Move the clock on and let the digest worker look (it is woken, not slept for)."""
    clock.advance(seconds)
    stack.c.digests.wake()
    await asyncio.sleep(0.05)
    await outbox_settled(stack)


@on_both_engines
async def test_a_day_of_events_becomes_one_digest_at_the_channels_local_time(
    quiet: Stack, clock: ManualClock
) -> None:
    answer = await command(
        quiet,
        "subscribe acme-shop --digest daily --at 09:00 --tz Europe/Brussels",
        user_id=DEV,
        channel_id=ROOM,
    )
    assert "daily digest at 09:00 (Europe/Brussels)" in answer

    ok = new_task(quiet, STAGING)
    await deliver(quiet, "deploy.started", task_data(quiet, STAGING, ok, "running"))
    done = task_data(quiet, STAGING, ok, "completed", duration_seconds=300)
    await deliver(quiet, "deploy.completed", done)
    clock.advance(HOUR)
    bad = new_task(quiet, PROD)
    await deliver(quiet, "deploy.started", task_data(quiet, PROD, bad, "running"))
    failed = task_data(quiet, PROD, bad, "failed", error_message="migration 42 failed")
    await deliver(quiet, "deploy.failed", failed)
    stopped = {**env_data(quiet, STAGING), "previous_status": "running", "status": "stopped"}
    await deliver(quiet, "environment.status_changed", stopped)
    await quiet.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, bad))
    await outbox_settled(quiet)
    assert quiet.fake.messages(ROOM) == []  # nothing posted per event

    listing = await command(quiet, "subscriptions", user_id=DEV, channel_id=ROOM)
    assert "Next digest: Thu 01 Jan 09:00 (Europe/Brussels), 5 events so far." in listing

    await _digest_posted(quiet, clock, NINE_BRUSSELS - clock.time() - 1)
    assert quiet.fake.messages(ROOM) == []  # a second early: not yet
    await _digest_posted(quiet, clock, 1)
    (digest,) = quiet.fake.messages(ROOM)
    text = text_of(digest)
    assert "Daily digest · Thu 01 Jan 2026" in text
    assert "From Wed 31 Dec 09:00 to Thu 01 Jan 09:00 (Europe/Brussels)" in text
    assert "5 events · 1 failure" in text
    assert "acme-shop/staging>*: 1 deployment (1 completed), typically 5m 0s" in text
    assert "1 × status changes" in text
    assert "acme-shop/production>*: 1 deployment (1 failed)" in text
    assert "migration 42 failed" in text
    assert "Posted late" not in text

    (queued,) = quiet.c.store.audit.recent(action="digest.queued")
    assert (queued.target, queued.detail["day"], queued.detail["items"]) == (ROOM, "2026-01-01", 5)

    await _digest_posted(quiet, clock, 24 * HOUR)  # a quiet day posts nothing
    assert len(quiet.fake.messages(ROOM)) == 1


async def test_slack_down_at_digest_time_delays_the_digest_and_posts_it_once(
    quiet: Stack, clock: ManualClock
) -> None:
    await command(quiet, "subscribe acme-shop --digest daily", user_id=DEV, channel_id=ROOM)
    stopped = {**env_data(quiet, STAGING), "previous_status": "running", "status": "stopped"}
    await deliver(quiet, "environment.status_changed", stopped)
    await quiet.fake.wait_for(lambda f: f.messages(CHANNEL))
    await outbox_settled(quiet)

    quiet.fake.down(True)
    clock.advance(9 * HOUR)  # 09:00 UTC: due, and Slack answers 503
    quiet.c.digests.wake()
    await until(lambda: outbox_row(quiet, ROOM).get("attempts", 0) >= 1, what="a failed try")
    assert outbox_row(quiet, ROOM)["kind"] == "digest"
    assert quiet.fake.messages(ROOM) == []

    quiet.fake.down(False)
    await posted_on_the_clock(quiet, clock, ROOM, 1)
    await outbox_settled(quiet)
    (digest,) = quiet.fake.messages(ROOM)
    assert "1 × status changes" in text_of(digest)


async def test_digest_is_posted_late_once_when_the_bot_was_down_then_never_again(
    tmp_path: Path, clock: ManualClock
) -> None:
    async with world(tmp_path, sim=sim_settings(task_seconds=600)) as w:
        async with bot(w, clock=clock) as first:
            await command(first, "subscribe acme-shop --digest daily", user_id=DEV, channel_id=ROOM)
            task_id = new_task(first, STAGING)
            data = task_data(first, STAGING, task_id, "failed", error_message="disk full")
            await deliver(first, "deploy.failed", data)
            await first.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, task_id))
            await outbox_settled(first)
        assert w.fake.messages(ROOM) == []

        clock.advance(12 * HOUR)  # 09:00 UTC came and went while no bot was running
        async with bot(w, clock=clock) as second:
            (digest,) = await second.fake.wait_for(lambda f: f.messages(ROOM))
            await outbox_settled(second)
        text = text_of(digest)
        assert "Daily digest · Thu 01 Jan 2026" in text
        assert "Posted late" in text
        assert "disk full" in text

        clock.advance(HOUR)
        async with bot(w, clock=clock) as third:
            await _digest_posted(third, clock, 1)
        assert len(w.fake.messages(ROOM)) == 1


@on_both_engines
def test_two_processes_claim_a_day_once_and_a_late_event_goes_to_the_next_day(
    tmp_path: Path,
) -> None:
    path = stack_database(tmp_path)
    one, two = Store(path), Store(path)
    day = digest_day(START, "09:00", "UTC")
    kept = one.digests.collect(
        channel_id=ROOM, item_key="a", day=day, at="09:00", tz="UTC", when=START, body={}
    )
    assert kept == "2026-01-01"
    due_one, due_two = one.digests.due(day.due_at), two.digests.due(day.due_at)
    assert due_one == due_two
    with one.tx():
        won_one = one.digests.claim(due_one[0], day.due_at)
    with two.tx():
        won_two = two.digests.claim(due_two[0], day.due_at)
    assert [won_one, won_two] == [True, False]

    late = two.digests.collect(
        channel_id=ROOM, item_key="b", day=day, at="09:00", tz="UTC", when=START, body={}
    )
    assert late == "2026-01-02"
    assert [d.day for d in one.digests.due(day.due_at + 24 * HOUR)] == ["2026-01-02"]
