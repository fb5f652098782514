"""Helpers for the approval tests: policies, the card as the channel shows it, audit rows, and a
bot that can be stopped and started again against the same simulator, fake Slack and database.

Everything here reads what reached the fake Slack or the simulator, or what the bot's store
holds; nothing stands in for the bot's own code.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from oec_chatops.clock import Clock
from oec_chatops.config import Settings, load_settings
from oec_chatops.container import Container
from oec_chatops.domain import ApprovalState
from oec_chatops.entrypoints.embedded import subscribe_to_every_project
from oec_chatops.entrypoints.server import build_app
from oec_chatops.playground import (
    Ephemeral,
    FakeSlack,
    Message,
    SlackUserAgent,
    build_fake_slack_app,
    find_button,
    seed_demo_workspace,
)
from oec_chatops.playground import serve_on_loopback as serve
from oec_chatops.sim import SimSettings, SimState, build_sim_app
from oec_chatops.slack.blocks.approvals import REJECT_REASON_ACTION, REJECT_REASON_BLOCK
from oec_chatops.store.rows import AuditRow
from tests.support.stack import (
    ADMIN,
    BOT_TOKEN,
    CHANNEL,
    DEV,
    SIGNING_SECRET,
    SimControls,
    Stack,
    bot_container,
    bot_environ,
    sim_settings,
    stack_database,
)

PROD = "acme-shop/production"
APPROVE = "approval.approve"
REJECT = "approval.reject"
CANCEL = "approval.cancel"


def policy_text(
    *,
    approvals: int = 1,
    extra_approvers: Sequence[str] = (),
    self_approval: bool = False,
    expires: str = "30m",
    backup_before: bool = False,
    backup_timeout: str = "1h",
) -> str:
    """The stack's policy (S0LEADS approve, `production` protected) with the knobs a test turns."""
    approvers = ", ".join(f'"{a}"' for a in ("S0LEADS", *extra_approvers))
    return f"""
default_role = "viewer"
[roles]
admins = ["U0ADMIN"]
deployers = ["S0DEVTEAM", "U0LEAD1", "U0LEAD2"]
approvers = [{approvers}]
[protected]
match = ["production"]
approvals = {approvals}
self_approval = {"true" if self_approval else "false"}
expires = "{expires}"
backup_before = {"true" if backup_before else "false"}
backup_timeout = "{backup_timeout}"
"""


def build_with(
    *, clock: Clock | None = None, policy: str | None = None
) -> Callable[[Settings], Container]:
    """A `running_stack(build=...)` that injects a clock and/or a policy."""

    return lambda settings: bot_container(settings, clock=clock, policy=policy or policy_text())


# -- the card, as the channel shows it ---------------------------------------------------------


def flat(blocks: Sequence[dict[str, Any]]) -> str:
    """All the text of some blocks, for `in` assertions."""
    return json.dumps(blocks, ensure_ascii=False)


def card(fake: FakeSlack, approval_id: str) -> Message | None:
    """The approval card for `approval_id` in the deploy channel (found by its Slack metadata)."""
    for m in fake.messages(CHANNEL, include_replies=False):
        payload = (m.metadata or {}).get("event_payload") or {}
        if payload.get("key") == f"apr:{approval_id}":
            return m
    return None


def assert_undecided(stack: Stack, approval_id: str) -> None:
    """Then the request is still pending, with nobody's approval counted on it."""
    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert a.state is ApprovalState.PENDING
    assert a.approvers == ()


def cards(fake: FakeSlack) -> list[Message]:
    """Every approval card in the deploy channel, oldest first."""
    return [
        m
        for m in fake.messages(CHANNEL, include_replies=False)
        if str(((m.metadata or {}).get("event_payload") or {}).get("key", "")).startswith("apr:")
    ]


def approval_id_of(message: Message) -> str:
    """The request id a card's Approve button carries, as a clicking user's Slack sends it."""
    return str(find_button(message.blocks, APPROVE)[1]["value"])


async def wait_card(
    fake: FakeSlack, approval_id: str, *needles: str, timeout: float = 5.0
) -> Message:
    """Wait until the card shows every one of `needles` (case-insensitive)."""

    def shows(f: FakeSlack) -> Message | None:
        m = card(f, approval_id)
        if m is None:
            return None
        text = flat(m.blocks).lower()
        return m if all(n.lower() in text for n in needles) else None

    return await fake.wait_for(shows, timeout=timeout)


async def approved_and_run(stack: Stack, approver: str) -> tuple[str, Message]:
    """Given a production deploy requested, approved by `approver` and run: its id and card."""
    approval_id, message = await request_change(stack)
    await stack.agent.click(message, APPROVE, user_id=approver)
    await wait_card(stack.fake, approval_id, "has started", timeout=10)
    return approval_id, message


