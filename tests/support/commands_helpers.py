"""Helpers for the `/oec` command tests: one command in, the answer the user saw out.

Everything goes through the real stack (`tests.support.stack.running_stack`): the slash command
is signed as Slack signs it, the answer is read from the fake Slack, and what reached oec.sh is
read from the simulator's request log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from oec_chatops.config import Settings
from oec_chatops.container import Container
from oec_chatops.context import request_id_var
from oec_chatops.playground import FakeSlack, Message, ResponsePost
from oec_chatops.services.types import Invocation
from oec_chatops.sim import SimSettings
from tests.support.bot_db import own_connection
from tests.support.command_answers import is_note, issue_command
from tests.support.stack import CHANNEL, DEV, POLICY, Stack, bot_container, running_stack


class SkippingClock:
    """Real time, except that waiting is instant: `sleep(s)` moves this clock `s` ahead.

    The client waits out a 429's `Retry-After` (up to a minute on the simulator) and backs off
    between 5xx retries through the injected clock; with this one those waits take no real
    time, while everything that reads the clock (the tracker's pace, the outbox's schedule,
    the resolver's cache) still sees time pass. `slept` lists every wait asked for.
    """

    def __init__(self) -> None:
        self._skipped = 0.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def time(self) -> float:
        return time.time() + self._skipped

    def monotonic(self) -> float:
        return time.monotonic() + self._skipped

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.slept.append(seconds)
        self._skipped += seconds
        await asyncio.sleep(0)


def container_with(clock: SkippingClock, policy: str = POLICY) -> Callable[[Settings], Container]:
    """A `running_stack(build=...)` that wires the bot as the stack does, on `clock`."""

    return lambda settings: bot_container(settings, clock=clock, policy=policy)


@contextlib.asynccontextmanager
async def skipping_stack(
    tmp_path: Path, *, sim: SimSettings | None = None, **kwargs: Any
) -> AsyncIterator[tuple[Stack, SkippingClock]]:
    """A whole stack whose bot waits on a `SkippingClock`."""
    clock = SkippingClock()
    async with running_stack(tmp_path, sim=sim, build=container_with(clock), **kwargs) as s:
        yield s, clock


async def in_flight_at_the_sim(stack: Stack) -> list[dict[str, Any]]:
    """Wait until the simulator holds a request of the bot's, not yet answered; the requests."""
    async with asyncio.timeout(5):
        while not (held := [r for r in await stack.sim_requests() if r["status"] is None]):  # noqa: ASYNC110 - the simulator has no change feed
            await asyncio.sleep(0.01)
    return held


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass(frozen=True)
class Answer:
    """What one slash command produced: the HTTP ack and the response_url posts that followed."""

    ack: httpx.Response
    posts: list[ResponsePost]

    @property
    def last(self) -> ResponsePost:
        return self.posts[-1]

    @property
    def text(self) -> str:
        """Every post's text and blocks, as one string to search."""
        return "\n".join(render(p.body) for p in self.posts)


def command_body(
    stack: Stack, text: str, *, user_id: str = "U0DEV1", response_url: str = ""
) -> bytes:
    """A slash command's form, exactly as Slack posts it; by default with a working response_url."""
    _, body = issue_command(
        stack.fake, stack.agent, text, user_id=user_id, response_url=response_url
    )
    return body


def render(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False)


def posts_for(fake: FakeSlack, user_id: str) -> list[ResponsePost]:
    """The answers `user_id` was shown through response_urls (not those Slack refused)."""
    return [
        p
        for p in fake.responses()
        if p.user_id == user_id and p.via == "response_url" and p.status == 200
    ]


async def ask(
    stack: Stack,
    text: str,
    *,
    user_id: str,
    channel_id: str = CHANNEL,
    posts: int = 1,
    timeout: float = 5.0,
    team_id: str | None = None,
) -> Answer:
    """Send `/oec text` as `user_id` (of workspace `team_id`, by default the fake's) and wait
    for `posts` response_url posts to it, the last one an answer (a "working on it" note
    shown meanwhile is counted, and waited past)."""
    before = len(posts_for(stack.fake, user_id))
    ack = await stack.agent.command(text, user_id=user_id, channel_id=channel_id, team_id=team_id)
    assert ack.status_code == 200, ack.text

    def answered_yet(f: FakeSlack) -> list[ResponsePost] | None:
        new = posts_for(f, user_id)[before:]
        return new if len(new) >= posts and not is_note(new[-1].body) else None

    answered = await stack.fake.wait_for(answered_yet, timeout=timeout)
    return Answer(ack, answered)


def deployment_messages(fake: FakeSlack, channel: str = CHANNEL) -> list[Message]:
    """Top-level channel messages the bot posted through the Web API (deployments, cards)."""
    return [
        m for m in fake.messages(channel, include_replies=False) if m.origin == "api" and m.bot_id
    ]


def final_word(message: Message) -> str:
    return render(message.blocks).lower()


def audit_rows(stack: Stack) -> list[dict[str, Any]]:
    """The bot's audit table, oldest first, read by a connection of ours (either engine)."""
    with own_connection(stack.settings.oec_chatops_db) as conn:
        rows = conn.execute("SELECT * FROM audit ORDER BY id").fetchall()
    return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]


async def run_twice(stack: Stack, text: str) -> list[dict[str, Any]]:
    """`/oec text` as the first life ran it, then as the restart runs it again."""
    inv = Invocation(user_id=DEV, channel_id=CHANNEL, text=text, trigger_id="4242.7777.abcdef")
    said: list[dict[str, Any]] = []

    async def reply(message: dict[str, Any]) -> None:
        said.append(message)

    request_id_var.set("req_0123456789ab")
    for _ in range(2):
        await stack.c.command_service.handle(inv, reply)
    return said
