"""SIGTERM in the middle of a stream of signed webhook deliveries loses nothing acknowledged.

The bot runs as `python -m oec_chatops serve` (what the image's CMD runs) against the fake Slack
in this process. Deliveries stream in from several senders; after a score of them got a 2xx,
the bot gets SIGTERM. It must stop taking requests, answer the ones in flight, flush the outbox
to Slack, close the database and exit 0 within a few seconds; after a restart on the same
database, every acknowledged delivery is in the channel exactly once: what the few seconds of
flushing could not send was waiting in the outbox and goes out after the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import httpx
import pytest

from oec_chatops.store import Store
from tests.support.bot_db import subscribe_in_db
from tests.support.ops_helpers import (
    Outside,
    bot_process,
    outside_world,
    signed_delivery,
    status_event,
)
from tests.support.stack import CHANNEL, bot_environ

SENDERS = 4
MAX_DELIVERIES = 160
SIGTERM_AFTER = 20
EXIT_WITHIN = 8.0


def subscribe(db: Path, o: Outside) -> tuple[str, str]:
    """Subscribe the channel to the first project in the bot's database; (project_id, env_id)."""
    project = next(iter(o.sim.projects.values()))
    env = o.sim.environments_of(project.id)[0]
    subscribe_in_db(
        db, project_id=project.id, project_label=project.slug, events="environment.status_changed"
    )
    return project.id, env.id


def waiting_in_outbox(db: Path) -> set[str]:
    """The environment names of the status messages still pending in the outbox."""
    store = Store(db)
    try:
        rows = store.conn.execute("SELECT body FROM outbox WHERE state = 'pending'").fetchall()
    finally:
        store.close()
    return {name for (body,) in rows for name in _names_in(body)}


def posted_names(o: Outside) -> list[str]:
    """The environment names of the status messages in the channel, one per message."""
    names = []
    for message in o.fake.messages(CHANNEL):
        text = message.text + str(message.blocks)
        names.extend(n for n in _names_in(text))
    return names


def _names_in(text: str) -> set[str]:
    return {word for word in _tokens(text) if word.startswith("sigterm-")}


def _tokens(text: str) -> list[str]:
    cleaned = "".join(ch if ch.isalnum() or ch == "-" else " " for ch in text)
    return cleaned.split()


@pytest.mark.slow
async def test_sigterm_mid_stream_loses_no_acknowledged_delivery(tmp_path: Path) -> None:
    async with outside_world() as o:
        environ = bot_environ(tmp_path, slack_url=o.slack_url, sim_url=o.sim_url)
        environ["LOG_FORMAT"] = "json"
        # Dozens of posts in one channel, flushed within the grace: the stand-in enforces no
        # rate limit, and Slack's one post a second would make this test about pacing.
        environ["OEC_CHATOPS_SLACK_POSTS_PER_SECOND"] = "0"
        project_id, env_id = subscribe(tmp_path / "bot.db", o)

        acked: list[str] = []
        refused: list[str] = []
        counter = iter(range(MAX_DELIVERIES))

        async with bot_process(environ, tmp_path=tmp_path, name="first") as bot:
            enough = asyncio.Event()

            async def sender(http: httpx.AsyncClient) -> None:
                for i in counter:
                    name = f"sigterm-{i:03d}"
                    body, headers = signed_delivery(
                        status_event(project_id=project_id, env_id=env_id, env_name=name)
                    )
                    try:
                        r = await http.post(
                            f"{bot.url}/webhooks/oec", content=body, headers=headers
                        )
                    except httpx.HTTPError:
                        refused.append(name)
                        return  # the bot stopped listening: this sender is done
                    if 200 <= r.status_code < 300:
                        acked.append(name)
                        if len(acked) >= SIGTERM_AFTER:
                            enough.set()
                    else:
                        refused.append(name)

            async with httpx.AsyncClient(timeout=5) as http:
                senders = [asyncio.create_task(sender(http)) for _ in range(SENDERS)]
                await asyncio.wait_for(enough.wait(), timeout=10)
                bot.terminate()
                stopped_at = time.monotonic()
                await asyncio.gather(*senders)
                status = await bot.wait(timeout=EXIT_WITHIN)
                took = time.monotonic() - stopped_at

            log = bot.stderr()
            assert status == 0, log
            assert took < EXIT_WITHIN
            assert '"event":"bot.stopped"' in log
            assert refused, "the stream should still have been running at SIGTERM"

        # Flushed on the way out, for a few seconds: what Slack took is in the channel, and
        # whatever it had no time for is still waiting in the outbox, durable, not lost.
        before_restart = posted_names(o)
        unsent = set(acked) - set(before_restart)
        assert unsent <= waiting_in_outbox(tmp_path / "bot.db")
        assert len(unsent) < len(acked) // 2, "the shutdown flush should have sent most"

        async with bot_process(environ, tmp_path=tmp_path, name="second") as again:
            # Nothing left to send: the restarted bot posts nothing twice.
            with contextlib.suppress(TimeoutError):
                await o.fake.wait_for(
                    lambda f: len(posted_names(o)) > len(before_restart), timeout=1.0
                )
            again.terminate()
            assert await again.wait(timeout=EXIT_WITHIN) == 0

        names = posted_names(o)
        assert set(acked) <= set(names)
        assert len(names) == len(set(names)), "a delivery was posted twice"
        assert len(acked) >= SIGTERM_AFTER
