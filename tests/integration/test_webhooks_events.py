"""Events other than one deployment's own: unknown ones, environment status changes, alerts."""

from __future__ import annotations

import pytest

from tests.support.stack import ADMIN, CHANNEL, Stack
from tests.support.webhook_helpers import (
    deliver,
    deployment_messages,
    env_data,
    new_task,
    outbox_settled,
    table_count,
    task_data,
    text_of,
)

STAGING = "acme-shop/staging"
SIDE = "C0ALERTS"


def _subscribe(stack: Stack, channel: str, events: tuple[str, ...], env_glob: str = "*") -> None:
    project = stack.sim.project(stack.sim.environment(stack.env_id(STAGING)).project_id)
    stack.c.store.subscriptions.add(
        channel_id=channel,
        project_id=project.id,
        project_label=project.slug,
        env_glob=env_glob,
        events=events,
        created_by=ADMIN,
        now=stack.c.clock.time(),
    )


def _status_changed(
    stack: Stack, previous: str, status: str, task_id: str | None = None
) -> dict[str, object]:
    return {
        **env_data(stack, STAGING),
        "previous_status": previous,
        "status": status,
        "task_id": task_id,
    }


@pytest.mark.parametrize("event", ["billing.updated", "ping", "automation_rule.exploded"])
async def test_unknown_events_are_stored_and_acknowledged_but_not_posted(
    hooks: Stack, event: str
) -> None:
    r = await deliver(hooks, event, env_data(hooks, STAGING))
    assert r.status_code == 200
    assert r.json()["ok"] is True
    row = hooks.c.store.conn.execute("SELECT event, routed FROM deliveries").fetchone()
    assert (row["event"], row["routed"]) == (event, 0)
    assert table_count(hooks, "outbox") == 0
    await outbox_settled(hooks)
    assert hooks.fake.calls() == []


async def test_status_change_is_posted_to_subscribed_channels(hooks: Stack) -> None:
    r = await deliver(
        hooks, "environment.status_changed", _status_changed(hooks, "running", "stopped")
    )
    assert r.status_code == 200
    msgs = await hooks.fake.wait_for(lambda f: f.messages(CHANNEL))
    await outbox_settled(hooks)
    assert len(msgs) == 1
    assert "stopped" in text_of(msgs[0])
    assert "staging" in text_of(msgs[0])
    assert hooks.fake.messages(SIDE) == []  # not subscribed


async def test_deploying_transition_of_a_deployment_the_channel_shows_is_not_posted(
    hooks: Stack,
) -> None:
    task_id = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.started", task_data(hooks, STAGING, task_id, "running"))
    await deliver(
        hooks, "environment.status_changed", _status_changed(hooks, "running", "deploying", task_id)
    )
    await deliver(hooks, "deploy.completed", task_data(hooks, STAGING, task_id, "completed"))
    await deliver(
        hooks, "environment.status_changed", _status_changed(hooks, "deploying", "running", task_id)
    )
    await hooks.fake.wait_for(
        lambda f: (
            (m := deployment_messages(f, CHANNEL, task_id)) and "completed" in text_of(m[0]).lower()
        )
    )
    await outbox_settled(hooks)
    assert len(hooks.fake.messages(CHANNEL)) == 1, [m.text for m in hooks.fake.messages(CHANNEL)]


async def test_deploying_transition_reaches_a_channel_that_does_not_show_the_deployment(
    hooks: Stack,
) -> None:
    """A channel subscribed to status changes only never sees the deployment's message, so
    for it the environment's move to `deploying` is news."""
    _subscribe(hooks, SIDE, ("environment.status_changed",))
    task_id = new_task(hooks, STAGING)
    await deliver(hooks, "deploy.started", task_data(hooks, STAGING, task_id, "running"))
    await deliver(
        hooks, "environment.status_changed", _status_changed(hooks, "running", "deploying", task_id)
    )

    side = await hooks.fake.wait_for(lambda f: f.messages(SIDE))
    await outbox_settled(hooks)
    assert "deploying" in text_of(side[0])
    assert deployment_messages(hooks.fake, SIDE, task_id) == []
    assert len(hooks.fake.messages(CHANNEL)) == 1  # the deployment, and not the status change


async def test_alert_goes_only_where_its_event_is_subscribed(hooks: Stack) -> None:
    _subscribe(hooks, SIDE, ("monitoring.*",))
    data = {**env_data(hooks, STAGING), "severity": "critical", "message": "Disk 95% full"}
    r = await deliver(hooks, "monitoring.alert", data)
    assert r.status_code == 200
    alerts = await hooks.fake.wait_for(lambda f: f.messages(SIDE))
    await outbox_settled(hooks)
    assert "Disk 95% full" in text_of(alerts[0])
    assert hooks.fake.messages(CHANNEL) == []  # deploy.* and status changes only
