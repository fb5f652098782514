"""A mass deploy against the Slack stand-in: the events, Slack's limits, and how the bot did.

Hundreds of deployments each send a few status changes within seconds; Slack lets an app post
about one message a second per channel (`chat.postMessage`, short bursts tolerated) and update
about 50 a minute per workspace (`chat.update`, Tier 3). This module holds what a benchmark and
a test of that day share, all of it on the outside of the bot:

- `deployments_in`: real tasks in the simulator (new environments, each with its first deploy
  queued), so the bot's tracker finds them when it polls;
- `schedule`: when each webhook of each deployment arrives;
- `SlackLimits.enforce`: the stand-in answering 429 past those limits, as Slack does;
- `lower_bound`: the earliest time the limits allow every message to show its final state;
- `consecutive_429s` and `final_states`: what the stand-in saw.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from oec_chatops.clock import Clock
from oec_chatops.playground.fake_slack import FakeSlack
from oec_chatops.playground.traffic import Call
from oec_chatops.sim.state import SimState

PROGRESS = ("queued", "building", "deploying", "running")


@dataclass(frozen=True, slots=True)
class Deployment:
    """One deployment of the day: its real task, the channel that shows it, how it ends."""

    task_id: str
    channel: str
    env: dict[str, Any]  # the environment part of a webhook payload
    fails: bool = False

    @property
    def final(self) -> str:
        return "failed" if self.fails else "completed"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook: `at` seconds after the start (on the run's clock)."""

    at: float
    deployment: Deployment
    event: str
    status: str

    @property
    def is_final(self) -> bool:
        return self.event != "deploy.started"

    def data(self) -> dict[str, Any]:
        d = self.deployment
        data = {**d.env, "task_id": d.task_id, "status": self.status, "type": "deploy"}
        if self.status == "failed":
            data["error_message"] = "Build failed: exit status 1"
        return data


def deployments_in(
    sim: SimState, channels: dict[str, str], count: int, *, fail_every: int = 10
) -> list[Deployment]:
    """`count` new environments, spread over the projects of `channels` (project id ->
    channel that shows it); every `fail_every`-th deployment fails."""
    projects = list(channels)
    out: list[Deployment] = []
    for n in range(count):
        project = sim.project(projects[n % len(projects)])
        env = sim.create_environment(
            project.id,
            name=f"mass-{n:04d}",
            environment_type="staging",
            branch=None,
            server_id=None,
            domain=None,
            cpu_cores=None,
            ram_mb=None,
            disk_gb=None,
        )
        payload = {
            "environment_id": env.id,
            "environment_name": env.name,
            "project_id": project.id,
            "project_name": project.name,
            "url": env.url,
        }
        task = sim.tasks_of(env.id)[0]
        fails = fail_every > 0 and n % fail_every == fail_every - 1
        out.append(Deployment(task.id, channels[project.id], payload, fails))
    return out


def schedule(
    deployments: Sequence[Deployment], *, events_each: int = 5, spread: float = 10.0, seed: int = 1
) -> list[Delivery]:
    """Each deployment's `events_each` webhooks (progress, then its end), all within `spread`
    seconds: a deployment starts in the first half and ends by `spread`. Sorted by arrival."""
    rng = random.Random(seed)
    out: list[Delivery] = []
    progress = list(PROGRESS[: max(1, events_each - 1)])
    for d in deployments:
        start = rng.uniform(0.0, spread / 2)
        end = rng.uniform(max(start, spread * 0.6), spread)
        step = (end - start) / max(1, len(progress))
        for i, status in enumerate(progress):
            out.append(Delivery(start + i * step, d, "deploy.started", status))
        out.append(Delivery(end, d, f"deploy.{d.final}", d.final))
    return sorted(out, key=lambda x: x.at)


@dataclass(frozen=True, slots=True)
class SlackLimits:
    """Slack's published limits (docs.slack.dev, "Rate limits"): `chat.postMessage` about 1 a
    second per channel with short bursts, `chat.update` 50 a minute per workspace (Tier 3)."""

    posts_per_minute: float = 60.0
    post_burst: int = 3
    updates_per_minute: float = 50.0
    update_burst: int = 5

    def enforce(self, fake: FakeSlack) -> None:
        fake.limit(
            "chat.postMessage",
            per_minute=self.posts_per_minute,
            burst=self.post_burst,
            per_channel=True,
        )
        fake.limit("chat.update", per_minute=self.updates_per_minute, burst=self.update_burst)


