"""Two bot processes on one PostgreSQL database behave as one bot, and either may die.

Each test runs two real replicas (`python -m oec_chatops serve`) against a throwaway PostgreSQL
cluster (tests/support/postgres.py), the fake Slack and the oec.sh simulator on loopback:
40 approvers clicking over both replicas start one action; a replica killed with SIGKILL in
the middle of the outbox leaves every row to the other, each sent exactly once; the singleton
loops (approval expiry here) move to the survivor when their leader is killed.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from oec_chatops.playground import (
    FakeSlack,
    SlackUserAgent,
    build_fake_slack_app,
    seed_demo_workspace,
    serve_on_loopback,
)
from oec_chatops.sim import build_sim_app
from oec_chatops.store import Store
from tests.support.approval_helpers import (
    APPROVE,
    PROD,
    actions_with_key,
    approval_id_of,
    cards,
    policy_text,
    wait_card,
)
from tests.support.bot_db import subscribe_in_db
from tests.support.bot_process import Bot, bot_process
from tests.support.holding import HoldingSlack
from tests.support.postgres import Cluster
from tests.support.stack import (
    BOT_TOKEN,
    CHANNEL,
    DEV,
    SIGNING_SECRET,
    bot_environ,
    running_stack,
    sim_settings,
)
from tests.support.webhook_helpers import deliver, messages_by_key, post_started, started_delivery

pytestmark = pytest.mark.slow

CROWD = [f"U0APR{i:02d}" for i in range(40)]
DELIVERIES = 60
HOLD_AFTER_POSTS = 12


@dataclass
class Pair:
    a: Bot
    b: Bot
    fake: FakeSlack
    slack: HoldingSlack
    slack_url: str
    sim_url: str
    db: str

    def other(self, bot: Bot) -> Bot:
        return self.b if bot is self.a else self.a


@asynccontextmanager
async def two_replicas(tmp_path: Path, db: str, **extra: str) -> AsyncIterator[Pair]:
    """The fake Slack (behind a `HoldingSlack`), the simulator, and two replicas on `db`."""
    fake = seed_demo_workspace(FakeSlack(bot_token=BOT_TOKEN))
    for i, user_id in enumerate(CROWD):
        fake.add_user(user_id, f"approver{i:02d}")
    slack = HoldingSlack(build_fake_slack_app(fake))
    sim_app = build_sim_app(sim_settings())
    try:
        async with AsyncExitStack() as stack:
            slack_url = await stack.enter_async_context(serve_on_loopback(slack))
            sim_url = await stack.enter_async_context(serve_on_loopback(sim_app, lifespan="on"))
            environ = bot_environ(tmp_path, slack_url=slack_url, sim_url=sim_url, **extra)
            environ["OEC_CHATOPS_DB"] = db
            # Many posts in one channel: the stand-in enforces no rate limit.
            environ["OEC_CHATOPS_SLACK_POSTS_PER_SECOND"] = "0"
            environ["OEC_CHATOPS_OUTBOX_CLAIM"] = "2"
            a = await stack.enter_async_context(bot_process(environ, tmp_path, "a"))
            b = await stack.enter_async_context(bot_process(environ, tmp_path, "b"))
            yield Pair(a, b, fake, slack, slack_url, sim_url, db)
    finally:
        slack.release.set()


def _pid_of_owner(owner: str) -> int:
    return int(owner.split(":")[1])  # host:pid:nonce (services/outbox/claims.py)


def _leading(bot: Bot) -> bool:
    """The replica's last word on leadership (its JSON log)."""
    leading = False
    for line in bot.log.read_text().splitlines():
        if '"leader.changed"' in line:
            leading = bool(json.loads(line).get("leading"))
    return leading


