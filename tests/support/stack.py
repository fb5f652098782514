"""The whole product on loopback: the oec.sh simulator, the fake Slack, and the bot between them.

Each is the shipped app served by uvicorn on 127.0.0.1 with its lifespan; the bot reaches the
simulator and the fake Slack over HTTP with real keys and tokens, the simulator's signed
webhooks reach the bot's receiver, and the `SlackUserAgent` sends slash commands and clicks
signed as Slack signs them. Tests assert on what reaches the fake Slack and the simulator.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from starlette.types import ASGIApp

from oec_chatops.clock import Clock
from oec_chatops.config import Settings, load_settings
from oec_chatops.container import Container, build_container
from oec_chatops.entrypoints.embedded import subscribe_to_every_project
from oec_chatops.entrypoints.server import build_app
from oec_chatops.playground import (
    FakeSlack,
    SlackUserAgent,
    build_fake_slack_app,
    seed_demo_workspace,
)
from oec_chatops.playground import serve_on_loopback as serve
from oec_chatops.policy import parse_policy
from oec_chatops.sim import SimSettings, SimState, build_sim_app
from tests.support.postgres import PG_MISSING, session_cluster

RW_KEY = "oec_live_rw_" + "R" * 20 + "w" * 23
RO_KEY = "oec_live_ro_" + "Q" * 20 + "o" * 23
BOT_TOKEN = "xoxb-1111-2222-testbottoken"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
WEBHOOK_SECRET = "whsec-oec-test-secret-one"

DEV = "U0DEV1"  # in S0DEVTEAM: deployer
LEAD1, LEAD2 = "U0LEAD1", "U0LEAD2"  # approvers
ADMIN = "U0ADMIN"
VIEWER = "U0VIEWER"
CHANNEL = "C0DEPLOYS"

POLICY = """
default_role = "viewer"
[roles]
admins = ["U0ADMIN"]
deployers = ["S0DEVTEAM", "U0LEAD1", "U0LEAD2"]
approvers = ["S0LEADS"]
[protected]
match = ["production"]
approvals = 1
self_approval = false
expires = "30m"
"""

DEFAULT_EVENTS = [
    "deploy.started",
    "deploy.completed",
    "deploy.failed",
    "deploy.cancelled",
    "environment.status_changed",
    "environment.created",
    "monitoring.alert",
]


class SimControls:
    """The simulator's test routes, for anything that holds its URL and an HTTP client."""

    http: httpx.AsyncClient
    sim_url: str

    async def sim_faults(self, **faults: Any) -> None:
        r = await self.http.post(f"{self.sim_url}/_sim/faults", json=faults)
        r.raise_for_status()

    async def sim_requests(self) -> list[dict[str, Any]]:
        r = await self.http.get(f"{self.sim_url}/_sim/requests")
        r.raise_for_status()
        body = r.json()
        return list(body["requests"] if isinstance(body, dict) else body)


@dataclass
class Stack(SimControls):
    fake: FakeSlack
    slack_url: str
    sim_url: str
    sim: SimState
    bot_url: str
    c: Container
    agent: SlackUserAgent
    http: httpx.AsyncClient
    settings: Settings
    extra: dict[str, Any] = field(default_factory=dict)

    async def actions_sent(self) -> list[dict[str, Any]]:
        """Action POSTs that reached the simulator."""
        return [
            r
            for r in await self.sim_requests()
            if r["method"] == "POST"
            and r["path"].rsplit("/", 1)[-1]
            in {"deploy", "restart", "start", "stop", "quick-update"}
        ]

    def env_id(self, label: str) -> str:
        """The simulator's id for `project-slug/env-name`."""
        project, _, env = label.partition("/")
        for p in self.sim.projects.values():
            if project == p.slug:
                for e in self.sim.environments_of(p.id):
                    if e.name == env:
                        return e.id
        raise KeyError(label)


def sim_settings(**overrides: Any) -> SimSettings:
    values: dict[str, Any] = {
        "rw_keys": (RW_KEY,),
        "ro_keys": (RO_KEY,),
        "webhook_secret": WEBHOOK_SECRET,
        "allow_loopback_webhooks": True,
        "task_seconds": 0.6,
        "read_limit": 100_000,
        "write_limit": 100_000,
        "delivery_backoff": 0.1,
    }
    values.update(overrides)
    return SimSettings(**values)


# `OEC_TEST_DB=postgres` puts every stack of a run on PostgreSQL (see `stack_database`).
TEST_DB_ENV = "OEC_TEST_DB"
ENGINES = ("sqlite", "postgres")


def stack_database(tmp_path: Path, db: str | None = None) -> str:
    """Where a stack's bot keeps its store. `db` is "sqlite" (a file in `tmp_path`) or
    "postgres" (a fresh database on the session's throwaway cluster, tests/support/postgres.py);
    None means `$OEC_TEST_DB`, else SQLite, so one variable moves a whole local run to
    PostgreSQL while CI's default stays SQLite plus the tests that name PostgreSQL."""
    engine = db or os.environ.get(TEST_DB_ENV) or "sqlite"
    if engine not in ENGINES:
        raise ValueError(f"{TEST_DB_ENV} / db= must be one of {ENGINES}, not {engine!r}")
    if engine == "sqlite":
        return str(tmp_path / "bot.db")
    cluster = session_cluster()
    if cluster is None:
        pytest.skip(PG_MISSING)
    return cluster.fresh_database()


