"""What the pruner must never remove, and what keeps its batches small.

These run against the real store (an SQLite file; PostgreSQL under `OEC_TEST_DB=postgres`), with rows made by the store's own methods
(the same ones the outbox, the tracker and the approvals use) and time on a ManualClock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.domain import Approval, ApprovalState
from oec_chatops.retention import DAY, RetentionPolicy
from oec_chatops.services.deployments import DeploymentUpdate, apply_update
from oec_chatops.services.pruner import Pruner
from oec_chatops.store import Store
from oec_chatops.store.retention import BATCH_SELECTS
from tests.support.stack import sqlite_only, stack_database

CHANNEL = "C0RETAIN"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(stack_database(tmp_path))
    yield s
    s.close()


def _deployment(store: Store, task_id: str, status: str, now: float) -> None:
    with store.tx():
        apply_update(
            store,
            DeploymentUpdate(task_id=task_id, status=status, origin_channel_id=CHANNEL),
            now=now,
        )


def _approval(store: Store, approval_id: str, clock: ManualClock) -> None:
    approval = Approval(
        approval_id=approval_id,
        verb="deploy",
        env_label="acme-shop/production",
        env_id="env-prod",
        requested_by="U0DEV1",
        channel_id=CHANNEL,
        state=ApprovalState.PENDING,
        required=1,
        created_at=clock.now(),
        expires_at=clock.now() + timedelta(days=60),
    )
    with store.tx():
        store.approvals.create(approval, self_approval=False, now=clock.time())
        store.outbox.enqueue(
            kind="approval", key=approval_id, channel_id=CHANNEL, body={}, now=clock.time()
        )


def _send_all_but(store: Store, keep_pending: str, now: float) -> None:
    """Mark every due row sent, as the outbox does after Slack's ok, except one left waiting."""
    for row in store.outbox.pending(limit=100):
        if row.key != keep_pending:
            assert store.outbox.mark_sent(row, now)


async def test_rows_still_needed_are_never_pruned(store: Store) -> None:
    clock = ManualClock()
    t0 = clock.time()
    _deployment(store, "t-running", "running", t0)  # still running: its message may change
    _deployment(store, "t-done", "completed", t0)  # over: its sent rows may go
    _deployment(store, "t-waiting", "completed", t0)  # its row never reached Slack
    _approval(store, "apr-open", clock)  # undecided: its card still takes votes
    _send_all_but(store, "t-waiting", t0)

    clock.advance(90 * DAY)
    pruned = await Pruner(store=store, clock=clock, policy=RetentionPolicy()).run_once()

    left = {(r["kind"], r["key"], r["state"]) for r in store.conn.execute("SELECT * FROM outbox")}
    assert left == {
        ("deployment", "t-running", "sent"),
        ("deployment", "t-waiting", "pending"),
        ("approval", "apr-open", "sent"),
    }
    assert pruned.outbox_rows == 1


async def test_answered_commands_go_and_unfinished_ones_stay(store: Store) -> None:
    clock = ManualClock()
    for n, finished in enumerate([True, True, False]):
        assert store.commands.accept(
            request_id=f"req-{n}",
            response_url=f"https://hooks.slack.test/commands/{n}",
            user_id="U0DEV1",
            user_name="dana",
            channel_id=CHANNEL,
            text="status acme-shop/staging",
            trigger_id="",
            now=clock.time(),
        )
        store.commands.start(f"req-{n}", clock.time())
        if finished:
            store.commands.finish(f"req-{n}", "ok", clock.time())

    clock.advance(29 * DAY)
    pruner = Pruner(store=store, clock=clock, policy=RetentionPolicy())
    assert (await pruner.run_once()).commands == 0, "answered a month ago at most: kept"

    clock.advance(2 * DAY)
    assert (await pruner.run_once()).commands == 2
    assert [row.request_id for row in store.commands.unfinished()] == ["req-2"]
    assert store.commands.get("req-0") is None


@sqlite_only("reads SQLite's EXPLAIN QUERY PLAN")
def test_every_batch_walks_an_index(store: Store) -> None:
    """Each pruning statement reads through an index from its oldest row, never the table."""
    params = {"before": 1.0, "at": 0.0, "rowid": 0, "limit": 5}
    for name, sql in BATCH_SELECTS.items():
        plan = " ".join(str(r[3]) for r in store.conn.execute("EXPLAIN QUERY PLAN " + sql, params))
        assert "INDEX" in plan, (name, plan)
        assert "TEMP B-TREE" not in plan, (name, plan)


async def test_a_large_backlog_is_pruned_in_small_steps(store: Store) -> None:
    """Twenty thousand old deliveries: the loop keeps turning between batches (a command or a
    webhook waits one batch at most), and every one is pruned in the end."""
    clock = ManualClock()
    with store.tx():
        for n in range(20_000):
            store.deliveries.insert(
                delivery_id=f"old-{n}",
                event="deploy.started",
                received_at=clock.time(),
                signed_at=int(clock.time()),
                task_id=None,
                env_id=None,
                payload=b'{"event": "deploy.started", "data": {"message": "' + b"x" * 400 + b'"}}',
            )
    clock.advance(40 * DAY)
    pruner = Pruner(store=store, clock=clock, policy=RetentionPolicy(), batch=500)

    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    started = time.perf_counter()
    pruned = await pruner.run_once()
    took = time.perf_counter() - started
    done.set()
    await ticking

    assert (pruned.payloads, pruned.dedupe_keys) == (20_000, 20_000)
    assert store.conn.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 0
    # 80 batches (40 per pass): the loop got a turn after each, so no gap is the whole round.
    assert len(gaps) >= 80
    assert max(gaps) < took / 10, (max(gaps), took)
    print(
        f"pruned 2 x 20000 rows in {took * 1000:.0f} ms; longest loop stall {max(gaps) * 1000:.1f} ms"
    )
