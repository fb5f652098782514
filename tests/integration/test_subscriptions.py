"""`/oec subscribe | unsubscribe | subscriptions`, typed in Slack, and the routing they set up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.stack import DEV, VIEWER, Stack, sim_settings
from tests.support.webhook_helpers import (
    command,
    deliver,
    deployment_messages,
    new_task,
    outbox_settled,
    task_data,
    text_of,
    webhook_stack,
)

ROOM = "C0ALERTS"  # no subscription until a test types one
PROD, STAGING = "acme-shop/production", "acme-shop/staging"


@pytest.fixture
async def hooks(tmp_path: Path) -> AsyncIterator[Stack]:
    async with webhook_stack(tmp_path, sim=sim_settings(task_seconds=600)) as s:
        yield s


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
    await deliver(
        hooks,
        "deploy.failed",
        task_data(hooks, PROD, started, "failed", error_message="migration 42 failed"),
    )
    msgs = await hooks.fake.wait_for(lambda f: deployment_messages(f, ROOM, started))
    await hooks.fake.wait_for(lambda f: f.thread(ROOM, msgs[0].ts))
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
    assert "deploy.failed" in listing
    assert "globex" not in listing


async def test_a_channel_the_bot_is_not_in_shows_its_flag_until_subscribed_again(
    hooks: Stack,
) -> None:
    outside = "C0RANDOM"
    await command(hooks, "subscribe acme-shop", user_id=DEV, channel_id=outside)
    task_id = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.started", task_data(hooks, STAGING, task_id, "running"))
    await outbox_settled(hooks)

    listing = await command(hooks, "subscriptions", user_id=DEV, channel_id=outside)
    assert "not_in_channel" in listing
    hooks.fake.invite_bot(outside)
    await command(hooks, "subscribe acme-shop", user_id=DEV, channel_id=outside)
    listing = await command(hooks, "subscriptions", user_id=DEV, channel_id=outside)
    assert "not_in_channel" not in listing

    await deliver(hooks, "deploy.completed", task_data(hooks, STAGING, task_id, "completed"))
    msgs = await hooks.fake.wait_for(lambda f: deployment_messages(f, outside, task_id))
    assert "completed" in text_of(msgs[0]).lower()
