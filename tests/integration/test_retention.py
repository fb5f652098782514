"""Retention: old rows go in the background, what is still needed stays, replays stay refused.

Rows are made by real flows (signed webhooks over HTTP, the outbox posting to the fake Slack, a
slash command's audit line), time moves on a ManualClock, and the pruner's round is run as its
loop would run it. The assertions are on the bot's tables and on what reaches the fake Slack.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.retention import DAY
from tests.support.stack import ADMIN, CHANNEL, Stack, sqlite_only
from tests.support.webhook_helpers import (
    WEBHOOK_PATH,
    command,
    env_data,
    envelope,
    outbox_settled,
    posted_on_the_clock,
    signed,
    webhook_stack,
)

STAGING = "acme-shop/staging"
EVENT = "environment.status_changed"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def hooks(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Stack]:
    async with webhook_stack(tmp_path, clock=clock) as s:
        yield s


def _capture(
    stack: Stack, delivery_id: str, *, at: float | None = None
) -> tuple[bytes, dict[str, str]]:
    """A signed status change as oec.sh would send it (and as someone on the wire could keep)."""
    data = {**env_data(stack, STAGING), "status": "running", "previous_status": "stopped"}
    body = envelope(EVENT, data, delivery_id=delivery_id)
    when = stack.c.clock.time() if at is None else at
    return body, signed(body, event=EVENT, delivery_id=delivery_id, timestamp=when)


async def _send(stack: Stack, body: bytes, headers: dict[str, str]) -> tuple[int, bool | None]:
    r = await stack.http.post(stack.bot_url + WEBHOOK_PATH, content=body, headers=headers)
    return r.status_code, r.json().get("duplicate")


def _row(stack: Stack, sql: str, *args: object) -> sqlite3.Row | None:
    row: sqlite3.Row | None = stack.c.store.conn.execute(sql, args).fetchone()
    return row


def _delivery(stack: Stack, delivery_id: str) -> sqlite3.Row | None:
    return _row(stack, "SELECT * FROM deliveries WHERE dedupe_key = ?", delivery_id)


def _outbox_states(stack: Stack) -> dict[str, str]:
    """The event rows' states by the delivery they came from."""
    rows = stack.c.store.conn.execute("SELECT key, state FROM outbox WHERE kind = 'event'")
    return {str(r["key"]): str(r["state"]) for r in rows}


def _audit_actions(stack: Stack) -> list[str]:
    return [r.action for r in stack.c.store.audit.recent(limit=1000)]


async def test_old_rows_go_needed_rows_stay(hooks: Stack, clock: ManualClock) -> None:
    # Day 0: a delivery posted to the channel, a subscription change (audited), and a delivery
    # that Slack cannot take yet (its row stays pending however old it gets).
    await command(hooks, "subscribe acme-shop/staging", user_id=ADMIN, channel_id=CHANNEL)
    assert await _send(hooks, *_capture(hooks, "evt-old")) == (200, False)
    await hooks.fake.wait_for(lambda f: len(f.messages(CHANNEL)) == 1)
    await outbox_settled(hooks)
    sent_row = _row(hooks, "SELECT id FROM outbox WHERE key = 'evt-old'")
    assert sent_row is not None
    hooks.fake.down()
    assert await _send(hooks, *_capture(hooks, "evt-waiting")) == (200, False)

    # Day 30 and a half: payloads past 30 days go, keys stay a day longer.
    clock.advance(30.5 * DAY)
    assert await _send(hooks, *_capture(hooks, "evt-new")) == (200, False)
    pruned = await hooks.c.pruner.run_once()
    assert (pruned.payloads, pruned.dedupe_keys, pruned.outbox_rows) == (2, 0, 1)

    old = _delivery(hooks, "evt-old")
    assert old is not None, "the dedupe key is kept"
    assert old["payload"] == "", "the payload is dropped"
    waiting = _delivery(hooks, "evt-waiting")
    assert waiting is not None
    assert waiting["payload"] == ""
    new = _delivery(hooks, "evt-new")
    assert new is not None
    assert new["payload"] != ""
    # The sent row and its post-once mark went; the pending ones stayed, however old.
    assert _outbox_states(hooks) == {"evt-waiting": "pending", "evt-new": "pending"}
    assert _row(hooks, "SELECT 1 FROM messages WHERE key = ?", f"evt:{sent_row['id']}") is None
    assert "subscription.add" in _audit_actions(hooks), "audit is kept a year"
    assert "retention.prune" in _audit_actions(hooks), "each round that pruned says so"

    # Slack comes back: both waiting messages go out, once each.
    hooks.fake.down(False)
    await posted_on_the_clock(hooks, clock, CHANNEL, 3, step=300)
    await outbox_settled(hooks)

    # Day 31 and a half: the day-0 keys are past their retention and past any replay.
    clock.advance(1 * DAY)
    pruned = await hooks.c.pruner.run_once()
    assert pruned.dedupe_keys == 2
    assert _delivery(hooks, "evt-old") is None
    assert _delivery(hooks, "evt-waiting") is None
    assert _delivery(hooks, "evt-new") is not None
    assert set(_outbox_states(hooks)) == {"evt-waiting", "evt-new"}, "sent a day ago: kept"

    # A year on, the day-0 audit lines go; the rounds' own lines of this year stay.
    clock.advance(365 * DAY - 31 * DAY)
    await hooks.c.pruner.run_once()
    actions = _audit_actions(hooks)
    assert "subscription.add" not in actions
    assert "retention.prune" in actions
    assert len(hooks.fake.messages(CHANNEL)) == 3


