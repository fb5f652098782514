"""Quieter channels, typed in Slack and fed by signed webhooks: `--only failures`, `--events`,
`threads on|off`, the `alerts` kind, `/oec subscriptions` and bad options."""

from __future__ import annotations

from typing import Any

from tests.support.stack import CHANNEL, DEV, Stack, on_both_engines
from tests.support.webhook_helpers import (
    command,
    deliver,
    deployment_messages,
    env_data,
    failed_with_its_log,
    new_task,
    outbox_settled,
    task_data,
    text_of,
)

ROOM = "C0ALERTS"  # no subscription until a test types one
PROD, STAGING = "acme-shop/production", "acme-shop/staging"


def _alert(stack: Stack, status: str, alert_id: str = "cpu-high") -> dict[str, Any]:
    return {
        **env_data(stack, PROD),
        "severity": "critical",
        "message": "CPU above 95% for 10 minutes",
        "status": status,
        "alert_id": alert_id,
    }


async def _say(stack: Stack, text: str, channel: str = ROOM) -> str:
    return await command(stack, text, user_id=DEV, channel_id=channel)


async def test_only_failures_posts_failed_deployments_and_firing_alerts_alone(
    hooks: Stack,
) -> None:
    answer = await _say(hooks, "subscribe acme-shop deploy.* monitoring.alert --only failures")
    assert "only failures" in answer

    ok = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.started", task_data(hooks, STAGING, ok, "running"))
    await deliver(hooks, "deploy.completed", task_data(hooks, STAGING, ok, "completed"))
    await deliver(hooks, "monitoring.alert", _alert(hooks, "resolved"))
    await outbox_settled(hooks)
    assert hooks.fake.messages(ROOM) == []
    assert deployment_messages(hooks.fake, CHANNEL, ok)  # a channel without the filter has it

    bad = new_task(hooks, PROD)
    msgs = await failed_with_its_log(hooks, PROD, bad, ROOM, "migration 42 failed")
    assert "failed" in text_of(msgs[0]).lower()
    await deliver(hooks, "monitoring.alert", _alert(hooks, "firing"))
    await hooks.fake.wait_for(lambda f: len(f.messages(ROOM, include_replies=False)) == 2)
    await outbox_settled(hooks)
    top = hooks.fake.messages(ROOM, include_replies=False)
    assert top[0].ts == deployment_messages(hooks.fake, ROOM, bad)[0].ts
    assert "CRITICAL* alert firing on" in text_of(top[1])


async def test_events_option_filters_and_a_typo_is_refused_with_a_suggestion(
    hooks: Stack,
) -> None:
    refused = await _say(hooks, "subscribe acme-shop --events environment.status_chnged")
    assert "Did you mean `environment.status_changed`?" in refused
    zone = await _say(hooks, "subscribe acme-shop --digest daily --tz Europe/Brusels")
    assert "Unknown time zone `Europe/Brusels`. Did you mean `Europe/Brussels`?" in zone
    assert hooks.c.store.subscriptions.for_channel(ROOM) == []

    await _say(hooks, "subscribe acme-shop --events environment.status_changed")
    task_id = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.failed", task_data(hooks, STAGING, task_id, "failed"))
    changed = {**env_data(hooks, STAGING), "previous_status": "running", "status": "stopped"}
    await deliver(hooks, "environment.status_changed", changed)
    msgs = await hooks.fake.wait_for(lambda f: f.messages(ROOM))
    await outbox_settled(hooks)
    assert len(hooks.fake.messages(ROOM)) == 1
    assert "stopped" in text_of(msgs[0])


@on_both_engines
async def test_threads_on_replies_under_the_living_message_and_off_does_not(
    hooks: Stack,
) -> None:
    await _say(hooks, "subscribe acme-shop deploy.* threads on")
    task_id = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.started", task_data(hooks, STAGING, task_id, "running"))
    parent = (await hooks.fake.wait_for(lambda f: deployment_messages(f, ROOM, task_id)))[0]
    done = task_data(hooks, STAGING, task_id, "completed", duration_seconds=312)
    await deliver(hooks, "deploy.completed", done)
    replies = await hooks.fake.wait_for(lambda f: f.thread(ROOM, parent.ts))
    await outbox_settled(hooks)
    assert len(replies) == 1
    assert "Completed* after 5m" in text_of(replies[0])
    living = deployment_messages(hooks.fake, ROOM, task_id)
    assert len(living) == 1
    assert "completed" in text_of(living[0]).lower()  # updated as well

    shown = deployment_messages(hooks.fake, CHANNEL, task_id)  # the default: threads off
    assert len(shown) == 1
    assert "completed" in text_of(shown[0]).lower()
    assert hooks.fake.thread(CHANNEL, shown[0].ts) == []

    await _say(hooks, "subscribe acme-shop threads off")
    second = new_task(hooks, PROD)
    await deliver(hooks, "deploy.started", task_data(hooks, PROD, second, "running"))
    await hooks.fake.wait_for(lambda f: deployment_messages(f, ROOM, second))
    await deliver(hooks, "deploy.completed", task_data(hooks, PROD, second, "completed"))
    await outbox_settled(hooks)
    (message,) = deployment_messages(hooks.fake, ROOM, second)
    assert "completed" in text_of(message).lower()
    assert hooks.fake.thread(ROOM, message.ts) == []


async def test_an_alerts_subscription_takes_alerts_only_resolved_in_the_firing_thread(
    hooks: Stack,
) -> None:
    answer = await _say(hooks, "subscribe acme-shop alerts")
    assert "monitoring alerts" in answer
    task_id = new_task(hooks, PROD)
    await deliver(hooks, "deploy.failed", task_data(hooks, PROD, task_id, "failed"))
    await deliver(hooks, "monitoring.alert", _alert(hooks, "firing"))
    (firing,) = await hooks.fake.wait_for(lambda f: f.messages(ROOM))
    assert "CRITICAL* alert firing on" in text_of(firing)
    assert deployment_messages(hooks.fake, ROOM, task_id) == []

    await deliver(hooks, "monitoring.alert", _alert(hooks, "resolved"))
    (resolved,) = await hooks.fake.wait_for(lambda f: f.thread(ROOM, firing.ts))
    await outbox_settled(hooks)
    assert "Resolved" in text_of(resolved)
    assert len(hooks.fake.messages(ROOM, include_replies=False)) == 1


async def test_subscribing_again_says_what_changed_and_the_listing_shows_modes(
    hooks: Stack,
) -> None:
    await _say(hooks, "subscribe acme-shop/prod* deploy.failed")
    updated = await _say(
        hooks, "subscribe acme-shop/prod* --digest daily --at 08:30 --tz Europe/Brussels"
    )
    assert "Updated" in updated
    assert "each event as it happens → daily digest at 08:30 (Europe/Brussels)" in updated
    (sub,) = hooks.c.store.subscriptions.for_channel(ROOM)
    assert (sub.events, sub.digest_at, sub.digest_tz) == (
        ("deploy.failed",),
        "08:30",
        "Europe/Brussels",
    )
    same = await _say(hooks, "subscribe acme-shop/prod*")
    assert "Nothing changed" in same
    await _say(hooks, "subscribe globex-erp alerts --only failures")

    listing = await _say(hooks, "subscriptions")
    assert "daily digest at 08:30 (Europe/Brussels)" in listing
    assert "only failures, alerts as they fire" in listing
    audit = hooks.c.store.audit.recent(action="subscription.update")
    assert [a.target for a in audit] == ["acme-shop/prod*"] * 2
