"""The living deployment message: one `chat.postMessage`, then `chat.update` on the same ts until
the task ends, with a thread reply holding the log tail when it failed; Slack's own 429s are
waited out for their `Retry-After` and the message still arrives exactly once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from oec_chatops.playground import Call, FakeSlack, Message
from oec_chatops.sim.seed import seed_id
from tests.support.commands_helpers import deployment_messages, final_word, render
from tests.support.stack import CHANNEL, DEV, Stack
from tests.support.stepped_clock import SteppedClock


@pytest.fixture
def stack(stepped_stack: Stack) -> Stack:
    """Every deployment here runs on the stepped clock: its waits are moved, never slept."""
    return stepped_stack


def posts_and_updates(fake: FakeSlack) -> tuple[list[Call], list[Call]]:
    posts = [c for c in fake.calls("chat.postMessage") if not c.args.get("thread_ts")]
    return posts, fake.calls("chat.update")


def ended(word: str) -> Callable[[FakeSlack], list[Message]]:
    def check(f: FakeSlack) -> list[Message]:
        return [m for m in deployment_messages(f) if word in final_word(m)]

    return check


async def deploy(stack: Stack, text: str = "deploy acme-shop/staging") -> None:
    r = await stack.agent.command(text, user_id=DEV, channel_id=CHANNEL)
    assert r.status_code == 200


async def test_the_deploy_message_goes_from_started_to_completed_in_place(
    stack: Stack, stepped: SteppedClock
) -> None:
    await deploy(stack)

    (message,) = await stepped.until(lambda: ended("completed")(stack.fake))

    posts, updates = posts_and_updates(stack.fake)
    assert [c.status for c in posts] == [200]
    assert updates
    ts = posts[0].answer["ts"]
    assert message.ts == ts
    assert {c.args["ts"] for c in updates} == {ts}
    texts = [posts[0].args["text"], *(c.args["text"] for c in updates)]
    assert not any(word in texts[0].lower() for word in ("completed", "failed"))
    assert "completed" in texts[-1].lower()
    first_done = next(i for i, t in enumerate(texts) if "completed" in t.lower())
    assert all("completed" in t.lower() for t in texts[first_done:])  # never back to running
    assert len(deployment_messages(stack.fake)) == 1
    assert stack.fake.thread(CHANNEL, ts) == []
    shown = render(message.blocks)
    assert ":white_check_mark: *Completed*" in shown
    assert "<@U0DEV1>" in shown


async def test_a_failed_deploy_ends_failed_with_the_error_and_the_log_tail_in_a_thread(
    stack: Stack, stepped: SteppedClock
) -> None:
    await stack.sim_faults(fail_next_deploys=1)
    await deploy(stack)

    (message,) = await stepped.until(lambda: ended("failed")(stack.fake))
    (reply,) = await stepped.until(lambda: stack.fake.thread(CHANNEL, message.ts))

    shown = render(message.blocks)
    assert "*Failed*" in shown
    assert "*Error*" in shown
    assert "Docker build failed" in shown
    assert "completed" not in final_word(message)
    thread = render(reply.blocks)
    assert "```" in thread
    assert "ERROR: Docker build failed" in thread
    assert "Step 3/6: Building Docker image" in thread
    env_id = seed_id("env/acme-shop/staging")
    tail_reads = [
        r
        for r in await stack.sim_requests()
        if r["path"].endswith(f"/environments/{env_id}/logs") and r["query"].get("task_id")
    ]
    assert tail_reads
    assert len(deployment_messages(stack.fake)) == 1


async def test_slack_429_on_post_message_waits_retry_after_and_posts_once(
    stack: Stack, stepped: SteppedClock
) -> None:
    stack.fake.rate_limit("chat.postMessage", retry_after=1)
    await deploy(stack)

    (message,) = await stepped.until(lambda: ended("completed")(stack.fake))

    posts, updates = posts_and_updates(stack.fake)
    assert [c.status for c in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 0.99
    assert len(deployment_messages(stack.fake)) == 1
    assert {c.args["ts"] for c in updates} <= {message.ts}


async def test_slack_429_on_chat_update_waits_retry_after_and_the_update_lands(
    stack: Stack, stepped: SteppedClock
) -> None:
    stack.fake.rate_limit("chat.update", retry_after=1)
    await deploy(stack)

    (message,) = await stepped.until(lambda: ended("completed")(stack.fake))

    posts, updates = posts_and_updates(stack.fake)
    assert [c.status for c in posts] == [200]
    assert updates[0].status == 429
    assert updates[1].status == 200
    assert updates[1].at - updates[0].at >= 0.99
    assert {c.args["ts"] for c in updates} == {message.ts}
    assert len(deployment_messages(stack.fake)) == 1
