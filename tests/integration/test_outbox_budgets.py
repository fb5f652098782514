"""A mass deploy against a Slack stand-in that enforces Slack's rate limits.

The stand-in answers 429 past about one post a second per channel and 50 updates a minute per
workspace; the bot and the stand-in share a clock run 10 times faster than real time, so the
minute-long budgets pass in seconds. Asserted are properties, not timings: every message ends in
its deployment's final state (one message each), and no call Slack rate-limited was refused
again on its retry. `benchmarks/slack_budget.py` is the full-size run, with the timings.
"""

from __future__ import annotations

from pathlib import Path

from oec_chatops.clock import ScaledClock
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
from tests.support.stack import sim_settings
from tests.support.webhook_helpers import deliver, subscribe_channel, webhook_stack

SCALE = 10.0
DEPLOYMENTS = 20
CHANNELS = ("C0DEPLOYS", "C0ALERTS")


async def test_a_mass_deploy_ends_every_message_final_within_slacks_limits(
    tmp_path: Path,
) -> None:
    clock = ScaledClock(SCALE)
    async with webhook_stack(
        tmp_path,
        clock=clock,
        slack_clock=clock,
        sim=sim_settings(task_seconds=36_000),
        subscribe=False,
        poll_seconds=3600,
    ) as hooks:
        limits = SlackLimits()
        limits.enforce(hooks.fake)
        projects = list(hooks.sim.projects.values())[: len(CHANNELS)]
        channels = {p.id: ch for p, ch in zip(projects, CHANNELS, strict=True)}
        deployments = deployments_in(hooks.sim, channels, DEPLOYMENTS, fail_every=5)
        for p, channel in zip(projects, CHANNELS, strict=True):
            label = f"{p.slug}/{hooks.sim.environments_of(p.id)[0].name}"
            subscribe_channel(hooks, label, channel, events=("deploy.*",))
        deliveries = schedule(deployments, events_each=5, spread=10.0)
        bound = lower_bound(deliveries, limits)

        async def send(x: Delivery) -> None:
            r = await deliver(hooks, x.event, x.data())
            assert r.status_code == 200, r.text

        await replay(deliveries, send, clock)
        await hooks.fake.wait_for(
            lambda f: all(final_states(f, deployments).values()),
            timeout=5 + 4 * bound.seconds / SCALE,
        )

        assert consecutive_429s(hooks.fake.calls()) <= 1
        assert bound.updates_needed > 0, "the day is busy enough to need updates"
        updates = len(hooks.fake.calls("chat.update"))
        progress_changes = len(deliveries) - 2 * len(deployments)
        assert updates < bound.updates_needed + progress_changes, "updates coalesced"
