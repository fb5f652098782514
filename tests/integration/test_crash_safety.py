"""`kill -9` in the middle of a webhook stream loses nothing acknowledged and posts nothing twice.

The bot runs as `python -m oec_chatops serve`, as in production, against the fake Slack and the
simulator served by this test. 200 signed `deploy.started` deliveries (distinct tasks) are sent
with bounded concurrency; while they are still arriving, and while Slack holds the answer to a
`chat.postMessage` it has already applied (the worst moment: posted in Slack, not yet recorded
by the bot), the bot is killed with SIGKILL. It is started again on the same database, the
deliveries that got no 2xx are sent again (as oec.sh retries them) along with some that did
(duplicates), and every task must end as exactly one message in the channel.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path

import httpx
import pytest

from oec_chatops.playground import (
    FakeSlack,
    build_fake_slack_app,
    seed_demo_workspace,
    serve_on_loopback,
)
from oec_chatops.sim import build_sim_app
from tests.support.bot_db import subscribe_in_db
from tests.support.bot_process import bot_process
from tests.support.holding import HoldingSlack
from tests.support.stack import BOT_TOKEN, CHANNEL, bot_environ, sim_settings
from tests.support.webhook_helpers import messages_by_key, post_started, started_delivery

pytestmark = pytest.mark.slow

DELIVERIES = 200
CONCURRENCY = 8
KILL_AFTER_ACKS = 90  # then the stream waits for a held post, and the kill follows
HOLD_AFTER_POSTS = 25


async def test_kill_9_mid_stream_every_acknowledged_delivery_posts_exactly_once(
    tmp_path: Path,
) -> None:
    fake = seed_demo_workspace(FakeSlack(bot_token=BOT_TOKEN))
    slack = HoldingSlack(build_fake_slack_app(fake))
    sim_app = build_sim_app(sim_settings())
    sim = sim_app.state.sim
    env = next(e for p in sim.projects.values() for e in sim.environments_of(p.id))
    project = sim.project(env.project_id)
    subscribe_in_db(
        tmp_path / "bot.db", project_id=project.id, project_label=project.slug, events="deploy.*"
    )

    tasks = [str(uuid.uuid4()) for _ in range(DELIVERIES)]
    bodies = {task_id: started_delivery(task_id, env, project) for task_id in tasks}
    acked: set[str] = set()

    async def send(http: httpx.AsyncClient, url: str, task_id: str) -> bool:
        if 200 <= await post_started(http, url, task_id, bodies[task_id]) < 300:
            acked.add(task_id)
            return True
        return False

    try:
        async with (
            serve_on_loopback(slack) as slack_url,
            serve_on_loopback(sim_app, lifespan="on") as sim_url,
            httpx.AsyncClient(timeout=5) as http,
        ):
            environ = bot_environ(tmp_path, slack_url=slack_url, sim_url=sim_url)
            # 200 posts in one channel: the stand-in enforces no rate limit, and at Slack's pace
            # of one post a second this test would take minutes. No pacing here.
            environ["OEC_CHATOPS_SLACK_POSTS_PER_SECOND"] = "0"
            slack.hold_after = HOLD_AFTER_POSTS

            # -- first life: killed mid-stream ------------------------------------------------
            async with bot_process(environ, tmp_path, "first") as bot:
                queue: asyncio.Queue[str] = asyncio.Queue()
                for task_id in tasks:
                    queue.put_nowait(task_id)
                killed = asyncio.Event()

                async def sender() -> None:
                    while not killed.is_set() and not queue.empty():
                        if len(acked) >= KILL_AFTER_ACKS:
                            await slack.caught.wait()  # the stream goes on once a post is held
                        await send(http, bot.url, queue.get_nowait())

                async def killer() -> None:
                    async with asyncio.timeout(15):
                        await slack.caught.wait()
                        # The outbox may catch a post before the stream got far: let it get
                        # there first, so the kill lands well into the stream either way.
                        while len(acked) < KILL_AFTER_ACKS:  # noqa: ASYNC110 - bounded, 1 ms polls
                            await asyncio.sleep(0.001)
                        resumed = len(acked)
                        while len(acked) < resumed + 10:  # noqa: ASYNC110 - bounded, 1 ms polls
                            await asyncio.sleep(0.001)
                    bot.proc.send_signal(signal.SIGKILL)
                    killed.set()

                await asyncio.gather(killer(), *(sender() for _ in range(CONCURRENCY)))
                assert bot.proc.wait(timeout=5) == -signal.SIGKILL
            first_life_acks = len(acked)
            assert KILL_AFTER_ACKS <= first_life_acks < DELIVERIES, "killed mid-stream"
            held_key = _newest_key(fake)
            slack.release.set()
            slack.hold_after = None

            # -- second life: oec.sh retries what got no 2xx, and resends some that did ------
            async with bot_process(environ, tmp_path, "second") as bot:
                again = [t for t in tasks if t not in acked] + sorted(acked)[:20]
                sem = asyncio.Semaphore(CONCURRENCY)

                async def resend(task_id: str) -> None:
                    async with sem:
                        assert await send(http, bot.url, task_id), task_id

                await asyncio.gather(*(resend(t) for t in again))
                assert acked == set(tasks)
                await fake.wait_for(lambda f: len(messages_by_key(f)) >= DELIVERIES, timeout=15)
                # Let the outbox finish (the tracker's updates included) before counting.
                await asyncio.sleep(0.3)
                log = bot.log.read_text()
    finally:
        slack.release.set()

    counts = messages_by_key(fake)
    assert set(counts) == {f"dep:{t}" for t in tasks}, "every task has its message, nothing else"
    duplicates = {k: n for k, n in counts.items() if n != 1}
    assert duplicates == {}, duplicates
    assert counts[held_key] == 1
    assert "outbox.adopted" in log, "the held post was found in history, not posted again"


def _newest_key(fake: FakeSlack) -> str:
    newest = fake.messages(CHANNEL, include_replies=False)[-1]
    return str((newest.metadata or {})["event_payload"]["key"])
