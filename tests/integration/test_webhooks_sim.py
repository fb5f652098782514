"""The simulator's own signed deliveries into the bot: one living message per deployment.

A deploy started on the platform (not by the bot) reaches the subscribed channel only through
webhooks and the tracker; the channel must end with exactly one message for it, edited in
place to its final state, and a failure must add exactly one thread reply carrying the log tail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from oec_chatops.playground import FakeSlack, Message
from tests.support.stack import CHANNEL, DEV, RW_KEY, Stack, running_stack, sim_settings
from tests.support.stepped_clock import SteppedClock
from tests.support.webhook_helpers import (
    deployment_messages,
    table_count,
    text_of,
)

API = "/api/public/v1"


@pytest.fixture
def stack(stepped_stack: Stack) -> Stack:
    """The deployments here run on the stepped clock: their minutes are moved, never slept."""
    return stepped_stack


def settled(stack: Stack) -> bool:
    """No outbox row is pending: everything was sent (or is dead)."""
    return stack.c.store.outbox.depth()[0] == 0


async def _deploy_on_platform(stack: Stack, label: str) -> str:
    r = await stack.http.post(
        f"{stack.sim_url}{API}/environments/{stack.env_id(label)}/deploy",
        headers={"Authorization": f"Bearer {RW_KEY}"},
        json={},
    )
    assert r.status_code in (200, 201, 202), r.text
    body = r.json()
    return str(body.get("task_id") or body.get("id") or body["task"]["id"])


def _final(task_id: str, word: str) -> Callable[[FakeSlack], list[Message] | None]:
    def check(f: FakeSlack) -> list[Message] | None:
        msgs = deployment_messages(f, CHANNEL, task_id)
        return msgs if msgs and word in text_of(msgs[0]).lower() else None

    return check


async def test_platform_deploy_is_one_message_updated_to_completed(
    stack: Stack, stepped: SteppedClock
) -> None:
    task_id = await _deploy_on_platform(stack, "acme-shop/staging")

    msgs = await stepped.until(lambda: _final(task_id, "completed")(stack.fake))
    # Let the status_changed deliveries that follow the deploy land too: none may add a post.
    await stepped.until(lambda: table_count(stack, "deliveries") >= 4)
    await stepped.until(lambda: settled(stack))

    assert len(msgs) == 1
    assert len(stack.fake.messages(CHANNEL)) == 1, [m.text for m in stack.fake.messages(CHANNEL)]
    message = msgs[0]
    assert message.edits, "the message was created once and then updated in place"
    assert "staging" in text_of(message)
    assert len(stack.fake.calls("chat.postMessage")) == 1


async def test_failed_platform_deploy_adds_one_thread_reply_with_log_tail(
    stack: Stack, stepped: SteppedClock
) -> None:
    await stack.sim_faults(fail_next_deploys=1)
    task_id = await _deploy_on_platform(stack, "acme-shop/staging")

    msgs = await stepped.until(lambda: _final(task_id, "failed")(stack.fake))
    replies = await stepped.until(lambda: stack.fake.thread(CHANNEL, msgs[0].ts))
    await stepped.until(lambda: settled(stack))

    assert len(deployment_messages(stack.fake, CHANNEL, task_id)) == 1
    assert len(stack.fake.thread(CHANNEL, msgs[0].ts)) == 1
    reply = text_of(replies[0])
    log_lines = stack.sim.task(task_id).timeline.log_lines(stack.sim.now())
    assert log_lines, "the simulator wrote a log for the failed task"
    assert log_lines[-1].split(" ", 1)[-1][:30] in reply, (log_lines[-1], reply)
    # Nothing else was posted at the top level: the env's deploying→error change is the same story.
    assert len(stack.fake.messages(CHANNEL, include_replies=False)) == 1


async def test_sim_deliveries_signed_with_a_rotated_out_secret_are_refused(tmp_path: Path) -> None:
    """The simulator signs with a secret the bot no longer has: every delivery is a 401."""
    async with running_stack(
        tmp_path, sim=sim_settings(webhook_secret="an-old-secret-the-bot-forgot")
    ) as stack:
        stack.sim.webhooks.webhooks.clear()
        stack.sim.add_webhook(
            f"{stack.bot_url}/webhooks/oec", ["deploy.started"], "an-old-secret-the-bot-forgot"
        )
        await _deploy_on_platform(stack, "acme-shop/staging")
        deliveries = await _wait_attempts(stack)
        assert all(a["response_status"] == 401 for a in deliveries)
        assert table_count(stack, "deliveries") == 0
        assert stack.fake.messages(CHANNEL) == []


async def _wait_attempts(stack: Stack) -> list[dict[str, object]]:
    async def attempts() -> list[dict[str, object]]:
        r = await stack.http.get(f"{stack.sim_url}/_sim/deliveries")
        found = [a for d in r.json()["deliveries"] for a in d.get("attempts", [])]
        return found

    async with asyncio.timeout(5):
        # ASYNC110 allowed: the simulator's delivery log is read over HTTP; bounded.
        while not (found := await attempts()):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    return found


async def test_a_deploy_the_bot_started_and_its_webhooks_share_one_message(
    stack: Stack, stepped: SteppedClock
) -> None:
    """`/oec deploy` in a subscribed channel: the bot's own tracking and oec.sh's deliveries
    for the same task end in the one message, updated to completed."""
    r = await stack.agent.command("deploy acme-shop/staging", user_id=DEV, channel_id=CHANNEL)
    assert r.status_code == 200
    await stepped.until(lambda: len(_task_ids(stack)) == 1)
    (task_id,) = _task_ids(stack)
    msgs = await stepped.until(lambda: _final(task_id, "completed")(stack.fake))
    # oec.sh's own deliveries for this task (started, completed) reached the bot as well.
    await stepped.until(lambda: _deploy_deliveries(stack, task_id) >= 2)
    await stepped.until(lambda: settled(stack))

    assert len(msgs) == 1
    top = stack.fake.messages(CHANNEL, include_replies=False)
    assert [m.ts for m in top if "staging" in text_of(m)] == [msgs[0].ts], [m.text for m in top]
    assert DEV in text_of(msgs[0])  # what only the bot knows: who asked


def _task_ids(stack: Stack) -> list[str]:
    return [r[0] for r in stack.c.store.conn.execute("SELECT task_id FROM deployments")]


def _deploy_deliveries(stack: Stack, task_id: str) -> int:
    row = stack.c.store.conn.execute(
        "SELECT count(*) FROM deliveries WHERE task_id = ? AND event LIKE 'deploy.%'", (task_id,)
    ).fetchone()
    return int(row[0])