async def test_a_pruned_payload_still_dedupes_replays_within_tolerance(
    tmp_path: Path, clock: ManualClock
) -> None:
    """The shortest retention the settings allow, and the widest tolerance: a delivery signed
    an hour ahead of the bot's clock can be replayed for two hours. Its payload goes after one;
    its key must outlive every replay the signature check still accepts."""
    environ = {
        "OEC_WEBHOOK_TOLERANCE": "3600",
        "OEC_CHATOPS_RETAIN_DELIVERIES": "1h",
        "OEC_CHATOPS_RETAIN_DEDUPE": "1h",
    }
    async with webhook_stack(tmp_path, clock=clock, environ=environ) as hooks:
        captured = _capture(hooks, "evt-ahead", at=clock.time() + 3600)
        assert await _send(hooks, *captured) == (200, False)
        await hooks.fake.wait_for(lambda f: len(f.messages(CHANNEL)) == 1)

        clock.advance(3600 + 60)
        pruned = await hooks.c.pruner.run_once()
        assert (pruned.payloads, pruned.dedupe_keys) == (1, 0)
        replay = {**captured[1], "X-OEC-Delivery": "dlv-replayed"}
        assert await _send(hooks, captured[0], replay) == (200, True)

        clock.advance(3600)  # now past the signature's tolerance: the key may go
        pruned = await hooks.c.pruner.run_once()
        assert pruned.dedupe_keys == 1
        status, _ = await _send(hooks, captured[0], replay)
        assert status == 401
        await outbox_settled(hooks)
        assert len(hooks.fake.messages(CHANNEL)) == 1


@sqlite_only("watches the loop's sqlite3 connection with set_trace_callback")
async def test_a_scrape_counts_nothing_on_the_loops_connection(hooks: Stack) -> None:
    """/metrics reads its database numbers on a connection of its own, on a thread; the
    whole-table counts are the last prune round's."""
    assert await _send(hooks, *_capture(hooks, "evt-counted")) == (200, False)
    await outbox_settled(hooks)
    await hooks.c.pruner.run_once()

    on_the_loop: list[str] = []
    hooks.c.store.conn.set_trace_callback(on_the_loop.append)
    try:
        r = await hooks.http.get(f"{hooks.bot_url}/metrics")
    finally:
        hooks.c.store.conn.set_trace_callback(None)
    assert r.status_code == 200
    assert [s for s in on_the_loop if "count(" in s.lower()] == []
    lines = set(r.text.splitlines())
    assert "oec_chatops_outbox_depth 0.0" in lines
    assert "oec_chatops_deliveries_stored 1.0" in lines
    assert 'oec_chatops_outbox_rows{state="sent"} 1.0' in lines
