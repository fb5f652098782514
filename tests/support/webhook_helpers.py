"""Webhook tests' helpers: deliveries signed as oec.sh signs them, a stack with a chosen clock,
and readers for what reached the fake Slack and the bot's tables.

Deliveries are signed with `oec_chatops.oec.signing`, the same module the simulator signs with,
and posted over real HTTP to the bot's `/webhooks/oec`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson

from oec_chatops.clock import Clock, ManualClock
from oec_chatops.config import Settings
from oec_chatops.container import Container
from oec_chatops.oec.signing import sign_oec_v1
from oec_chatops.playground import FakeSlack
from oec_chatops.playground.records import Message
from oec_chatops.sim.timeline import TaskKind
from tests.support.stack import ADMIN, CHANNEL, WEBHOOK_SECRET, Stack, bot_container, running_stack

WEBHOOK_PATH = "/webhooks/oec"


def envelope(event: str, data: dict[str, Any], *, delivery_id: str) -> bytes:
    """A delivery body as the simulator encodes one (CONTRACT.md §7.4.1)."""
    return orjson.dumps(
        {"id": delivery_id, "event": event, "timestamp": "2026-01-01T00:00:00Z", "data": data}
    )


def signed(
    body: bytes,
    *,
    event: str,
    delivery_id: str,
    timestamp: float,
    secrets: Sequence[str] = (WEBHOOK_SECRET,),
) -> dict[str, str]:
    headers = sign_oec_v1(
        body, secrets=list(secrets), timestamp=int(timestamp), delivery_id=delivery_id, event=event
    )
    return {**headers, "Content-Type": "application/json"}


def messages_by_key(fake: FakeSlack) -> dict[str, int]:
    """How many top-level messages of the deploy channel carry each key (their metadata)."""
    counts: dict[str, int] = {}
    for m in fake.messages(CHANNEL, include_replies=False):
        key = str((m.metadata or {}).get("event_payload", {}).get("key", ""))
        counts[key] = counts.get(key, 0) + 1
    return counts


def started_delivery(task_id: str, env: Any, project: Any) -> bytes:
    """`deploy.started` for a task on a simulator environment (of `project`), id `dlv-{task_id}`:
    what the tests that run the bot as a child process send it."""
    data = {
        "task_id": task_id,
        "environment_id": env.id,
        "environment_name": env.name,
        "project_id": project.id,
        "project_name": project.name,
        "status": "running",
        "type": "deploy",
    }
    return envelope("deploy.started", data, delivery_id=f"dlv-{task_id}")


async def post_started(http: httpx.AsyncClient, url: str, task_id: str, body: bytes) -> int:
    """POST a `started_delivery` body to the bot at `url`, signed now; the status (0: no answer)."""
    headers = signed(
        body, event="deploy.started", delivery_id=f"dlv-{task_id}", timestamp=time.time()
    )
    try:
        r = await http.post(url + WEBHOOK_PATH, content=body, headers=headers)
    except httpx.HTTPError:
        return 0
    return r.status_code


async def deliver(
    stack: Stack,
    event: str,
    data: dict[str, Any],
    *,
    delivery_id: str | None = None,
    timestamp: float | None = None,
    secrets: Sequence[str] = (WEBHOOK_SECRET,),
    path: str = WEBHOOK_PATH,
) -> httpx.Response:
    """POST one signed delivery to the bot (at `path`: a workspace's door is
    `/webhooks/oec/<team>`), timed by the bot's own clock unless told otherwise."""
    delivery_id = delivery_id or str(uuid.uuid4())
    body = envelope(event, data, delivery_id=delivery_id)
    headers = signed(
        body,
        event=event,
        delivery_id=delivery_id,
        timestamp=stack.c.clock.time() if timestamp is None else timestamp,
        secrets=secrets,
    )
    return await stack.http.post(stack.bot_url + path, content=body, headers=headers)


def env_data(stack: Stack, label: str) -> dict[str, Any]:
    """The environment part of a payload, for `project-slug/env-name` in the simulator."""
    env = stack.sim.environment(stack.env_id(label))
    project = stack.sim.project(env.project_id)
    return {
        "environment_id": env.id,
        "environment_name": env.name,
        "project_id": project.id,
        "project_name": project.name,
        "url": env.url,
    }


def task_data(stack: Stack, label: str, task_id: str, status: str, **extra: Any) -> dict[str, Any]:
    """`data` of a deploy.* delivery for `task_id` on `label`."""
    return {
        **env_data(stack, label),
        "task_id": task_id,
        "status": status,
        "type": "deploy",
        "branch": "main",
        "triggered_by": "ci@example.com",
        **extra,
    }


def deployment_messages(fake: FakeSlack, channel: str, task_id: str) -> list[Message]:
    """Top-level messages in `channel` that are the living message of `task_id`."""
    return [
        m
        for m in fake.messages(channel, include_replies=False)
        if (m.metadata or {}).get("event_payload", {}).get("key") == f"dep:{task_id}"
    ]


