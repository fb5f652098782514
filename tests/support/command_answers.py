"""What each slash command's user was shown, per `response_url`, read from the fake Slack.

A command may show notes while it waits (they carry NOTE_EMOJI) and then one final answer
that replaces the last note. These helpers send commands with a response_url of their own, so a
test can count, per command, the messages its user sees and the answers that reached them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oec_chatops.clock import Clock
from oec_chatops.config import load_settings
from oec_chatops.container import Container, build_container
from oec_chatops.entrypoints.server import build_app
from oec_chatops.playground import (
    FakeSlack,
    ResponsePost,
    SlackUserAgent,
    serve_on_loopback,
    slash_command_body,
)
from oec_chatops.policy import parse_policy
from oec_chatops.slack.command_answer import NOTE_EMOJI
from tests.support.ops_helpers import Outside
from tests.support.stack import CHANNEL, POLICY, SIGNING_SECRET, bot_environ


def issue_command(
    fake: FakeSlack,
    agent: SlackUserAgent,
    text: str,
    *,
    user_id: str,
    channel_id: str = CHANNEL,
    response_url: str = "",
) -> tuple[str, bytes]:
    """A slash command's form as Slack posts it, with a fresh response_url; (url id, body)."""
    url_id = ""
    if not response_url:
        url_id = fake.issue_response_url(kind="command", channel_id=channel_id, user_id=user_id)
        response_url = agent.response_url(url_id)
    me = fake.identity
    body = slash_command_body(
        text=text,
        user_id=user_id,
        user_name=fake.user(user_id).name,
        channel_id=channel_id,
        channel_name=fake.channel(channel_id).name,
        team_id=me.team_id,
        team_domain=me.team_domain,
        api_app_id=me.app_id,
        response_url=response_url,
        trigger_id=fake.issue_trigger(user_id=user_id),
    )
    return url_id, body


def is_note(body: dict[str, Any]) -> bool:
    return NOTE_EMOJI in json.dumps(body)


@dataclass(frozen=True)
class Shown:
    """One command's response_url traffic: the POSTs Slack took, and what the user sees."""

    posts: list[ResponsePost]
    messages: int  # distinct messages the posts created (each later one replaced the last)

    @property
    def notes(self) -> list[ResponsePost]:
        return [p for p in self.posts if is_note(p.body)]

    @property
    def answers(self) -> list[ResponsePost]:
        return [p for p in self.posts if not is_note(p.body)]

    @property
    def seen(self) -> str:
        """What the user sees now: the last post (each one replaced the one before)."""
        return json.dumps(self.posts[-1].body) if self.posts else ""


def shown(fake: FakeSlack, url_id: str) -> Shown:
    posts = [p for p in fake.responses() if p.url_id == url_id and p.status == 200]
    created = sum(1 for p in posts if p.outcome in {"posted", "posted_ephemeral"})
    return Shown(posts=posts, messages=created)


def policy_environ(tmp_path: Path) -> dict[str, str]:
    """The test policy as a file, for a bot started as a process."""
    path = tmp_path / "policy.toml"
    path.write_text(POLICY, encoding="utf-8")
    return {"OEC_CHATOPS_POLICY": str(path)}


@contextlib.asynccontextmanager
async def bot_life(
    o: Outside, tmp_path: Path, *, clock: Clock, grace: float = 1.0
) -> AsyncIterator[tuple[Container, SlackUserAgent]]:
    """One life of the bot, in this process, on `tmp_path`'s database and the given clock.

    Served with its lifespan like `running_stack`'s bot, but against an `Outside` that
    outlives it, so a second life finds the first one's database, Slack and simulator.
    """
    settings = load_settings(bot_environ(tmp_path, slack_url=o.slack_url, sim_url=o.sim_url))
    c = build_container(settings, clock=clock, policy=parse_policy(POLICY))
    async with (
        serve_on_loopback(build_app(c, grace=grace), lifespan="on") as bot_url,
        SlackUserAgent(
            bot_url=bot_url, signing_secret=SIGNING_SECRET, fake=o.fake, fake_url=o.slack_url
        ) as agent,
    ):
        yield c, agent