@dataclass(slots=True)
class _Bucket:
    rate: float  # per second
    burst: int
    tokens: float = 0.0
    at: float = 0.0

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def take(self, ready: float) -> float:
        """The earliest time >= `ready` a call may go, and spend its token."""
        t = max(ready, self.at)
        self.tokens = min(float(self.burst), self.tokens + (t - self.at) * self.rate)
        if self.tokens < 1.0:
            t += (1.0 - self.tokens) / self.rate
            self.tokens = 1.0
        self.tokens -= 1.0
        self.at = t
        return t


@dataclass(frozen=True, slots=True)
class Bound:
    seconds: float  # the earliest every message can show its final state
    posts_seconds: float  # when the last message can be posted, per-channel pace alone
    updates_needed: int  # messages posted before their end was known: one update each at least
    posts_per_channel: dict[str, int] = field(default_factory=dict)


def lower_bound(deliveries: Iterable[Delivery], limits: SlackLimits) -> Bound:
    """The earliest time the limits allow every message to show its final state, for a bot
    that posts each message as soon as its channel's budget allows, rendered with the newest
    state, and updates it once if its end came after that post.

    Posts: each channel's posts in the order they became due (a deployment's message at its
    first event, a failed one's thread reply at its end), at 1 a second after a burst. Updates:
    one per message whose final event came after its post, released at that event, at 50 a
    minute after a burst, across the workspace. Progress updates are not needed and not
    counted; neither are the bot's own reads, Slack's latency, or the pace's headroom.
    """
    first: dict[str, Delivery] = {}
    final: dict[str, Delivery] = {}
    for x in sorted(deliveries, key=lambda d: d.at):
        first.setdefault(x.deployment.task_id, x)
        if x.is_final:
            final[x.deployment.task_id] = x
    due: list[tuple[float, int, str]] = [(x.at, 0, t) for t, x in first.items()]
    due += [(x.at, 1, t) for t, x in final.items() if x.deployment.fails]  # thread replies
    posts: dict[str, _Bucket] = defaultdict(
        lambda: _Bucket(limits.posts_per_minute / 60.0, limits.post_burst)
    )
    per_channel: dict[str, int] = defaultdict(int)
    shown_final = 0.0
    releases: list[float] = []
    for at, reply, task_id in sorted(due):
        end = final[task_id]
        channel = end.deployment.channel
        posted = posts[channel].take(at)
        per_channel[channel] += 1
        if reply:
            continue
        if end.at > posted:
            releases.append(end.at)
        else:
            shown_final = max(shown_final, posted)
    last_post = max((b.at for b in posts.values()), default=0.0)
    updates = _Bucket(limits.updates_per_minute / 60.0, limits.update_burst)
    for at in sorted(releases):
        shown_final = max(shown_final, updates.take(at))
    return Bound(
        seconds=shown_final,
        posts_seconds=last_post,
        updates_needed=len(releases),
        posts_per_channel=dict(per_channel),
    )


async def replay(
    deliveries: Sequence[Delivery],
    send: Callable[[Delivery], Awaitable[None]],
    clock: Clock,
) -> float:
    """Send each delivery at its time on `clock` (concurrently, as oec.sh would); return the
    clock's start time."""
    start = clock.monotonic()

    async def one(x: Delivery) -> None:
        await clock.sleep(x.at - (clock.monotonic() - start))
        await send(x)

    await asyncio.gather(*(one(x) for x in deliveries))
    return start


def final_states(fake: FakeSlack, deployments: Iterable[Deployment]) -> dict[str, bool]:
    """For each deployment: does its one message in its channel show how it ended?"""
    shown: dict[str, bool] = {}
    for d in deployments:
        mine = [
            m
            for m in fake.messages(d.channel, include_replies=False)
            if (m.metadata or {}).get("event_payload", {}).get("key") == f"dep:{d.task_id}"
        ]
        shown[d.task_id] = len(mine) == 1 and d.final in mine[0].text.lower()
    return shown


def consecutive_429s(calls: Iterable[Call]) -> int:
    """The most 429s one call got in a row (the same post, the same message's update): 1 means
    every call Slack rate-limited went through on its first retry."""
    streak: dict[tuple[str, str, str], int] = defaultdict(int)
    worst = 0
    for c in calls:
        if c.method not in ("chat.postMessage", "chat.update"):
            continue
        key = (c.method, str(c.args.get("channel")), _identity(c))
        streak[key] = streak[key] + 1 if c.status == 429 else 0
        worst = max(worst, streak[key])
    return worst


def _identity(c: Call) -> str:
    if c.method == "chat.update":
        return str(c.args.get("ts"))
    metadata = c.args.get("metadata")
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except json.JSONDecodeError:
            metadata = None
    if isinstance(metadata, dict):
        return str((metadata.get("event_payload") or {}).get("key"))
    return str(c.args.get("text"))
