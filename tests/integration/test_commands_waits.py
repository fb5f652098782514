"""Nobody waits in silence, and no answer goes to a response_url Slack no longer takes.

The bot and the simulator share a `ManualClock`: the bot's own rate limiter waits out a spent
window on it (instantly, in real time), and the simulator's window moves with it. The simulator
allows 3 reads a minute, which the bot learns from its `X-RateLimit-*` headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.config import Settings
from oec_chatops.container import Container, build_container
from oec_chatops.policy import parse_policy
from oec_chatops.slack.command_queue import CommandQueue
from tests.support.bot_db import own_connection
from tests.support.command_answers import bot_life, issue_command, shown
from tests.support.ops_helpers import Outside, SocketModeStandIn, outside_world
from tests.support.stack import (
    CHANNEL,
    DEV,
    LEAD1,
    POLICY,
    VIEWER,
    Stack,
    running_stack,
    sim_settings,
)

BUDGET_NOTE = re.compile(r"Waiting for oec\.sh's rate limit budget: about (\d+) s")
QUEUE_NOTE = re.compile(r"(\d+) commands? (?:is|are) ahead of yours; it should run in about \d+ s")


@contextlib.asynccontextmanager
async def three_reads_a_minute(
    tmp_path: Path, clock: ManualClock, *, workers: int | None = None
) -> AsyncIterator[Stack]:
    """A stack on `clock` whose simulator allows 3 reads a minute; with `workers`, the bot
    works on that many commands at once."""

    def build(settings: Settings) -> Container:
        c = build_container(settings, clock=clock, policy=parse_policy(POLICY))
        return (
            c if workers is None else dataclasses.replace(c, commands=CommandQueue(workers=workers))
        )

    async with running_stack(
        tmp_path,
        sim=sim_settings(read_limit=3),
        clock=clock,
        webhook_events=None,
        subscribe=False,
        build=build,
    ) as stack:
        yield stack


async def send(stack: Stack, text: str, *, user_id: str = VIEWER) -> str:
    url_id, body = issue_command(stack.fake, stack.agent, text, user_id=user_id)
    r = await stack.agent.post_signed(body)
    assert r.status_code == 200
    return url_id


async def answered(stack: Stack, *url_ids: str, timeout: float = 10.0) -> None:
    await stack.fake.wait_for(lambda f: all(shown(f, u).answers for u in url_ids), timeout=timeout)


async def test_a_command_held_by_the_rate_limiter_says_how_long_then_the_answer_replaces_it(
    tmp_path: Path,
) -> None:
    clock = ManualClock()
    async with three_reads_a_minute(tmp_path, clock) as stack:
        # Resolving the name takes 3 reads (projects, then each project's environments), so
        # the status read is the fourth of the minute: it waits for the next window.
        url_id = await send(stack, "status acme-shop/staging")
        await answered(stack, url_id)

        seen = shown(stack.fake, url_id)
        note, answer = seen.posts
        said = BUDGET_NOTE.search(note.body["text"])
        assert said is not None, note.body
        assert clock.slept == [60.0]  # the wait announced is the wait taken, on the clock
        assert int(said[1]) == 60
        assert "acme-shop/staging: running" in answer.body["text"]
        # The note was replaced: the user is left with one message, the answer.
        assert [p.outcome for p in seen.posts] == ["posted_ephemeral", "replaced"]
        assert answer.body["replace_original"] is True
        (ephemeral,) = stack.fake.ephemerals(VIEWER)
        assert "acme-shop/staging: running" in ephemeral.text
        assert len(ephemeral.edits) == 1


async def test_commands_queued_behind_a_held_one_are_told_how_many_are_ahead(
    tmp_path: Path,
) -> None:
    clock = ManualClock()
    async with three_reads_a_minute(tmp_path, clock, workers=1) as stack:
        # Reads take 300 ms of real time: all three are acked before the first one, which
        # needs a fourth read this minute, finds out that it must wait for the next one.
        await stack.sim_faults(latency_ms=300)
        # Three people: one person's second command would wait aside for their first.
        first, second, third = [
            await send(stack, "status acme-shop/staging", user_id=u) for u in (VIEWER, DEV, LEAD1)
        ]
        await answered(stack, first, second, third)

    (held,) = shown(stack.fake, first).notes
    assert BUDGET_NOTE.search(held.body["text"])
    told = [shown(stack.fake, u).notes for u in (second, third)]
    said = [QUEUE_NOTE.search(notes[0].body["text"]) for notes in told]
    assert [int(m[1]) if m else None for m in said] == [1, 2]
    assert "1 command is ahead of yours" in told[0][0].body["text"]
    for url_id in (first, second, third):
        seen = shown(stack.fake, url_id)
        assert seen.messages == 1  # the note, then the answer in its place
        assert len(seen.answers) == 1
        assert "acme-shop/staging: running" in seen.seen


async def test_a_command_too_old_to_answer_is_not_answered_but_logged_and_audited(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    async with outside_world() as o:
        await sim_latency(o, 3000)
        async with bot_life(o, tmp_path, clock=clock, grace=1.0) as (c, agent):
            old, body = issue_command(o.fake, agent, "status acme-shop/staging", user_id=DEV)
            assert (await agent.post_signed(body)).status_code == 200
            clock.advance(20 * 60)
            # Another person's: one person's second command would wait for their first.
            young, body = issue_command(o.fake, agent, "status globex-erp/staging", user_id=LEAD1)
            assert (await agent.post_signed(body)).status_code == 200
            # Both are still waiting on the slow simulator when this life ends.
            await wait_until(lambda: command_states(c.settings.oec_chatops_db) == {"running": 2})
        assert shown(o.fake, old).notes  # "the bot is restarting"
        assert shown(o.fake, young).notes
        await sim_latency(o, 0)

        clock.advance(11 * 60)  # 31 minutes after the first, 11 after the second
        with caplog.at_level(logging.INFO, logger="oec_chatops"):
            async with bot_life(o, tmp_path, clock=clock) as (c, agent):
                await o.fake.wait_for(lambda f: shown(f, young).answers, timeout=5)
                await asyncio.sleep(0.2)  # an answer to the old one would have arrived by now
                db = c.settings.oec_chatops_db

    assert shown(o.fake, old).answers == [], "Slack would refuse it: no answer is sent"
    assert "globex-erp/staging: error" in shown(o.fake, young).seen  # its state, answered
    assert command_states(db) == {"done": 2}
    expired = [r for r in caplog.records if r.getMessage() == "command.expired"]
    assert len(expired) == 1
    audit = [r for r in audit_rows_of(db) if r[0] == "command.expired"]
    assert len(audit) == 1
    assert audit[0][1] == DEV
    assert json.loads(audit[0][2])["text"] == "status acme-shop/staging"


async def sim_latency(o: Outside, ms: int) -> None:
    async with httpx.AsyncClient() as http:
        (await http.post(f"{o.sim_url}/_sim/faults", json={"latency_ms": ms})).raise_for_status()


async def wait_until(predicate: Callable[[], bool], *, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - polling state another task changes
            await asyncio.sleep(0.01)


def command_states(db: str | Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT state, count(*) FROM commands GROUP BY state").fetchall()
    return {str(state): int(n) for state, n in rows}


def audit_rows_of(db: str) -> list[tuple[str, str, str]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return list(conn.execute("SELECT action, actor, detail FROM audit ORDER BY id"))


async def test_socket_mode_stores_the_command_before_it_acks(tmp_path: Path) -> None:
    standin = SocketModeStandIn(app_token="xapp-1-A0OECAPP-1-socketmodetoken")
    async with (
        standin.running() as slack_side,
        running_stack(
            tmp_path,
            environ={
                "SLACK_APP_TOKEN": standin.app_token,
                "SLACK_API_URL": f"{slack_side}/api/",
            },
        ) as stack,
    ):
        standin.upstream = stack.slack_url
        await asyncio.wait_for(standin.connected.wait(), timeout=5)
        await stack.sim_faults(latency_ms=1000)
        url_id, body = issue_command(stack.fake, stack.agent, "whoami", user_id=DEV)
        envelope_id = await standin.send("slash_commands", dict(parse_qsl(body.decode())))
        await standin.ack_for(envelope_id)

        # Acked: the command is in the database, to be finished even if the bot died now.
        with own_connection(stack.settings.oec_chatops_db) as conn:
            rows = conn.execute("SELECT text, user_id, channel_id FROM commands").fetchall()
        assert [tuple(r) for r in rows] == [("whoami", DEV, CHANNEL)]
        await stack.fake.wait_for(lambda f: shown(f, url_id).answers, timeout=5)
