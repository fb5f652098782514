"""Duplicates, replays and reordering: signed deliveries that must never move a message backwards.

The tasks are real simulator tasks (queued, not yet running: the simulator takes ten minutes),
so the tracker polls them as it would in production; only the deliveries are hand-signed.
"""

from __future__ import annotations

import asyncio

from tests.support.stack import CHANNEL, Stack
from tests.support.webhook_helpers import (
    deliver,
    deployment_messages,
    failed_with_its_log,
    new_task,
    outbox_settled,
    table_count,
    task_data,
    text_of,
)

STAGING = "acme-shop/staging"


def _status_word(stack: Stack, task_id: str) -> str:
    msgs = deployment_messages(stack.fake, CHANNEL, task_id)
    assert len(msgs) == 1, [m.text for m in stack.fake.messages(CHANNEL)]
    return msgs[0].text.lower()


async def test_started_then_completed_is_one_message_ending_completed(hooks: Stack) -> None:
    task_id = new_task(hooks, STAGING)
    r = await deliver(hooks, "deploy.started", task_data(hooks, STAGING, task_id, "running"))
    assert r.status_code == 200, r.text
    await hooks.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, task_id))

    r = await deliver(
        hooks,
        "deploy.completed",
        task_data(hooks, STAGING, task_id, "completed", duration_seconds=42.0),
    )
    assert r.status_code == 200
    await hooks.fake.wait_for(
        lambda f: "completed" in text_of(deployment_messages(f, CHANNEL, task_id)[0]).lower()
    )
    await outbox_settled(hooks)
    assert len(hooks.fake.messages(CHANNEL)) == 1
    assert len(hooks.fake.calls("chat.postMessage")) == 1
    assert "42s" in text_of(deployment_messages(hooks.fake, CHANNEL, task_id)[0])


async def test_duplicate_delivery_changes_nothing(hooks: Stack) -> None:
    task_id = new_task(hooks, STAGING)
    data = task_data(hooks, STAGING, task_id, "completed")
    first = await deliver(hooks, "deploy.completed", data, delivery_id="dup-1")
    assert first.json()["duplicate"] is False
    await hooks.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, task_id))
    await outbox_settled(hooks)
    calls, outbox_rows = len(hooks.fake.calls()), table_count(hooks, "outbox")

    for _ in range(3):
        again = await deliver(hooks, "deploy.completed", data, delivery_id="dup-1")
        assert again.status_code == 200
        assert again.json() == {"ok": True, "delivery_id": "dup-1", "duplicate": True}

    assert table_count(hooks, "deliveries") == 1
    assert table_count(hooks, "outbox") == outbox_rows
    await outbox_settled(hooks)
    assert len(hooks.fake.calls()) == calls


async def test_replay_of_an_old_delivery_is_refused_and_changes_nothing(hooks: Stack) -> None:
    task_id = new_task(hooks, STAGING)
    data = task_data(hooks, STAGING, task_id, "running")
    now = hooks.c.clock.time()
    await deliver(hooks, "deploy.started", data, delivery_id="old-1", timestamp=now)
    await hooks.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, task_id))
    await outbox_settled(hooks)
    calls = len(hooks.fake.calls())

    # The same bytes captured and sent again an hour later, and a never-seen id just as old.
    stale = now - 3600
    replayed = await deliver(hooks, "deploy.started", data, delivery_id="old-1", timestamp=stale)
    other = await deliver(
        hooks,
        "deploy.failed",
        task_data(hooks, STAGING, task_id, "failed", error_message="forged"),
        delivery_id="old-2",
        timestamp=stale,
    )

    assert (replayed.status_code, replayed.json()["error"]) == (401, "stale_timestamp")
    assert (other.status_code, other.json()["error"]) == (401, "stale_timestamp")
    assert table_count(hooks, "deliveries") == 1
    assert "failed" not in _status_word(hooks, task_id)
    assert len(hooks.fake.calls()) == calls


async def test_completed_before_running_ends_completed(hooks: Stack) -> None:
    task_id = new_task(hooks, STAGING)
    done = await deliver(hooks, "deploy.completed", task_data(hooks, STAGING, task_id, "completed"))
    assert done.status_code == 200
    await hooks.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, task_id))
    await outbox_settled(hooks)
    calls = len(hooks.fake.calls())

    late = await deliver(hooks, "deploy.started", task_data(hooks, STAGING, task_id, "running"))
    assert late.status_code == 200
    assert late.json()["duplicate"] is False
    # Stored, but it moves nothing: no outbox row, no Slack call, the message still says so.
    await outbox_settled(hooks)
    assert "completed" in _status_word(hooks, task_id)
    assert len(hooks.fake.calls()) == calls
    row = hooks.c.store.deployments.get(task_id)
    assert row is not None
    assert row.status == "completed"
    assert row.next_poll_at is None


async def test_failed_then_late_completed_keeps_the_first_terminal_state(hooks: Stack) -> None:
    task_id = new_task(hooks, STAGING)
    msgs = await failed_with_its_log(hooks, STAGING, task_id, CHANNEL, "pip install failed")
    await deliver(hooks, "deploy.completed", task_data(hooks, STAGING, task_id, "completed"))
    await deliver(hooks, "deploy.failed", task_data(hooks, STAGING, task_id, "failed"))
    await outbox_settled(hooks)

    assert "failed" in _status_word(hooks, task_id)
    assert len(hooks.fake.thread(CHANNEL, msgs[0].ts)) == 1


async def test_the_tracker_reading_queued_never_overrides_a_webhooks_running(hooks: Stack) -> None:
    """The simulator still says `queued` (its queue share of ten minutes): polls must not
    move the message from running back to queued."""
    task_id = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.started", task_data(hooks, STAGING, task_id, "running"))
    await hooks.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, task_id))
    polls_before = await _task_polls(hooks, task_id)
    # Let the tracker poll a few times (0.1 s pace in this stack).
    await _wait_polls(hooks, task_id, polls_before + 2)
    await outbox_settled(hooks)
    assert "running" in _status_word(hooks, task_id)


async def _task_polls(stack: Stack, task_id: str) -> int:
    return sum(1 for r in await stack.sim_requests() if r["path"].endswith(f"/{task_id}"))


async def _wait_polls(stack: Stack, task_id: str, count: int) -> None:
    async with asyncio.timeout(5):
        # ASYNC110 allowed: the simulator's request log is read over HTTP; bounded.
        while await _task_polls(stack, task_id) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
