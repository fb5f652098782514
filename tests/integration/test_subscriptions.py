"""`/oec subscribe | unsubscribe | subscriptions`, typed in Slack, and the routing they set up."""

from __future__ import annotations

from tests.support.stack import DEV, VIEWER, Stack
from tests.support.webhook_helpers import (
    command,
    deliver,
    deployment_messages,
    failed_with_its_log,
    new_task,
    outbox_settled,
    task_data,
    text_of,
)

ROOM = "C0ALERTS"  # no subscription until a test types one
PROD, STAGING = "acme-shop/production", "acme-shop/staging"


def _subs(stack: Stack, channel: str = ROOM) -> list[tuple[str, tuple[str, ...]]]:
    return [(s.target, s.events) for s in stack.c.store.subscriptions.for_channel(channel)]


async def test_subscribe_with_env_glob_and_event_filter_routes_only_matching_events(
    hooks: Stack,
) -> None:
    answer = await command(
        hooks, "subscribe acme-shop/prod* deploy.failed", user_id=DEV, channel_id=ROOM
    )
    assert "acme-shop/prod*" in answer
    assert _subs(hooks) == [("acme-shop/prod*", ("deploy.failed",))]
    audit = hooks.c.store.audit.recent(action="subscription.add")
    assert [(a.actor, a.target) for a in audit] == [(DEV, "acme-shop/prod*")]

    # production started: filtered out by event; staging failed: filtered out by the glob.
    started = new_task(hooks, PROD)
    await deliver(hooks, "deploy.started", task_data(hooks, PROD, started, "running"))
    staged = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.failed", task_data(hooks, STAGING, staged, "failed"))
    await outbox_settled(hooks)
    assert hooks.fake.messages(ROOM) == []

    # production failed: this is what the channel asked for, message and log thread.
    msgs = await failed_with_its_log(hooks, PROD, started, ROOM, "migration 42 failed")
    await outbox_settled(hooks)
    assert "failed" in msgs[0].text.lower()
    assert deployment_messages(hooks.fake, ROOM, staged) == []


async def test_subscribe_without_events_takes_the_defaults(hooks: Stack) -> None:
    await command(hooks, "subscribe globex-erp", user_id=DEV, channel_id=ROOM)
    defaults = ("deploy.*", "environment.status_changed", "backup.*", "server.*")
    assert _subs(hooks) == [("globex-erp", defaults)]


async def test_unsubscribe_one_event_then_the_whole_subscription(hooks: Stack) -> None:
    await command(
        hooks,
        "subscribe acme-shop/prod* deploy.failed deploy.completed",
        user_id=DEV,
        channel_id=ROOM,
    )
    await command(
        hooks, "unsubscribe acme-shop/prod* deploy.completed", user_id=DEV, channel_id=ROOM
    )
    assert _subs(hooks) == [("acme-shop/prod*", ("deploy.failed",))]

    answer = await command(hooks, "unsubscribe acme-shop/prod*", user_id=DEV, channel_id=ROOM)
    assert "Unsubscribed" in answer
    assert _subs(hooks) == []
    task_id = new_task(hooks, PROD)
    await deliver(hooks, "deploy.failed", task_data(hooks, PROD, task_id, "failed"))
    await outbox_settled(hooks)
    assert hooks.fake.messages(ROOM) == []

    nothing = await command(hooks, "unsubscribe acme-shop", user_id=DEV, channel_id=ROOM)
    assert "no subscription" in nothing


async def test_a_viewer_lists_but_cannot_change(hooks: Stack) -> None:
    await command(hooks, "subscribe acme-shop/prod* deploy.failed", user_id=DEV, channel_id=ROOM)

    denied = await command(hooks, "subscribe globex-erp", user_id=VIEWER, channel_id=ROOM)
    assert "deployer" in denied.lower()
    denied = await command(hooks, "unsubscribe acme-shop", user_id=VIEWER, channel_id=ROOM)
    assert "deployer" in denied.lower()
    assert _subs(hooks) == [("acme-shop/prod*", ("deploy.failed",))]

    listing = await command(hooks, "subscriptions", user_id=VIEWER, channel_id=ROOM)
    assert "acme-shop/prod*" in listing
    assert "failed deployments" in listing  # in words; commands take the exact name
    assert "globex" not in listing


async def test_a_channel_the_bot_left_shows_its_flag_in_words_until_subscribed_again(
    hooks: Stack,
) -> None:
    await command(hooks, "subscribe acme-shop", user_id=DEV, channel_id=ROOM)
    hooks.fake.remove_bot(ROOM)  # someone removes the bot after the subscription was made
    task_id = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.started", task_data(hooks, STAGING, task_id, "running"))
    await outbox_settled(hooks)
    assert [s.flagged_reason for s in hooks.c.store.subscriptions.for_channel(ROOM)] == [
        "not_in_channel"
    ]

    listing = await command(hooks, "subscriptions", user_id=DEV, channel_id=ROOM)
    assert "Paused: I'm not in this channel any more" in listing
    assert "`/invite @oec`, then `/oec subscribe acme-shop` to turn it back on" in listing
    assert "`not_in_channel`" not in listing
    hooks.fake.invite_bot(ROOM)
    await command(hooks, "subscribe acme-shop", user_id=DEV, channel_id=ROOM)
    listing = await command(hooks, "subscriptions", user_id=DEV, channel_id=ROOM)
    assert "Paused" not in listing

    await deliver(hooks, "deploy.completed", task_data(hooks, STAGING, task_id, "completed"))
    msgs = await hooks.fake.wait_for(lambda f: deployment_messages(f, ROOM, task_id))
    assert "completed" in text_of(msgs[0]).lower()
