"""A post Slack made but the bot never recorded (it died between Slack's ok and its commit).

`test_crash_safety.py` proves it for a deployment's message with a real `kill -9`; here the
state such a crash leaves (the row back in flight, Slack holding the message, the bot's record
of it gone) is set up directly, for the thread reply of a failure, which lives outside the
channel's history, and for an event message.
"""

from __future__ import annotations

from tests.support.stack import BOT_TOKEN, CHANNEL, Stack
from tests.support.webhook_helpers import (
    deliver,
    deployment_messages,
    env_data,
    new_task,
    outbox_settled,
    task_data,
)

STAGING = "acme-shop/staging"


def _as_if_the_commit_was_lost(stack: Stack, kind: str, message_key: str) -> None:
    """Put the sent row back in flight and forget the message, as a kill -9 after Slack's ok
    and before the bot's commit would have left them."""
    conn = stack.c.store.conn
    row = conn.execute(
        "SELECT id, sent_at FROM outbox WHERE kind = ? AND state = 'sent' ORDER BY id DESC",
        (kind,),
    ).fetchone()
    assert row is not None
    conn.execute(
        "UPDATE outbox SET state = 'pending', inflight_at = sent_at, sent_at = NULL, "
        "next_attempt_at = 0 WHERE id = ?",
        (row["id"],),
    )
    assert conn.execute("DELETE FROM messages WHERE key = ?", (message_key,)).rowcount == 1


async def test_a_thread_reply_posted_before_a_crash_is_adopted_not_posted_again(
    hooks: Stack,
) -> None:
    task_id = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.failed", task_data(hooks, STAGING, task_id, "failed"))
    (parent,) = await hooks.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, task_id))
    await hooks.fake.wait_for(lambda f: f.thread(CHANNEL, parent.ts))
    await outbox_settled(hooks)
    posts = len(hooks.fake.calls("chat.postMessage"))

    _as_if_the_commit_was_lost(hooks, "failure_thread", f"fail:{task_id}")
    hooks.c.outbox.wake()
    await outbox_settled(hooks)

    assert len(hooks.fake.thread(CHANNEL, parent.ts)) == 1
    assert len(hooks.fake.calls("chat.postMessage")) == posts
    assert hooks.fake.calls("conversations.replies"), "the thread was searched"
    ref = hooks.c.store.messages.get(f"fail:{task_id}", CHANNEL)
    assert ref is not None
    assert ref.ts == hooks.fake.thread(CHANNEL, parent.ts)[0].ts


async def test_an_event_message_posted_before_a_crash_is_adopted(hooks: Stack) -> None:
    data = {**env_data(hooks, STAGING), "previous_status": "running", "status": "stopped"}
    await deliver(hooks, "environment.status_changed", data)
    (posted,) = await hooks.fake.wait_for(lambda f: f.messages(CHANNEL))
    await outbox_settled(hooks)
    key = str((posted.metadata or {})["event_payload"]["key"])

    # A busy channel: people said a lot after the bot's post and before it came back.
    for n in range(450):
        answer = await hooks.fake.call(
            "chat.postMessage", {"channel": CHANNEL, "text": f"chatter {n}"}, token=BOT_TOKEN
        )
        assert answer.status == 200
    posts = len(hooks.fake.calls("chat.postMessage"))

    _as_if_the_commit_was_lost(hooks, "event", key)
    hooks.c.outbox.wake()
    await outbox_settled(hooks)

    assert len(hooks.fake.calls("chat.postMessage")) == posts
    assert [m.ts for m in hooks.fake.messages(CHANNEL) if m.metadata] == [posted.ts]
    assert len(hooks.fake.calls("conversations.history")) >= 3, "it paged back to the post"
