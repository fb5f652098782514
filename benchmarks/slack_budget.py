"""A mass deploy against a Slack that enforces Slack's rate limits: how long until every
message shows its end, next to the least time the limits allow.

    python benchmarks/slack_budget.py [--deployments 100 --events 5 --spread 10 --channels 2
                                       --scale 5]

Slack lets an app post about one message a second per channel (`chat.postMessage`, short
bursts tolerated) and update about 50 messages a minute per workspace (`chat.update`, Tier 3).
Here `--deployments` deployments send `--events` webhooks each (progress, then completed or,
one in ten, failed), all arriving within `--spread` seconds, spread over `--channels` channels
(one per project). The stand-in answers 429 with `Retry-After` past those limits.

Targets (issue 11, item 10): every deployment ends as one message showing its final state;
no call Slack rate-limited is refused again on its retry (at most one 429 per call); and the
time until the last final state is printed next to the lower bound: each message posted as
soon as its channel's budget allows, and updated once if its end came after its post, with
updates at 50 a minute (see `oec_chatops.playground.mass_deploy.lower_bound`).

Layout, on loopback only, all in this process: the oec.sh simulator (each deployment is a real
task, the first deploy of a new environment, so the bot's tracker finds it), the fake Slack with
Slack's limits, and the bot (`build_app` served by uvicorn, its workers on). Unlike the other
benchmarks the bot is not a subprocess: the bot and the stand-in share one clock run `--scale`
times faster than real time (`ScaledClock`), so two minutes of Slack's budget pass in seconds.
Times are printed in the clock's seconds (what Slack would see) and in real seconds. Faster
than x5, the 500 webhooks (a second's worth at x10) saturate the one process that runs the
bot, the stand-in and the load, and the run measures that instead of Slack's budgets. The run is
bounded by `--time-limit` real seconds and ends by itself. Exit status 0 when the targets are met.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from webhook_ingest import BOT_TOKEN, RO_KEY, RW_KEY, WEBHOOK_SECRET, bot_environ

from oec_chatops.clock import ScaledClock
from oec_chatops.config import load_settings
from oec_chatops.container import build_container
from oec_chatops.entrypoints.server import build_app
from oec_chatops.oec.signing import sign_oec_v1
from oec_chatops.playground import (
    FakeSlack,
    build_fake_slack_app,
    seed_demo_workspace,
    serve_on_loopback,
)
from oec_chatops.playground.mass_deploy import (
    Delivery,
    SlackLimits,
    consecutive_429s,
    deployments_in,
    final_states,
    lower_bound,
    replay,
    schedule,
)
from oec_chatops.sim import SimSettings, build_sim_app

ADMIN = "U0ADMIN"


def envelope(x: Delivery) -> bytes:
    import orjson

    return orjson.dumps(
        {
            "id": str(uuid.uuid4()),
            "event": x.event,
            "timestamp": "2026-01-01T00:00:00Z",
            "data": x.data(),
        }
    )


async def run(args: argparse.Namespace, tmp: Path) -> int:
    clock = ScaledClock(args.scale)
    limits = SlackLimits()
    fake = seed_demo_workspace(FakeSlack(bot_token=BOT_TOKEN, clock=clock))
    limits.enforce(fake)
    sim_app = build_sim_app(
        SimSettings(
            rw_keys=(RW_KEY,),
            ro_keys=(RO_KEY,),
            read_limit=100_000,
            write_limit=100_000,
            task_seconds=36_000,  # the tasks stay queued: only the webhooks move them
        )
    )
    sim = sim_app.state.sim
    projects = list(sim.projects.values())
    if args.channels > len(projects):
        raise SystemExit(f"the simulator has {len(projects)} projects: --channels at most that")
    channels = {p.id: f"C0MASS{n:02d}" for n, p in enumerate(projects[: args.channels])}
    for channel in channels.values():
        fake.add_channel(channel, channel.lower())
    deployments = deployments_in(sim, channels, args.deployments)
    deliveries = schedule(deployments, events_each=args.events, spread=args.spread)
    bound = lower_bound(deliveries, limits)

    async with (
        serve_on_loopback(build_fake_slack_app(fake)) as slack_url,
        serve_on_loopback(sim_app, lifespan="on") as sim_url,
    ):
        environ = bot_environ(tmp, slack_url=slack_url, sim_url=sim_url, db=tmp / "bot.db")
        settings = load_settings({**environ, "LOG_LEVEL": "WARNING"})
        c = build_container(settings, clock=clock, poll_pace=lambda elapsed: 600.0)
        for project_id, channel in channels.items():
            c.store.subscriptions.add(
                channel_id=channel,
                project_id=project_id,
                project_label=sim.project(project_id).slug,
                env_glob="*",
                events=("deploy.*",),
                created_by=ADMIN,
                now=clock.time(),
            )
        async with (
            serve_on_loopback(build_app(c, grace=2.0), lifespan="on") as bot_url,
            httpx.AsyncClient(timeout=httpx.Timeout(10, pool=None)) as http,
        ):

            async def send(x: Delivery) -> None:
                body = envelope(x)
                headers = sign_oec_v1(
                    body,
                    secrets=[WEBHOOK_SECRET],
                    timestamp=int(clock.time()),
                    delivery_id=str(uuid.uuid4()),
                    event=x.event,
                )
                headers["Content-Type"] = "application/json"
                r = await http.post(f"{bot_url}/webhooks/oec", content=body, headers=headers)
                if r.status_code != 200:
                    raise SystemExit(f"delivery answered {r.status_code}: {r.text}")

            real_start = time.monotonic()
            start = await replay(deliveries, send, clock)
            try:
                await fake.wait_for(
                    lambda f: all(final_states(f, deployments).values()),
                    timeout=args.time_limit,
                )
                done = True
            except TimeoutError:
                done = False
            took = clock.monotonic() - start
            real = time.monotonic() - real_start

    shown = final_states(fake, deployments)
    worst = consecutive_429s(fake.calls())
    posts = len(fake.calls("chat.postMessage"))
    updates = len(fake.calls("chat.update"))
    limited = fake.limited
    print(
        f"time scale: x{args.scale:g} (the bot and the stand-in share a clock {args.scale:g} "
        f"times faster than real time); {len(deployments)} deployments x {args.events} events "
        f"in {args.spread:g} s over {len(channels)} channels"
    )
    print(
        f"limits: chat.postMessage {limits.posts_per_minute / 60:g}/s per channel "
        f"(burst {limits.post_burst}), chat.update {limits.updates_per_minute:g}/min per "
        f"workspace (burst {limits.update_burst})"
    )
    per_channel = ", ".join(f"{n}" for n in bound.posts_per_channel.values())
    print(
        f"lower bound: {bound.seconds:.1f} s  (posts per channel: {per_channel}, the last "
        f"at {bound.posts_seconds:.1f} s; {bound.updates_needed} messages need an update at "
        f"50/min)"
    )
    print(
        f"last final state: {took:.1f} s ({real:.1f} s real), "
        f"{took / bound.seconds:.2f}x the lower bound"
        if done
        else f"not every message reached its final state within {args.time_limit:g} s real"
    )
    print(
        f"calls: {posts} chat.postMessage, {updates} chat.update "
        f"({len(deliveries) - len(deployments)} changes after the first post); "
        f"429s: {limited}, the most one call got in a row: {worst}"
    )
    final_ok = all(shown.values())
    print(
        f"every message final: {'yes' if final_ok else 'NO'} "
        f"({sum(shown.values())}/{len(shown)}); at most one 429 per call: "
        f"{'yes' if worst <= 1 else 'NO'}"
    )
    return 0 if done and final_ok and worst <= 1 else 1


def cli() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--deployments", type=int, default=100)
    p.add_argument("--events", type=int, default=5, help="webhooks per deployment")
    p.add_argument("--spread", type=float, default=10.0, help="seconds the webhooks arrive in")
    p.add_argument("--channels", type=int, default=2, help="channels (one project each)")
    p.add_argument("--scale", type=float, default=5.0, help="clock speed-up over real time")
    p.add_argument("--time-limit", type=float, default=60.0, help="real seconds at most")
    args = p.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the 429s are counted below, not logged
    with tempfile.TemporaryDirectory(prefix="oec-bench-") as tmp:
        return asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    raise SystemExit(cli())
