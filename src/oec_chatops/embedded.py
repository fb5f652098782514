"""The embedded defaults: bot, oec.sh simulator and Slack playground in one process.

With no credentials set, `oec-chatops serve` runs all three on loopback ports, each the real
thing: the bot reaches the simulator over HTTP with fresh API keys and receives its signed
webhooks; the playground plays Slack (Web API, response_url, signed commands and clicks).
Secrets are generated per run and never printed. This module and `cli` are the only ones that
import `sim` and `playground`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from oec_chatops.config import Settings
from oec_chatops.container import build_container
from oec_chatops.playground import (
    FakeSlack,
    build_fake_slack_app,
    seed_demo_workspace,
    serve_on_loopback,
)
from oec_chatops.policy import parse_policy
from oec_chatops.server import build_app
from oec_chatops.sim import SimSettings, build_sim_app

log = logging.getLogger(__name__)

DEMO_CHANNEL = "C0DEPLOYS"
DEMO_EVENTS = (
    "deploy.started",
    "deploy.completed",
    "deploy.failed",
    "deploy.cancelled",
    "environment.status_changed",
    "environment.created",
    "environment.ready",
    "monitoring.alert",
)
# The demo workspace's people (playground.seed_demo_workspace): Dana develops, Lea approves.
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

    @classmethod
    def generate(cls) -> DemoSecrets:
        return cls(
            rw_key="oec_live_rw_" + secrets.token_urlsafe(32),
            ro_key="oec_live_ro_" + secrets.token_urlsafe(32),
            bot_token="xoxb-demo-" + secrets.token_hex(12),
            signing_secret=secrets.token_hex(16),
            webhook_secret="whsec_" + secrets.token_urlsafe(24),
        )


def demo_settings(base: Settings, s: DemoSecrets, *, slack_url: str, sim_url: str) -> Settings:
    db = base.oec_chatops_db
    if db == Path("oec-chatops.db"):
        db = Path("oec-chatops-demo.db")  # never mix demo data into a real bot's database
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


async def run_embedded(
    base: Settings, *, host: str, port: int, stop: asyncio.Event | None = None
) -> None:
    """Serve the demo until SIGINT/SIGTERM (or `stop` is set)."""
    s = DemoSecrets.generate()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    fake = seed_demo_workspace(FakeSlack(bot_token=s.bot_token))
    sim_app = build_sim_app(
        SimSettings(
            rw_keys=(s.rw_key,),
            ro_keys=(s.ro_key,),
            webhook_secret=s.webhook_secret,
            allow_loopback_webhooks=True,
            task_seconds=8.0,
        )
    )
    sim_port = port + 1 if port else 0
    slack_port = port + 2 if port else 0
    async with (
        serve_on_loopback(build_fake_slack_app(fake), host=host, port=slack_port) as slack_url,
        serve_on_loopback(sim_app, host=host, port=sim_port, lifespan="on") as sim_url,
    ):
        settings = demo_settings(base, s, slack_url=slack_url, sim_url=sim_url)
        c = build_container(settings, policy=parse_policy(DEMO_POLICY))
        async with serve_on_loopback(build_app(c), host=host, port=port, lifespan="on") as bot_url:
            sim_state = sim_app.state.sim
            sim_state.add_webhook(f"{bot_url}/webhooks/oec", DEMO_EVENTS, s.webhook_secret)
            with c.store.tx():
                for p in sim_state.projects.values():
                    c.store.subscriptions.add(
                        channel_id=DEMO_CHANNEL,
                        project_id=p.id,
                        project_label=p.slug,
                        env_glob="*",
                        events=("deploy.*", "environment.status_changed"),
                        created_by="U0ADMIN",
                        now=c.clock.time(),
                    )
            print(
                "\n  oec-chatops demo is running (no Slack, no oec.sh account needed)\n"
                f"    playground (Slack stand-in): {slack_url}/\n"
                f"    bot:                         {bot_url}  (/slack/events, /webhooks/oec, /metrics)\n"
                f"    oec.sh simulator:            {sim_url}/api/public/v1\n"
                "  Press Ctrl+C to stop.\n",
                file=sys.stderr,
                flush=True,
            )
            await stop.wait()
    log.info("demo.stopped")
