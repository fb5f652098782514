"""The embedded defaults: bot, oec.sh simulator and Slack playground in one process.

With no credentials set, `oec-chatops serve` runs all three on loopback ports, each the real
thing: the bot reaches the simulator over HTTP with fresh API keys and receives its signed
webhooks; the playground plays Slack (Web API, response_url, signed commands and clicks) and
serves the page a person opens to try it all. Secrets are generated per run and never printed.
This module and `cli` are the only ones that import `sim` and `playground`.

`embedded_demo()` runs the demo while a block runs (tests use it); `run_embedded()` runs it
until Ctrl+C and prints the URL to open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from oec_chatops.config import DEFAULT_DB, Settings
from oec_chatops.container import Container, build_container
from oec_chatops.domain import WEBHOOK_EVENTS_FOLLOWED
from oec_chatops.entrypoints.demo_hosts import free_port, other_hosts
from oec_chatops.entrypoints.front_door import with_front_door
from oec_chatops.entrypoints.server import build_app
from oec_chatops.errors import ConfigError
from oec_chatops.playground import (
    CommandHint,
    FakeSlack,
    Playground,
    SlackUserAgent,
    build_playground_app,
    seed_demo_workspace,
    serve_on_loopback,
)
from oec_chatops.policy import parse_policy
from oec_chatops.sim import SimSettings, SimState, build_sim_app
from oec_chatops.slack.grammar import DEFAULT_SUBSCRIBE_EVENTS, VERB_SPECS
from oec_chatops.store.dialect import describe

log = logging.getLogger("oec_chatops.embedded")  # the name operators' log filters know

DEMO_CHANNEL = "C0DEPLOYS"
DEMO_TASK_SECONDS = 8.0  # long enough to watch a deploy go queued → running → completed
# The events `webhooks register` follows, less `environment.deleted`, as the demo always had.
DEMO_EVENTS = tuple(e for e in WEBHOOK_EVENTS_FOLLOWED if e != "environment.deleted")
# The demo workspace's people (playground.seed_demo_workspace): Dana deploys, Lea approves, Vic only looks.
DEMO_POLICY = """
default_role = "viewer"
[roles]
admins = ["U0ADMIN"]
deployers = ["S0DEVTEAM", "S0LEADS"]
approvers = ["S0LEADS"]
[protected]
match = ["production"]
approvals = 1
self_approval = false
expires = "30m"
"""


@dataclass(frozen=True)
class DemoSecrets:
    """Fresh for every run, so nothing in the demo is a credential anywhere else."""

    rw_key: str
    ro_key: str
    bot_token: str
    signing_secret: str
    webhook_secret: str

    def __repr__(self) -> str:
        return "DemoSecrets(<hidden>)"

    @classmethod
    def generate(cls) -> DemoSecrets:
        return cls(
            rw_key="oec_live_rw_" + secrets.token_urlsafe(32),
            ro_key="oec_live_ro_" + secrets.token_urlsafe(32),
            bot_token="xoxb-demo-" + secrets.token_hex(12),
            signing_secret=secrets.token_hex(16),
            webhook_secret="whsec_" + secrets.token_urlsafe(24),
        )


@dataclass(frozen=True)
class Demo:
    """A running demo: where each piece listens, and the in-process objects behind them."""

    playground_url: str  # the page to open (also the fake Slack's Web API, under /api/)
    bot_url: str
    sim_url: str
    fake: FakeSlack
    playground: Playground
    sim: SimState
    container: Container
    ocore_url: str = ""
    derp_url: str = ""


def demo_settings(
    base: Settings, s: DemoSecrets, *, slack_url: str, sim_url: str, db: Path
) -> Settings:
    return Settings.model_validate(
        {
            **base.model_dump(),
            "slack_bot_token": s.bot_token,
            "slack_signing_secret": s.signing_secret,
            "slack_api_url": f"{slack_url}/api/",
            "oec_api_key": s.rw_key,
            "oec_api_key_ro": s.ro_key,
            "oec_api_url": f"{sim_url}/api/public/v1",
            "oec_webhook_secret": s.webhook_secret,
            "oec_chatops_db": db,
        }
    )


def command_hints() -> list[CommandHint]:
    """The composer's hints, straight from the grammar's own help lines."""
    return [CommandHint(spec.syntax, spec.summary) for spec in VERB_SPECS.values()]


def demo_examples(sim: SimState) -> list[str]:
    """Commands worth a first click, naming projects and environments that exist in the demo."""
    projects = sorted(sim.projects.values(), key=lambda p: p.slug)
    if not projects:
        return ["/oec help", "/oec projects"]
    slug = projects[0].slug
    envs = {e.name for e in sim.environments_of(projects[0].id)}
    staging = "staging" if "staging" in envs else sorted(envs)[0]
    examples = [
        "/oec envs",
        f"/oec status {slug}/{staging}",
        f"/oec deploy {slug}/{staging}",
        f"/oec update {slug}/{staging} all",
        f"/oec pull {slug}/{staging}",
    ]
    if "production" in envs:
        examples.append(f"/oec deploy {slug}/production -- fixing invoice totals")
    examples += [
        "/oec approvals",
        f"/oec logs {slug}/{staging} --lines 20",
        "/oec subscriptions",
        "/oec whoami",
        "/oec help",
    ]
    return examples


@contextlib.asynccontextmanager
async def _demo_db() -> AsyncIterator[Path]:
    """The bot's database for this run: always a fresh one, deleted when the demo stops.

    The simulator and the fake Slack start empty every run, so the bot does too. The demo never
    opens OEC_CHATOPS_DB: that names a real bot's database (the Docker image sets it), and the
    demo would write its subscriptions there, dead-letter the real bot's outbox rows and resume
    its approved actions against the simulator.
    """
    with tempfile.TemporaryDirectory(prefix="oec-chatops-demo-") as tmp:
        yield Path(tmp) / "demo.db"


@contextlib.asynccontextmanager
async def embedded_demo(
    base: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    task_seconds: float = DEMO_TASK_SECONDS,
    grace: float = 5.0,
) -> AsyncIterator[Demo]:
    """Run bot, simulator and playground while the block runs.

    The bot listens on `port`, the simulator on `port + 1`, the playground on `port + 2`;
    with `port=0` each gets a free port. `task_seconds` is how long a simulated deploy takes;
    `grace` bounds each of the bot's shutdown steps (work still running, outbox flush).
    `base` must have no credential set (`Settings.embedded`): the demo is never a fallback.
    """
    if not base.embedded:
        raise ConfigError("the demo runs only when no Slack or oec.sh credential is set.")
    s = DemoSecrets.generate()
    fake = seed_demo_workspace(FakeSlack(bot_token=s.bot_token))
    sim_app = build_sim_app(
        SimSettings(
            rw_keys=(s.rw_key,),
            ro_keys=(s.ro_key,),
            webhook_secret=s.webhook_secret,
            allow_loopback_webhooks=True,
            task_seconds=task_seconds,
        )
    )
    sim_state: SimState = sim_app.state.sim
    playground = Playground(
        fake, hints=command_hints(), examples=demo_examples(sim_state), home_channel=DEMO_CHANNEL
    )
    sim_port = port + 1 if port else 0
    slack_port = port + 2 if port else 0
    # deployERP's simulator is built knowing where to deliver: the bot's port is chosen first.
    bot_port = port or free_port(host)
    async with (
        _demo_db() as db,
        serve_on_loopback(
            build_playground_app(playground), host=host, port=slack_port
        ) as slack_url,
        serve_on_loopback(sim_app, host=host, port=sim_port, lifespan="on") as sim_url,
        other_hosts(
            host=host,
            ocore_port=port + 3 if port else 0,
            derp_port=port + 4 if port else 0,
            bot_url=f"http://{host}:{bot_port}",
            oec_url=f"{sim_url}/api/public/v1",
            oec_secrets={
                "OEC_API_KEY": s.rw_key,
                "OEC_API_KEY_RO": s.ro_key,
                "OEC_WEBHOOK_SECRET": s.webhook_secret,
            },
            directory=db.parent,
            action_seconds=task_seconds,
        ) as hosts,
    ):
        try:
            settings = demo_settings(
                base, s, slack_url=slack_url, sim_url=sim_url, db=db
            ).with_platforms(hosts.platforms_file, hosts.platforms)
            c = build_container(settings, policy=parse_policy(DEMO_POLICY))
            async with (
                serve_on_loopback(
                    with_front_door(build_app(c, grace=grace), f"{slack_url}/"),
                    host=host,
                    port=bot_port,
                    lifespan="on",
                ) as bot_url,
                SlackUserAgent(
                    bot_url=bot_url, signing_secret=s.signing_secret, fake=fake, fake_url=slack_url
                ) as agent,
            ):
                sim_state.add_webhook(f"{bot_url}/webhooks/oec", DEMO_EVENTS, s.webhook_secret)
                subscribe_to_every_project(c, sim_state)
                await subscribe_to_other_hosts(c)
                playground.connect(agent, sim_url=sim_url)
                yield Demo(
                    playground_url=f"{slack_url}/",
                    bot_url=bot_url,
                    sim_url=sim_url,
                    fake=fake,
                    playground=playground,
                    sim=sim_state,
                    container=c,
                    ocore_url=hosts.ocore_url,
                    derp_url=hosts.derp_url,
                )
        finally:
            await playground.aclose()  # ends the page's live feeds, or the server waits for them


def subscribe_to_every_project(
    c: Container, sim: SimState, *, channel_id: str = DEMO_CHANNEL, by: str = "U0ADMIN"
) -> None:
    """Subscribe `channel_id` to the default events of every simulated project, as a person
    typing `/oec subscribe <project>` for each would (the demo's #deploys; tests reuse it)."""
    with c.store.tx():
        for p in sim.projects.values():
            c.store.subscriptions.add(
                channel_id=channel_id,
                project_id=p.id,
                project_label=p.slug,
                env_glob="*",
                events=DEFAULT_SUBSCRIBE_EVENTS,
                created_by=by,
                now=c.clock.time(),
            )


async def subscribe_to_other_hosts(
    c: Container, *, channel_id: str = DEMO_CHANNEL, by: str = "U0ADMIN"
) -> None:
    """Subscribe `channel_id` to every server of the demo's oCore and deployERP, as a person
    typing `/oec subscribe derp:eu-1/*` for each would (oec.sh's projects: above)."""
    if c.hosts is None:
        return
    listing = await c.hosts.list_everywhere()
    projects = {p.id: p for p, _ in listing.pairs if ":" in p.id}
    with c.store.tx():
        for p in projects.values():
            c.store.subscriptions.add(
                channel_id=channel_id,
                project_id=p.id,
                project_label=p.slug or p.name,
                env_glob="*",
                events=DEFAULT_SUBSCRIBE_EVENTS,
                created_by=by,
                now=c.clock.time(),
            )


def demo_db_note(base: Settings, demo: Demo) -> str:
    """Where the demo keeps its state, and that a configured OEC_CHATOPS_DB is not it."""
    note = f"temporary, deleted when the demo stops ({demo.container.settings.oec_chatops_db})"
    if base.oec_chatops_db != DEFAULT_DB:
        note += f"; OEC_CHATOPS_DB ({describe(str(base.oec_chatops_db))}) is ignored in the demo"
    return note


async def run_embedded(
    base: Settings,
    *,
    host: str,
    port: int,
    stop: asyncio.Event | None = None,
    task_seconds: float = DEMO_TASK_SECONDS,
    on_ready: Callable[[Demo], None] | None = None,
) -> None:
    """Serve the demo until SIGINT/SIGTERM (or `stop` is set); `on_ready` gets the URLs."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    async with embedded_demo(base, host=host, port=port, task_seconds=task_seconds) as demo:
        print(
            "\n  oec-chatops demo is running (no Slack, no oec.sh account needed)\n"
            f"    open the playground:  {demo.playground_url}\n"
            f"    bot:                  {demo.bot_url}  (/slack/events, /webhooks/oec, /metrics)\n"
            f"    oec.sh simulator:     {demo.sim_url}/api/public/v1\n"
            f"    oCore simulator:      {demo.ocore_url}/api  (platform `ocore`)\n"
            f"    deployERP simulator:  {demo.derp_url}/v1  (platform `derp`)\n"
            f"    database:             {demo_db_note(base, demo)}\n"
            "  Press Ctrl+C to stop.\n",
            file=sys.stderr,
            flush=True,
        )
        if on_ready is not None:
            on_ready(demo)
        await stop.wait()
    log.info("demo.stopped")