async def request_change(
    stack: Stack,
    text: str = f"deploy {PROD} -- fixing invoice totals",
    *,
    user_id: str = DEV,
    notice: str = "waits for",
    team_id: str | None = None,
) -> tuple[str, Message]:
    """`user_id` (of workspace `team_id`, by default the fake's) types `/oec {text}` in the
    deploy channel; returns the new card and its id (once the requester was told `notice`)."""
    before = {m.ts for m in cards(stack.fake)}
    r = await stack.agent.command(text, user_id=user_id, channel_id=CHANNEL, team_id=team_id)
    assert r.status_code == 200

    def new_card(f: FakeSlack) -> Message | None:
        fresh = [m for m in cards(f) if m.ts not in before]
        return fresh[0] if fresh else None

    message = await stack.fake.wait_for(new_card, timeout=5)
    # The card goes out through the outbox, the requester's answer through the response_url:
    # both have arrived before the test goes on.
    await wait_ephemeral(stack.fake, user_id, notice)
    return approval_id_of(message), message


def reason_values(text: str) -> dict[str, object]:
    """The reject-reason modal's state when `text` was typed as the reason."""
    return {
        REJECT_REASON_BLOCK: {REJECT_REASON_ACTION: {"type": "plain_text_input", "value": text}}
    }


async def wait_ephemeral(
    fake: FakeSlack, user_id: str, needle: str, *, timeout: float = 5.0
) -> Ephemeral:
    """Wait for an ephemeral message to `user_id` that says `needle` (case-insensitive)."""

    def said(f: FakeSlack) -> Ephemeral | None:
        for e in f.ephemerals(user_id):
            if needle.lower() in (e.text + flat(e.blocks)).lower():
                return e
        return None

    return await fake.wait_for(said, timeout=timeout)


async def restarts_sent(s: Stack, count: int) -> list[dict[str, object]]:
    """Wait until the simulator has received `count` restart POSTs; those requests."""
    async with asyncio.timeout(10):
        while True:
            sent = [r for r in await s.actions_sent() if str(r["path"]).endswith("/restart")]
            if len(sent) >= count:
                return sent
            await asyncio.sleep(0.05)


# -- what the bot recorded ---------------------------------------------------------------------


def audit_rows(c: Container, approval_id: str) -> list[AuditRow]:
    """Every audit row about this request (its steps and the actions it ran), oldest first."""
    rows = c.store.audit.recent(limit=10_000)
    return [r for r in reversed(rows) if r.detail.get("approval_id") == approval_id]


def audit_steps(c: Container, approval_id: str) -> list[tuple[str, str, str]]:
    """(actor, action, result) of every audit row about this request, oldest first."""
    return [(r.actor, r.action, r.result) for r in audit_rows(c, approval_id)]


def actions_with_key(requests: Sequence[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The action POSTs in a simulator request log that carried `key` as Idempotency-Key."""
    return [
        r
        for r in requests
        if r["method"] == "POST"
        and r["path"].rsplit("/", 1)[-1] in {"deploy", "restart", "start", "stop", "quick-update"}
        and r.get("idempotency_key") == key
    ]


# -- a bot that can be restarted ---------------------------------------------------------------


@dataclass
class World(SimControls):
    """The outside world of a restart test: one simulator and one fake Slack for its whole run."""

    tmp_path: Path
    fake: FakeSlack
    slack_url: str
    sim_url: str
    sim: SimState
    http: httpx.AsyncClient
    db: str  # the bot's database, the same for every life (`stack_database`)


@contextlib.asynccontextmanager
async def world(
    tmp_path: Path, *, sim: SimSettings | None = None, clock: Clock | None = None
) -> AsyncIterator[World]:
    """With `clock`, the simulator's tasks and the fake Slack's windows move only on it."""
    fake = seed_demo_workspace(FakeSlack(bot_token=BOT_TOKEN, clock=clock))
    sim_app = build_sim_app(sim or sim_settings(), clock=clock)
    async with (
        serve(build_fake_slack_app(fake)) as slack_url,
        serve(sim_app, lifespan="on") as sim_url,
        httpx.AsyncClient(timeout=10) as http,
    ):
        yield World(
            tmp_path, fake, slack_url, sim_url, sim_app.state.sim, http, stack_database(tmp_path)
        )


@contextlib.asynccontextmanager
async def bot(
    w: World, *, clock: Clock | None = None, policy: str | None = None, grace: float = 2.0
) -> AsyncIterator[Stack]:
    """One bot process's life: a fresh container on the world's database, served until the
    block ends (then shut down as a SIGTERM would: drain for `grace` seconds, cancel the rest).

    The deploy channel is subscribed to every project on first start, as `running_stack` does.
    """
    settings = load_settings(
        bot_environ(w.tmp_path, slack_url=w.slack_url, sim_url=w.sim_url, db=w.db)
    )
    c = build_with(clock=clock, policy=policy)(settings)
    if not c.store.subscriptions.for_channel(CHANNEL):
        subscribe_to_every_project(c, w.sim, channel_id=CHANNEL, by=ADMIN)
    async with (
        serve(build_app(c, grace=grace), lifespan="on", drain_timeout=grace) as bot_url,
        SlackUserAgent(
            bot_url=bot_url, signing_secret=SIGNING_SECRET, fake=w.fake, fake_url=w.slack_url
        ) as agent,
    ):
        yield Stack(
            fake=w.fake,
            slack_url=w.slack_url,
            sim_url=w.sim_url,
            sim=w.sim,
            bot_url=bot_url,
            c=c,
            agent=agent,
            http=w.http,
            settings=settings,
        )
