"""The store's repositories and its group commit, on a real SQLite file and on a real
PostgreSQL database (the `db_target` fixture runs each test on both engines)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from oec_chatops.store import Store
from oec_chatops.store.dbapi import DatabaseError
from oec_chatops.store.schema import MIGRATIONS
from oec_chatops.store.store import Repos
from tests.support.together import run_together


@pytest.fixture
def store(db_target: str) -> Iterator[Store]:
    s = Store(db_target)
    yield s
    s.close()


def test_a_new_database_is_migrated_in_wal_mode_and_reopening_changes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "nested" / "bot.db"
    s = Store(path)
    assert s.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    s.subscriptions.add(
        channel_id="C1",
        project_id="p1",
        project_label="shop",
        env_glob="*",
        events=("deploy.*",),
        created_by="U1",
        now=1.0,
    )
    s.close()
    again = Store(path)
    assert [x.target for x in again.subscriptions.for_channel("C1")] == ["shop"]
    again.close()


def test_deliveries_are_deduplicated_by_id(store: Store) -> None:
    def insert(delivery_id: str) -> bool:
        return store.deliveries.insert(
            delivery_id=delivery_id,
            event="deploy.started",
            received_at=1.0,
            signed_at=1,
            task_id="t1",
            env_id="e1",
            payload=b'{"event":"deploy.started"}',
        )

    assert insert("d1") is True
    assert insert("d1") is False
    assert insert("d2") is True
    assert store.deliveries.count() == 2
    store.deliveries.mark_routed("d1", 3)
    assert (
        store.conn.execute("SELECT routed FROM deliveries WHERE delivery_id='d1'").fetchone()[0]
        == 3
    )


def test_outbox_refreshes_a_pending_row_instead_of_queueing_another(store: Store) -> None:
    store.outbox.enqueue(kind="deployment", key="t1", channel_id="C1", body={"v": 1}, now=10.0)
    store.outbox.enqueue(kind="deployment", key="t1", channel_id="C1", body={"v": 2}, now=12.0)
    store.outbox.enqueue(kind="deployment", key="t1", channel_id="C2", body={}, now=12.0)
    (row, other) = store.outbox.heads()
    assert (row.channel_id, row.body, row.version, row.next_attempt_at) == ("C1", {"v": 2}, 1, 10.0)
    assert other.channel_id == "C2"
    assert store.outbox.pending_for(kind="deployment", key="t1", channel_id="C1")
    assert not store.outbox.pending_for(kind="deployment", key="t2", channel_id="C1")

    assert store.outbox.mark_sent(row, 21.0) is True
    store.messages.put(key="dep:t1", channel_id="C1", ts="1.1", now=21.0)
    assert not store.outbox.pending_for(kind="deployment", key="t1", channel_id="C1")
    # Once its message exists, the next change is a new row: an update, not a post.
    store.outbox.enqueue(kind="deployment", key="t1", channel_id="C1", body={"v": 3}, now=22.0)
    assert [r.channel_id for r in store.outbox.heads()] == ["C2"]
    (update,) = store.outbox.updates_due(30.0, final_rank=2)
    assert (update.channel_id, update.body) == ("C1", {"v": 3})


def test_a_refresh_during_a_send_keeps_the_row_pending_for_the_newer_state(store: Store) -> None:
    store.outbox.enqueue(kind="deployment", key="t1", channel_id="C1", body={}, now=1.0)
    (sending,) = store.outbox.heads()
    store.outbox.mark_inflight(sending.id, 1.5)
    store.outbox.enqueue(kind="deployment", key="t1", channel_id="C1", body={}, now=2.0)
    assert store.outbox.mark_sent(sending, 3.0) is False
    (left,) = store.outbox.heads()
    assert (left.id, left.state, left.inflight_at, left.version) == (sending.id, "pending", None, 1)
    assert store.outbox.mark_sent(left, 6.0) is True
    assert store.outbox.heads() == []


def test_posts_wait_behind_their_channels_head_and_a_refresh_keeps_its_backoff(
    store: Store,
) -> None:
    store.outbox.enqueue(kind="event", key="d1", channel_id="C1", body={}, now=1.0)
    store.outbox.enqueue(kind="event", key="d2", channel_id="C1", body={}, now=2.0)
    store.outbox.enqueue(kind="deployment", key="t1", channel_id="C2", body={}, now=2.0)
    first, second = store.outbox.heads()
    assert (first.key, second.key) == ("d1", "t1")
    store.outbox.mark_inflight(first.id, 2.0)
    store.outbox.retry_later(first.id, at=50.0, error="slack timed out")
    store.outbox.retry_later(
        second.id, at=40.0, error="ratelimited", count_attempt=False, clear_inflight=True
    )
    # The head keeps its place (and its in-flight mark: that post may exist); d2 waits.
    assert [(r.key, r.next_attempt_at) for r in store.outbox.heads("C1")] == [("d1", 50.0)]
    assert store.outbox.get(first.id).inflight_at == 2.0  # type: ignore[union-attr]
    # A newer state for t1 refreshes its row, but not before its Retry-After.
    store.outbox.enqueue(kind="deployment", key="t1", channel_id="C2", body={"v": 2}, now=3.0)
    assert store.outbox.heads("C2")[0].next_attempt_at == 40.0
    assert store.outbox.depth() == (3, 1.0)
    assert store.outbox.get(first.id).attempts == 1  # type: ignore[union-attr]
    assert store.outbox.get(second.id).attempts == 0  # type: ignore[union-attr]
    store.outbox.mark_dead(first.id, reason="not_in_channel", now=60.0)
    assert store.outbox.states() == {"dead": 1, "pending": 2}
    assert [r.key for r in store.outbox.heads("C1")] == ["d2"]


def test_final_updates_come_before_progress(store: Store) -> None:
    for task, status, rank in (("t1", "running", 1), ("t2", "completed", 2), ("t3", "queued", 0)):
        _save(store, task, env_id="e1", status=status, rank=rank, now=1.0)
        store.messages.put(key=f"dep:{task}", channel_id="C1", ts=f"1.{rank}", now=1.0)
        store.outbox.enqueue(kind="deployment", key=task, channel_id="C1", body={}, now=1.0)
    due = store.outbox.updates_due(5.0, final_rank=2, limit=10)
    assert [r.key for r in due] == ["t2", "t1", "t3"]
    assert [r.key for r in store.outbox.updates_due(5.0, final_rank=2, skip=(due[0].id,))] == ["t1"]
    assert store.outbox.next_update_at() == 1.0
    assert store.outbox.heads() == []


def test_messages_are_one_per_key_and_channel(store: Store) -> None:
    assert store.messages.get("dep:t1", "C1") is None
    store.messages.put(key="dep:t1", channel_id="C1", ts="1.1", now=1.0)
    store.messages.put(key="dep:t1", channel_id="C1", ts="1.2", now=2.0, thread_ts="1.0")
    ref = store.messages.get("dep:t1", "C1")
    assert ref is not None
    assert (ref.ts, ref.thread_ts) == ("1.2", "1.0")
    assert store.messages.get("dep:t1", "C2") is None


def _save(store: Store, task_id: str, *, env_id: str, status: str, rank: int, now: float) -> None:
    store.deployments.save(
        task_id=task_id,
        env_id=env_id,
        env_label="shop/staging",
        project_id="p1",
        verb="deploy",
        status=status,
        rank=rank,
        origin_channel_id=None,
        requested_by=None,
        approval_id=None,
        state={"key": task_id, "status": status},
        now=now,
        next_poll_at=None if rank == 2 else now + 5,
    )


def test_deployments_active_recent_and_poll_times(store: Store) -> None:
    _save(store, "t1", env_id="e1", status="running", rank=1, now=100.0)
    _save(store, "t2", env_id="e1", status="completed", rank=2, now=200.0)
    _save(store, "t3", env_id="e2", status="queued", rank=0, now=300.0)
    assert [d.task_id for d in store.deployments.active()] == ["t1", "t3"]
    store.deployments.set_next_poll("t3", 1.0)
    assert [d.task_id for d in store.deployments.active()] == ["t3", "t1"]
    assert store.deployments.touched_env_since("e1", 150.0) == ["t2"]
    assert store.deployments.touched_env_since("e1", 0.0) == ["t2", "t1"]
    assert store.deployments.touched_env_since("e3", 0.0) == []
    row = store.deployments.get("t1")
    assert row is not None
    assert (row.state, row.created_at) == ({"key": "t1", "status": "running"}, 100.0)
    _save(store, "t1", env_id="e1", status="completed", rank=2, now=400.0)
    row = store.deployments.get("t1")
    assert row is not None
    assert (row.status, row.created_at, row.updated_at, row.next_poll_at) == (
        "completed",
        100.0,
        400.0,
        None,
    )


def test_subscriptions_upsert_flag_and_remove(store: Store) -> None:
    def add(glob: str, events: tuple[str, ...], channel: str = "C1") -> None:
        store.subscriptions.add(
            channel_id=channel,
            project_id="p1",
            project_label="shop",
            env_glob=glob,
            events=events,
            created_by="U1",
            now=1.0,
        )

    add("*", ("deploy.*",))
    add("prod*", ("deploy.failed",))
    add("*", ("monitoring.alert",), channel="C2")
    add("*", ("deploy.*", "environment.status_changed"))  # same target: events replaced
    subs = store.subscriptions.for_channel("C1")
    assert [(s.target, s.events) for s in subs] == [
        ("shop", ("deploy.*", "environment.status_changed")),
        ("shop/prod*", ("deploy.failed",)),
    ]
    assert store.subscriptions.flag_channel("C1", "is_archived") == 2
    assert [s.channel_id for s in store.subscriptions.for_project("p1")] == ["C2"]
    assert [s.channel_id for s in store.subscriptions.for_project(None)] == ["C2"]
    add("prod*", ("deploy.failed",))  # subscribing again clears the flag
    assert {s.target: s.flagged_reason for s in store.subscriptions.for_channel("C1")} == {
        "shop": "is_archived",
        "shop/prod*": None,
    }
    assert store.subscriptions.remove(channel_id="C1", project_id="p1", env_glob="prod*") == 1
    assert store.subscriptions.remove(channel_id="C1", project_id="p1", env_glob=None) == 1
    assert store.subscriptions.for_channel("C1") == []


def test_audit_newest_first_and_by_action(store: Store) -> None:
    store.audit.record(at=1.0, actor="U1", action="subscription.add", result="ok", target="shop")
    store.audit.record(
        at=2.0, actor="bot", action="outbox.dead", result="is_archived", detail={"row": 3}
    )
    assert [a.action for a in store.audit.recent()] == ["outbox.dead", "subscription.add"]
    (dead,) = store.audit.recent(action="outbox.dead")
    assert (dead.actor, dead.result, dead.detail) == ("bot", "is_archived", {"row": 3})


async def test_group_commit_batches_one_loop_iteration_into_one_commit(store: Store) -> None:
    commits, writes = store.commit_stats

    def write(n: int):  # type: ignore[no-untyped-def]
        def fn(repos: Repos) -> int:
            repos.outbox.enqueue(kind="event", key=f"d{n}", channel_id="C1", body={}, now=1.0)
            return n

        return fn

    results = await asyncio.gather(*(store.write(write(n)) for n in range(50)))
    assert results == list(range(50))
    assert store.commit_stats == (commits + 1, writes + 50)
    assert store.outbox.depth()[0] == 50


async def test_a_failing_write_is_rolled_back_alone(store: Store) -> None:
    def good(repos: Repos) -> None:
        repos.audit.record(at=1.0, actor="a", action="good", result="ok")

    def bad(repos: Repos) -> None:
        repos.audit.record(at=1.0, actor="a", action="bad", result="ok")
        repos.conn.execute("INSERT INTO no_such_table VALUES (1)")

    outcomes = await asyncio.gather(
        store.write(good), store.write(bad), store.write(good), return_exceptions=True
    )
    assert outcomes[0] is None
    assert isinstance(outcomes[1], DatabaseError)
    assert outcomes[2] is None
    assert [a.action for a in store.audit.recent()] == ["good", "good"]


async def test_a_write_is_durable_when_its_await_returns(tmp_path: Path) -> None:
    """A second connection (another process would do the same) sees the row at once."""
    s = Store(tmp_path / "bot.db")
    try:
        await s.write(
            lambda r: r.deliveries.insert(
                delivery_id="d1",
                event="x",
                received_at=1.0,
                signed_at=None,
                task_id=None,
                env_id=None,
                payload=b"{}",
            )
        )
        other = sqlite3.connect(tmp_path / "bot.db")
        assert other.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 1
        other.close()
    finally:
        s.close()


async def test_checkpoints_run_off_the_loop_and_stop_with_the_store(tmp_path: Path) -> None:
    """The writer's own checkpoint threshold is raised; a thread copies the WAL back instead,
    once group-committed writes begin, and `close()` ends it."""
    import threading

    s = Store(tmp_path / "bot.db")
    assert s.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 10_000
    assert not [t for t in threading.enumerate() if t.name == "sqlite-checkpoint"]
    for n in range(20):
        await s.write(
            lambda r, n=n: r.audit.record(at=float(n), actor="a", action="x", result="ok")
        )
    assert [t for t in threading.enumerate() if t.name == "sqlite-checkpoint"]
    async with asyncio.timeout(5):
        while s.checkpoints == 0:  # noqa: ASYNC110 - a thread's counter; 0.2 s interval
            await asyncio.sleep(0.02)
    wal = tmp_path / "bot.db-wal"
    s.close()
    assert not [t for t in threading.enumerate() if t.name == "sqlite-checkpoint"]
    assert not wal.exists() or wal.stat().st_size == 0
    again = sqlite3.connect(tmp_path / "bot.db")
    assert again.execute("SELECT count(*) FROM audit").fetchone()[0] == 20
    again.close()


def test_two_processes_opening_a_new_database_at_once_both_migrate_it(tmp_path: Path) -> None:
    """`serve` and `check` (or two replicas) may create the database together: the second to
    get the write lock finds the migrations applied and skips them."""
    from oec_chatops.store.db import connect

    for attempt in range(15):
        path = tmp_path / f"race-{attempt}.db"
        assert run_together(lambda path=path: connect(path).close()) == []
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        conn.close()


def test_pruning_batches_walk_the_oldest_rows_first(store: Store) -> None:
    """The pruner's statements (keyset over `rowid`, named parameters, index hints) on either
    engine: payloads go first, then the keys that can no longer be replayed."""
    from oec_chatops.store.retention import Retention

    for i in range(5):
        store.deliveries.insert(
            delivery_id=f"d{i}",
            event="x",
            received_at=float(i),
            signed_at=None if i == 4 else i,
            task_id=None,
            env_id=None,
            payload=b"{}",
        )
        store.audit.record(at=float(i), actor="a", action="x", result="ok")
        store.outbox.enqueue(kind="event", key=f"k{i}", channel_id="C1", body={}, now=float(i))
    for row in store.outbox.pending():
        store.outbox.mark_sent(row, 1.0)
    prune = Retention(store.conn)
    first = prune.drop_payloads(10.0, limit=2)
    assert (first.count, first.done) == (2, False)
    assert prune.drop_payloads(10.0, after=first.after).count == 3
    assert prune.drop_keys(10.0, signed_before=10, keep_unsigned=True).count == 4
    assert store.deliveries.count() == 1  # the unsigned one: replayable, so its key stays
    assert prune.drop_outbox(10.0) == 5
    assert prune.drop_audit(3.0) == 3