async def command(stack: Stack, text: str, *, user_id: str, channel_id: str) -> str:
    """Type `/oec text` as `user_id` in `channel_id`; return the answer the user saw, as text."""
    before = len(stack.fake.responses())
    ack = await stack.agent.command(text, user_id=user_id, channel_id=channel_id)
    assert ack.status_code == 200, ack.text
    posts = await stack.fake.wait_for(
        lambda f: [p for p in f.responses()[before:] if p.user_id == user_id]
    )
    return orjson.dumps([p.body for p in posts]).decode()


def text_of(message: Message) -> str:
    return message.text + " " + orjson.dumps(message.blocks).decode()


def new_task(stack: Stack, label: str) -> str:
    """Queue a deploy in the simulator (no webhook sent): a real task the tracker can poll."""
    return stack.sim.queue_action(stack.env_id(label), TaskKind.DEPLOY).id


def table_count(stack: Stack, table: str) -> int:
    row = stack.c.store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
    return int(row[0])


def subscribe_channel(
    stack: Stack,
    label: str,
    channel: str,
    events: tuple[str, ...] = ("deploy.*", "environment.status_changed"),
) -> None:
    """Subscribe `channel` to every environment of the project of `label`."""
    project = stack.sim.project(stack.sim.environment(stack.env_id(label)).project_id)
    stack.c.store.subscriptions.add(
        channel_id=channel,
        project_id=project.id,
        project_label=project.slug,
        env_glob="*",
        events=events,
        created_by=ADMIN,
        now=stack.c.clock.time(),
    )


async def failed_with_its_log(
    hooks: Stack, label: str, task_id: str, channel: str, error: str
) -> list[Message]:
    """When oec.sh says the deployment `task_id` of `label` failed with `error`: the messages of
    that deployment in `channel`, once the first has its log thread."""
    data = task_data(hooks, label, task_id, "failed", error_message=error)
    await deliver(hooks, "deploy.failed", data)
    msgs = await hooks.fake.wait_for(lambda f: deployment_messages(f, channel, task_id))
    await hooks.fake.wait_for(lambda f: f.thread(channel, msgs[0].ts))
    return msgs


def advance(stack: Stack, seconds: float) -> None:
    """Move the bot's `ManualClock` on, and wake the outbox to look at what fell due."""
    clock = stack.c.clock
    assert isinstance(clock, ManualClock)
    clock.advance(seconds)
    stack.c.outbox.wake()


def outbox_row(stack: Stack, channel: str) -> dict[str, Any]:
    """The newest outbox row of `channel`, as a dict ({} when there is none)."""
    r = stack.c.store.conn.execute(
        "SELECT * FROM outbox WHERE channel_id = ? ORDER BY id DESC LIMIT 1", (channel,)
    ).fetchone()
    return dict(r) if r else {}


async def until(check: Callable[[], object], *, timeout: float = 5.0, what: str = "") -> None:
    """Wait until `check()` is truthy: for the bot's own tables, which signal no change."""
    try:
        async with asyncio.timeout(timeout):
            # ASYNC110 allowed: SQLite state has no event to await; 10 ms polls, bounded.
            while not check():  # noqa: ASYNC110
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise TimeoutError(f"still not true after {timeout} s: {what or check}") from None


async def posted_on_the_clock(
    stack: Stack, clock: ManualClock, channel: str, count: int, *, step: float = 600
) -> None:
    """Move `clock` past any backoff, again and again, until `channel` shows `count` messages.

    A send that was in flight while Slack was still down schedules its retry from the clock as
    it is when the 503 comes back, so one jump is not always enough."""
    async with asyncio.timeout(10):
        while len(stack.fake.messages(channel)) < count:
            clock.advance(step)
            stack.c.outbox.wake()
            await asyncio.sleep(0.05)


async def outbox_settled(stack: Stack, *, timeout: float = 5.0) -> None:
    """Wait until no outbox row is pending (everything sent or dead)."""
    await until(
        lambda: stack.c.store.outbox.depth()[0] == 0, timeout=timeout, what="outbox drained"
    )


STANDARD_SECRET = "whsec_" + "c2VjcmV0LWtleS1mb3Itc3RhbmRhcmQtd2ViaG9va3M="


def standard_webhooks_stack(tmp_path: Path) -> contextlib.AbstractAsyncContextManager[Stack]:
    """`webhook_stack` verifying the Standard Webhooks scheme with `STANDARD_SECRET`."""
    environ = {"OEC_WEBHOOK_SCHEME": "standard-webhooks", "OEC_WEBHOOK_SECRET": STANDARD_SECRET}
    return webhook_stack(tmp_path, environ=environ)


@contextlib.asynccontextmanager
async def webhook_stack(
    tmp_path: Path,
    *,
    clock: Clock | None = None,
    webhook_events: list[str] | None = None,
    poll_seconds: float = 0.1,
    read_limit: int = 100_000,
    **options: Any,
) -> AsyncIterator[Stack]:
    """`running_stack` (`options` are its own: `sim`, `environ`, `subscribe`, `slack_clock`) with
    the bot alone on `clock`; by default the simulator sends no webhooks, so only the
    deliveries a test signs reach the bot."""

    def build(settings: Settings) -> Container:
        return bot_container(
            settings, clock=clock, poll_seconds=poll_seconds, read_limit=read_limit
        )

    async with running_stack(
        tmp_path, webhook_events=webhook_events, build=build, **options
    ) as stack:
        yield stack