async def _until(check: object, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not check():  # type: ignore[operator]  # noqa: ASYNC110 - polls a subprocess
            await asyncio.sleep(0.05)


async def test_forty_clicks_over_two_replicas_start_one_action(tmp_path: Path, pg_url: str) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(policy_text(approvals=1, extra_approvers=CROWD))
    async with (
        two_replicas(tmp_path, pg_url, OEC_CHATOPS_POLICY=str(policy)) as p,
        SlackUserAgent(
            bot_url=p.a.url, signing_secret=SIGNING_SECRET, fake=p.fake, fake_url=p.slack_url
        ) as via_a,
        SlackUserAgent(
            bot_url=p.b.url, signing_secret=SIGNING_SECRET, fake=p.fake, fake_url=p.slack_url
        ) as via_b,
        httpx.AsyncClient(timeout=10) as http,
    ):
        r = await via_a.command(f"deploy {PROD} -- replicas", user_id=DEV, channel_id=CHANNEL)
        assert r.status_code == 200
        message = await p.fake.wait_for(lambda f: (cards(f) or [None])[0], timeout=10)
        approval_id = approval_id_of(message)

        agents = (via_a, via_b)
        answers = await asyncio.gather(
            *(agents[i % 2].click(message, APPROVE, user_id=u) for i, u in enumerate(CROWD))
        )
        assert {r.status_code for r in answers} == {200}
        await wait_card(p.fake, approval_id, "has started", "1/1", timeout=15)

        def everyone_answered(f: FakeSlack) -> bool:
            return len({e.user_id for e in f.ephemerals() if e.user_id in CROWD}) == len(CROWD) - 1

        await p.fake.wait_for(everyone_answered, timeout=15)
        sim = (await http.get(f"{p.sim_url}/_sim/requests")).json()
        requests = sim["requests"] if isinstance(sim, dict) else sim
        assert len(actions_with_key(requests, approval_id)) == 1


async def test_kill_9_of_a_replica_mid_outbox_leaves_every_row_to_the_other_sent_once(
    tmp_path: Path, pg_url: str
) -> None:
    sim_app = build_sim_app(sim_settings())
    sim = sim_app.state.sim
    env = next(e for p in sim.projects.values() for e in sim.environments_of(p.id))
    project = sim.project(env.project_id)
    subscribe_in_db(pg_url, project_id=project.id, project_label=project.slug, events="deploy.*")
    tasks = [str(uuid.uuid4()) for _ in range(DELIVERIES)]

    async with two_replicas(tmp_path, pg_url) as p, httpx.AsyncClient(timeout=5) as http:
        p.slack.hold_after = HOLD_AFTER_POSTS

        async def deliver_to_either(i: int, task_id: str) -> None:
            bot = (p.a, p.b)[i % 2]  # a load balancer spreads the deliveries
            body = started_delivery(task_id, env, project)
            assert await post_started(http, bot.url, task_id, body) == 200

        await asyncio.gather(*(deliver_to_either(i, t) for i, t in enumerate(tasks)))
        async with asyncio.timeout(15):
            await p.slack.caught.wait()  # a post Slack applied, its answer held: the worst moment

        store = Store(pg_url)
        try:
            (owner,) = store.conn.execute(
                "SELECT claimed_by FROM outbox WHERE state = 'pending' AND inflight_at IS NOT NULL"
            ).fetchone()
        finally:
            store.close()
        # The replica whose post is held dies (the claim says which one sent it).
        victim = p.b if owner is not None and _pid_of_owner(owner) == p.b.proc.pid else p.a
        survivor = p.other(victim)
        victim.proc.send_signal(signal.SIGKILL)
        assert victim.proc.wait(timeout=5) == -signal.SIGKILL
        p.slack.hold_after = None
        p.slack.release.set()

        await p.fake.wait_for(lambda f: len(messages_by_key(f)) >= DELIVERIES, timeout=30)
        await asyncio.sleep(0.5)  # anything doubled would have arrived by now
        counts = messages_by_key(p.fake)
        assert set(counts) == {f"dep:{t}" for t in tasks}
        assert {k: n for k, n in counts.items() if n != 1} == {}
        assert "outbox.adopted" in survivor.log.read_text(), "the held post was looked up"


async def test_the_singleton_loops_move_to_the_survivor_when_their_leader_is_killed(
    tmp_path: Path, pg_url: str
) -> None:
    async with two_replicas(tmp_path, pg_url) as p:
        await _until(lambda: _leading(p.a) or _leading(p.b), timeout=10)
        assert not (_leading(p.a) and _leading(p.b))
        leader = p.a if _leading(p.a) else p.b
        follower = p.other(leader)
        leader.proc.send_signal(signal.SIGKILL)
        assert leader.proc.wait(timeout=5) == -signal.SIGKILL

        # An approval falls due while only the follower lives: its expiry loop must take it.
        now = time.time()
        store = Store(pg_url)
        try:
            store.conn.execute(
                "INSERT INTO approvals (approval_id, verb, env_id, env_label, requested_by, "
                "channel_id, reason, modules, state, required, self_approval, created_at, "
                "expires_at, updated_at) VALUES (?, 'deploy', 'e1', 'shop/production', ?, ?, "
                "'takeover', '[]', 'pending', 1, 0, ?, ?, ?)",
                ("apr-takeover", DEV, CHANNEL, now - 60, now - 1, now - 60),
            )

            def expired() -> bool:
                row = store.conn.execute(
                    "SELECT state FROM approvals WHERE approval_id = 'apr-takeover'"
                ).fetchone()
                return bool(row[0] == "expired")

            started = time.monotonic()
            await _until(expired, timeout=10)
            assert time.monotonic() - started < 5, "taken over within seconds"
        finally:
            store.close()
        assert _leading(follower)


async def test_a_webhook_while_postgresql_restarts_gets_503_and_its_retry_is_stored_once(
    tmp_path: Path, pg_cluster: Cluster, pg_url: str
) -> None:
    """Nothing is acknowledged unless it committed: during the outage the sender is told to
    retry (503, Retry-After), and after it the bot's new session stores the retry."""
    data = {"task_id": "t-outage", "status": "running"}

    async with running_stack(tmp_path, environ={"OEC_CHATOPS_DB": pg_url}) as s:
        pg_cluster.stop()
        try:
            refused = await deliver(s, "deploy.started", data, delivery_id="d1")
        finally:
            pg_cluster.start()
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        answers = []
        async with asyncio.timeout(10):
            while not answers or answers[-1].status_code != 200:
                await asyncio.sleep(0.2)  # a sender's retry, a little later
                answers.append(await deliver(s, "deploy.started", data, delivery_id="d1"))
        assert {r.status_code for r in answers} <= {200, 503}
        assert (
            await deliver(s, "deploy.started", data, delivery_id="d1")
        ).status_code == 200  # a duplicate: still 200
        assert s.c.store.deliveries.count() == 1
