"""Slack calls of unknown outcome: a Slack that hangs, answers after the timeout, or posts and
then answers 500. The bot's Slack timeout is cut to half a second (real time: it is a socket
timeout); backoffs are waited out on the `ManualClock`.

A post that timed out or got a 5xx may exist: it must be looked up by its metadata before it is
posted again, so the channel ends with exactly one message, which later changes update.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

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
    text_of,
    until,
    webhook_stack,
)

STAGING = "acme-shop/staging"
OTHER = "C0ALERTS"
SLACK_TIMEOUT = 0.5
HANG = 2.0  # the stand-in holds a hanging call this long (well past the bot's timeout)


@pytest.fixture
async def hooks(tmp_path: Path) -> AsyncIterator[Stack]:
    clock = ManualClock(start=time.time())
    async with webhook_stack(
        tmp_path,
        clock=clock,
        sim=sim_settings(task_seconds=600),
        environ={"OEC_CHATOPS_SLACK_TIMEOUT": str(SLACK_TIMEOUT)},
    ) as s:
        yield s


async def _status_change(stack: Stack, new: str) -> None:
    data = {**env_data(stack, STAGING), "previous_status": "running", "status": new}
    r = await deliver(stack, "environment.status_changed", data)
    assert r.status_code == 200, r.text


async def test_a_hanging_slack_holds_its_channel_for_the_timeout_only(hooks: Stack) -> None:
    subscribe_channel(hooks, STAGING, OTHER)
    hooks.fake.hang("chat.postMessage", seconds=HANG, channel=CHANNEL)
    started = time.monotonic()
    await _status_change(hooks, "stopped")

    # The other channel is not held by the hanging one.
    await hooks.fake.wait_for(lambda f: f.messages(OTHER), timeout=HANG / 2)
    # The bot gives up on the hanging call after its timeout, not after aiohttp's 300 s.
    await until(
        lambda: outbox_row(hooks, CHANNEL).get("last_error") == "slack timed out",
        timeout=HANG,
        what="the hanging post timed out",
    )
    assert time.monotonic() - started < HANG
    row = outbox_row(hooks, CHANNEL)
    assert (row["state"], row["attempts"]) == ("pending", 1)
    assert row["inflight_at"] is not None, "a post that timed out may exist"

    advance(hooks, MAX_BACKOFF)
    (posted,) = await hooks.fake.wait_for(lambda f: f.messages(CHANNEL), timeout=HANG)
    await outbox_settled(hooks)
    assert "stopped" in posted.text
    methods = [c.method for c in hooks.fake.calls() if c.args.get("channel") == CHANNEL]
    assert methods[-2:] == ["conversations.history", "chat.postMessage"], methods
    assert len(hooks.fake.messages(CHANNEL)) == 1


async def _one_message_then_updates(stack: Stack, task_id: str) -> None:
    """The deployment has one message in the channel, and later changes land in it."""
    (message,) = await stack.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, task_id))
    await deliver(stack, "deploy.completed", task_data(stack, STAGING, task_id, "completed"))
    await stack.fake.wait_for(
        lambda f: "completed" in text_of(deployment_messages(f, CHANNEL, task_id)[0]).lower()
    )
    await outbox_settled(stack)
    assert [m.ts for m in stack.fake.messages(CHANNEL)] == [message.ts]
    assert stack.c.store.messages.get(f"dep:{task_id}", CHANNEL).ts == message.ts  # type: ignore[union-attr]


async def test_a_post_answered_after_the_timeout_is_found_not_posted_again(hooks: Stack) -> None:
    hooks.fake.answer_late("chat.postMessage", seconds=HANG, channel=CHANNEL)
    task_id = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.started", task_data(hooks, STAGING, task_id, "running"))

    # Slack has the message; the bot timed out waiting for the answer.
    await hooks.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, task_id))
    await until(
        lambda: outbox_row(hooks, CHANNEL).get("last_error") == "slack timed out",
        timeout=HANG,
        what="the post timed out",
    )
    advance(hooks, MAX_BACKOFF)
    await until(lambda: outbox_row(hooks, CHANNEL).get("state") == "sent", what="adopted")
    assert hooks.fake.calls("conversations.history"), "looked up before posting again"
    # The late answer is logged when it is finally given: still the only post.
    await hooks.fake.wait_for(lambda f: f.calls("chat.postMessage"), timeout=HANG * 2)
    assert len(hooks.fake.calls("chat.postMessage")) == 1
    await _one_message_then_updates(hooks, task_id)


async def test_a_post_answered_500_after_it_was_made_is_not_made_twice(hooks: Stack) -> None:
    hooks.fake.fail_after_applying("chat.postMessage", status=500, channel=CHANNEL)
    task_id = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.started", task_data(hooks, STAGING, task_id, "running"))

    await hooks.fake.wait_for(lambda f: [c for c in f.calls("chat.postMessage") if c.status == 500])
    await until(
        lambda: outbox_row(hooks, CHANNEL).get("last_error") == "http_500", what="500 recorded"
    )
    advance(hooks, MAX_BACKOFF)
    await until(lambda: outbox_row(hooks, CHANNEL).get("state") == "sent", what="adopted")
    assert len(hooks.fake.calls("chat.postMessage")) == 1
    await _one_message_then_updates(hooks, task_id)


async def test_a_refused_post_is_posted_again_without_a_lookup(hooks: Stack) -> None:
    """Slack's own `ok: false` proves nothing was posted: no history read, no second guess."""
    hooks.fake.fail("chat.postMessage", error="internal_error", times=1, channel=CHANNEL)
    await _status_change(hooks, "stopped")
    await until(
        lambda: outbox_row(hooks, CHANNEL).get("last_error") == "internal_error", what="refused"
    )
    assert outbox_row(hooks, CHANNEL)["inflight_at"] is None
    advance(hooks, MAX_BACKOFF)
    await hooks.fake.wait_for(lambda f: f.messages(CHANNEL))
    await outbox_settled(hooks)
    assert hooks.fake.calls("conversations.history") == []
    assert len(hooks.fake.messages(CHANNEL)) == 1