TestFunction = TypeVar("TestFunction", bound=Callable[..., Any])


def on_both_engines(test: TestFunction) -> TestFunction:
    """Run `test` twice, every stack and store it starts on SQLite, then on PostgreSQL (the
    `db_engine` fixture sets `OEC_TEST_DB` for it): the features' pass over PostgreSQL that the
    default suite keeps. Used first, so it is in place before any stack fixture starts."""
    test = pytest.mark.parametrize("db_engine", ENGINES, indirect=True)(test)
    marked: TestFunction = pytest.mark.usefixtures("db_engine")(test)
    return marked


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    """Marks a test of SQLite itself (its file, its WAL, its connection's hooks): a run with
    `OEC_TEST_DB=postgres` skips it, saying why, instead of failing on what PostgreSQL lacks."""
    return pytest.mark.skipif(
        os.environ.get(TEST_DB_ENV) == "postgres", reason=f"SQLite only: {reason}"
    )


def bot_environ(
    tmp_path: Path,
    *,
    slack_url: str,
    sim_url: str,
    drop: tuple[str, ...] = (),
    db: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """The bot's environment for a stack; `db` is its `OEC_CHATOPS_DB` (an SQLite file in
    `tmp_path` unless given, e.g. by `stack_database`)."""
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"{slack_url}/api/",
        "OEC_API_KEY": RW_KEY,
        "OEC_API_KEY_RO": RO_KEY,
        "OEC_API_URL": f"{sim_url}/api/public/v1",
        "OEC_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "OEC_CHATOPS_DB": db or str(tmp_path / "bot.db"),
    }
    env.update(extra)
    for name in drop:  # e.g. a multi-workspace install sets none of one workspace's secrets
        env.pop(name, None)
    return env


def bot_container(
    settings: Settings,
    *,
    clock: Clock | None = None,
    policy: str = POLICY,
    poll_seconds: float = 0.1,
    read_limit: int = 100_000,
) -> Container:
    """The bot wired as it ships, but polling every `poll_seconds` with a `read_limit` to match
    (the shipped pace is minutes; the tracker's budget still holds at any pace)."""
    return build_container(
        settings,
        clock=clock,
        policy=parse_policy(policy),
        poll_pace=lambda elapsed: poll_seconds,
        read_limit=lambda: read_limit,
    )


@contextlib.asynccontextmanager
async def running_stack(
    tmp_path: Path,
    *,
    sim: SimSettings | None = None,
    policy: str = POLICY,
    environ: dict[str, str] | None = None,
    drop: tuple[str, ...] = (),
    webhook_events: list[str] | None = DEFAULT_EVENTS,
    subscribe: bool = True,
    build: Callable[[Settings], Container] | None = None,
    slack_app: Callable[[ASGIApp], ASGIApp] = lambda app: app,
    sim_front: Callable[[ASGIApp], ASGIApp] = lambda app: app,
    slack_clock: Clock | None = None,
    clock: Clock | None = None,
    prepare: Callable[[str], None] | None = None,
    db: str | None = None,
) -> AsyncIterator[Stack]:
    """The whole product on loopback; `slack_app` may put something in front of the fake Slack.
    With `clock`, the simulator and the bot share that clock (a `ManualClock`: the bot's rate
    limit waits then move the simulator's windows too); `slack_clock` drives the fake Slack's.
    `prepare(sim_url)` runs before the bot reads its settings (e.g. to write a platforms file);
    `sim_front` may put something in front of the simulator (the simulator's state stays
    `Stack.sim`). `db` picks the store's engine ("sqlite" or "postgres"; `stack_database`)."""
    database = stack_database(tmp_path, db)
    fake = seed_demo_workspace(FakeSlack(bot_token=BOT_TOKEN, clock=slack_clock))
    sim_app = build_sim_app(sim or sim_settings(), clock=clock)
    async with (
        serve(slack_app(build_fake_slack_app(fake))) as slack_url,
        serve(sim_front(sim_app), lifespan="on") as sim_url,
    ):
        if prepare is not None:
            prepare(sim_url)
        settings = load_settings(
            bot_environ(
                tmp_path,
                slack_url=slack_url,
                sim_url=sim_url,
                drop=drop,
                db=database,
                **(environ or {}),
            )
        )
        c = build(settings) if build else bot_container(settings, clock=clock, policy=policy)
        async with serve(build_app(c, grace=2.0), lifespan="on") as bot_url:
            state: SimState = sim_app.state.sim
            if webhook_events is not None:
                state.add_webhook(f"{bot_url}/webhooks/oec", webhook_events, WEBHOOK_SECRET)
            if subscribe:
                subscribe_to_every_project(c, state, channel_id=CHANNEL, by=ADMIN)
            async with (
                SlackUserAgent(
                    bot_url=bot_url, signing_secret=SIGNING_SECRET, fake=fake, fake_url=slack_url
                ) as agent,
                httpx.AsyncClient(timeout=10) as http,
            ):
                yield Stack(
                    fake=fake,
                    slack_url=slack_url,
                    sim_url=sim_url,
                    sim=state,
                    bot_url=bot_url,
                    c=c,
                    agent=agent,
                    http=http,
                    settings=settings,
                )
