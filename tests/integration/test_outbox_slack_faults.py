"""The outbox against a misbehaving Slack: rate limits, an outage, channels it cannot post in.

The bot runs on a `ManualClock`, so a 30 s `Retry-After` or a backoff is waited out by moving
the clock, never by sleeping; the fake Slack's own faults are what the bot has to live with.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.services.outbox import MAX_BACKOFF
from tests.support.stack import CHANNEL, Stack, sim_settings
from tests.support.webhook_helpers import (
    advance,
    deliver,
    deployment_messages,
    env_data,
    new_task,
    outbox_row,
    outbox_settled,
    subscribe_channel,
    task_data,
    until,
    webhook_stack,
)

STAGING = "acme-shop/staging"
OTHER = "C0ALERTS"  # the bot is in it
NOT_IN = "C0RANDOM"  # the bot was never invited
ARCHIVED = "C0OLD"
CHANNELS = (CHANNEL, OTHER)


@pytest.fixture
async def hooks(tmp_path: Path) -> AsyncIterator[Stack]:
    """The bot and the fake Slack on one ManualClock: Slack's outages and the bot's backoff are
    both waited out by moving it."""
    clock = ManualClock(start=time.time())
    async with webhook_stack(
        tmp_path, clock=clock, slack_clock=clock, sim=sim_settings(task_seconds=600)
    ) as s:
        yield s


def _posts(stack: Stack, channel: str) -> list[object]:
    return [c for c in stack.fake.calls("chat.postMessage") if c.args.get("channel") == channel]


async def _quiet(stack: Stack) -> None:
    """Give the worker several loop turns (and a wake) in which it must do nothing."""
    stack.c.outbox.wake()
    for _ in range(20):
        await asyncio.sleep(0.005)


async def test_429_then_ok_is_delivered_once_after_retry_after(hooks: Stack) -> None:
    hooks.fake.rate_limit("chat.postMessage", retry_after=30, channel=CHANNEL)
    task_id = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.started", task_data(hooks, STAGING, task_id, "running"))

    await hooks.fake.wait_for(lambda f: f.calls("chat.postMessage"))
    await until(lambda: _row(hooks).get("last_error") == "ratelimited", what="429 recorded")
    await _quiet(hooks)
    assert hooks.fake.messages(CHANNEL) == []
    assert len(hooks.fake.calls("chat.postMessage")) == 1, "no retry before Retry-After"

    advance(hooks, 29)
    await _quiet(hooks)
    assert len(hooks.fake.calls("chat.postMessage")) == 1, "still inside Retry-After"

    advance(hooks, 1.5)
    msgs = await hooks.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, task_id))
    await outbox_settled(hooks)
    assert len(msgs) == 1
    assert [c.status for c in hooks.fake.calls("chat.postMessage")] == [429, 200]


async def test_a_rate_limited_channel_does_not_hold_back_the_others(hooks: Stack) -> None:
    subscribe_channel(hooks, STAGING, OTHER)
    hooks.fake.rate_limit("chat.postMessage", retry_after=60, channel=CHANNEL)
    task_id = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.started", task_data(hooks, STAGING, task_id, "running"))

    await hooks.fake.wait_for(lambda f: deployment_messages(f, OTHER, task_id))
    await until(
        lambda: _row(hooks, CHANNEL).get("last_error") == "ratelimited", what="429 recorded"
    )
    assert hooks.fake.messages(CHANNEL) == []
    advance(hooks, 61)
    await hooks.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, task_id))


async def test_slack_down_for_a_while_then_delivered_once(hooks: Stack) -> None:
    hooks.fake.down(True)
    await deliver(
        hooks,
        "environment.status_changed",
        {**env_data(hooks, STAGING), "previous_status": "running", "status": "stopped"},
    )
    # Several attempts while Slack is down, each pushed further out, none lost. A 503 may
    # have posted, so every attempt after the first looks in the channel's history first.
    delays = []
    for attempt in range(1, 5):
        await hooks.fake.wait_for(lambda f, n=attempt: len(f.calls()) >= n)
        await until(lambda n=attempt: _row(hooks)["attempts"] >= n, what="attempt recorded")
        row = _row(hooks)
        assert row["state"] == "pending"
        delays.append(row["next_attempt_at"] - hooks.c.clock.time())
        advance(hooks, MAX_BACKOFF)
    assert all(c.status == 503 for c in hooks.fake.calls())
    assert [c.method for c in hooks.fake.calls()][:2] == [
        "chat.postMessage",
        "conversations.history",
    ]
    assert delays[-1] > delays[0], delays

    # Slack comes back: an outage of a fraction of a second, over once the clock moves on.
    hooks.fake.down(False)
    hooks.fake.down(0.2)
    advance(hooks, MAX_BACKOFF)
    msgs = await hooks.fake.wait_for(lambda f: f.messages(CHANNEL))
    await outbox_settled(hooks)
    assert len(msgs) == 1
    assert "stopped" in msgs[0].text
    assert _row(hooks)["state"] == "sent"


def _row(stack: Stack, channel: str = CHANNEL) -> dict[str, Any]:
    return outbox_row(stack, channel)


async def test_channels_the_bot_cannot_post_in_go_dead_once_and_are_flagged(hooks: Stack) -> None:
    for channel in (NOT_IN, ARCHIVED, OTHER):
        subscribe_channel(hooks, STAGING, channel)
    task_id = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.started", task_data(hooks, STAGING, task_id, "running"))

    await hooks.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, task_id))
    await hooks.fake.wait_for(lambda f: deployment_messages(f, OTHER, task_id))
    await outbox_settled(hooks)
    dead = {
        r["channel_id"]: r["last_error"]
        for r in hooks.c.store.conn.execute("SELECT * FROM outbox WHERE state = 'dead'")
    }
    assert dead == {NOT_IN: "not_in_channel", ARCHIVED: "is_archived"}
    audit = {a.target: a for a in hooks.c.store.audit.recent(action="outbox.dead")}
    assert set(audit) == {NOT_IN, ARCHIVED}
    assert audit[NOT_IN].result == "not_in_channel"
    flags = {
        s.channel_id: s.flagged_reason for s in hooks.c.store.subscriptions.for_channel(NOT_IN)
    }
    assert list(flags.values()) == ["not_in_channel"]
    assert hooks.c.store.subscriptions.for_channel(ARCHIVED)[0].flagged_reason == "is_archived"

    # No crash loop: time passes, the worker wakes, and the dead channels are not tried again;
    # the next event still reaches the healthy channels, and only them.
    for _ in range(3):
        advance(hooks, MAX_BACKOFF)
        await _quiet(hooks)
    await deliver(hooks, "deploy.completed", task_data(hooks, STAGING, task_id, "completed"))
    await hooks.fake.wait_for(
        lambda f: "completed" in deployment_messages(f, OTHER, task_id)[0].text.lower()
    )
    await outbox_settled(hooks)
    assert len(_posts(hooks, NOT_IN)) == 1
    assert len(_posts(hooks, ARCHIVED)) == 1
    assert "completed" in deployment_messages(hooks.fake, CHANNEL, task_id)[0].text.lower()


async def test_a_429_on_chat_update_holds_every_channels_updates(hooks: Stack) -> None:
    """`chat.update`'s limit is the workspace's (Tier 3): after its 429, no channel's update is
    tried before `Retry-After`, while posts (another limit) go on."""
    subscribe_channel(hooks, STAGING, OTHER)
    first, second = new_task(hooks, STAGING), new_task(hooks, "acme-shop/production")
    for task_id, label in ((first, STAGING), (second, "acme-shop/production")):
        await deliver(hooks, "deploy.started", task_data(hooks, label, task_id, "running"))
        for channel in (CHANNEL, OTHER):
            await hooks.fake.wait_for(lambda f, c=channel, t=task_id: deployment_messages(f, c, t))
    await outbox_settled(hooks)

    hooks.fake.rate_limit("chat.update", retry_after=30)
    await deliver(hooks, "deploy.completed", task_data(hooks, STAGING, first, "completed"))
    await hooks.fake.wait_for(lambda f: [c for c in f.calls("chat.update") if c.status == 429])
    await until(
        lambda: any(outbox_row(hooks, c).get("last_error") == "ratelimited" for c in CHANNELS),
        what="429 recorded",
    )
    await _quiet(hooks)
    tried = len(hooks.fake.calls("chat.update"))  # the 429, and maybe one already under way
    # Another deployment ends, in both channels: its updates wait for the workspace's hold...
    await deliver(
        hooks, "deploy.completed", task_data(hooks, "acme-shop/production", second, "completed")
    )
    # ... while a post still goes out: the hold is on updates only.
    await deliver(
        hooks,
        "environment.status_changed",
        {**env_data(hooks, STAGING), "previous_status": "running", "status": "stopped"},
    )
    await hooks.fake.wait_for(lambda f: [m for m in f.messages(OTHER) if "stopped" in m.text])
    advance(hooks, 20)
    await _quiet(hooks)
    assert len(hooks.fake.calls("chat.update")) == tried, "no update before Retry-After"

    advance(hooks, 11)
    for task_id, channel in itertools.product((first, second), CHANNELS):
        await hooks.fake.wait_for(
            lambda f, c=channel, t=task_id: (
                "completed" in deployment_messages(f, c, t)[0].text.lower()
            )
        )
    await outbox_settled(hooks)
    assert [c.status for c in hooks.fake.calls("chat.update")].count(429) == 1
