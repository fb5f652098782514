"""What only PostgreSQL has to get right: several replicas on one database.

Claims on outbox rows (one sender per row, never a wait on another replica's lock), the
leadership lock for the singleton loops, migrations run once by concurrent starters, and
reconnection after PostgreSQL restarts. On SQLite one process owns the database; the shared
behaviour is in test_store.py, run there on both engines.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from oec_chatops.digest_time import digest_day
from oec_chatops.store import Store
from oec_chatops.store.dbapi import DatabaseError
from oec_chatops.store.dialect import describe, migration_for_postgres, to_postgres
from oec_chatops.store.leader import Leadership
from oec_chatops.store.schema import MIGRATIONS
from tests.support.postgres import Cluster
from tests.support.together import run_together


@pytest.fixture
def two(pg_url: str) -> Iterator[tuple[Store, Store]]:
    a, b = Store(pg_url), Store(pg_url)
    yield a, b
    a.close()
    b.close()


def test_the_sql_is_translated_once_per_dialect_without_touching_literals() -> None:
    assert to_postgres("SELECT '?%' || x FROM t WHERE a = ? AND b LIKE 'x%'") == (
        "SELECT '?%%' || x FROM t WHERE a = %s AND b LIKE 'x%%'"
    )
    assert to_postgres("SELECT a FROM t WHERE b < :before AND +t.state = 'x'") == (
        "SELECT a FROM t WHERE b < %(before)s AND t.state = 'x'"
    )
    assert to_postgres("INSERT OR IGNORE INTO v (a) VALUES (?)") == (
        "INSERT INTO v (a) VALUES (%s) ON CONFLICT DO NOTHING"
    )
    created = migration_for_postgres(
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL)"
    )
    assert created == (
        "CREATE TABLE t (rowid BIGSERIAL NOT NULL, id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION)",
        "CREATE UNIQUE INDEX t_rowid ON t(rowid)",
    )
    assert describe("postgresql://bot:s3cret@db:5432/oec") == "postgresql://bot:***@db:5432/oec"


def test_a_row_is_claimed_by_one_replica_until_its_claim_lapses(two: tuple[Store, Store]) -> None:
    a, b = two
    a.outbox.enqueue(kind="event", key="d1", channel_id="C1", body={}, now=1.0)
    (row,) = a.outbox.heads()
    assert a.outbox.claim(row.id, owner="A", now=10.0, until=40.0)
    assert not b.outbox.claim(row.id, owner="B", now=11.0, until=41.0)
    assert a.outbox.claim(row.id, owner="A", now=12.0, until=42.0)  # its own: renewed
    (held,) = b.outbox.heads()
    assert held.claimed_elsewhere("B", 20.0)
    assert not held.claimed_elsewhere("A", 20.0)
    assert b.outbox.updates_due(20.0, final_rank=2, owner="B") == []
    # A died: nobody renews, and at 42 the row is free for B.
    assert b.outbox.claim(row.id, owner="B", now=43.0, until=73.0)
    assert b.outbox.mark_sent(b.outbox.get(row.id), 44.0)  # type: ignore[arg-type]
    sent = b.outbox.get(row.id)
    assert sent is not None
    assert sent.claimed_by is None
    assert not a.outbox.claim(row.id, owner="A", now=45.0, until=75.0)  # no longer pending


def test_a_claim_skips_a_row_another_replica_is_locking_instead_of_waiting(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    a.outbox.enqueue(kind="event", key="d1", channel_id="C1", body={}, now=1.0)
    (row,) = a.outbox.heads()
    with a.tx() as conn:
        conn.execute("SELECT id FROM outbox WHERE id = ? FOR UPDATE", (row.id,))
        started = time.monotonic()
        assert not b.outbox.claim(row.id, owner="B", now=2.0, until=32.0)
        assert time.monotonic() - started < 1.0
    assert b.outbox.claim(row.id, owner="B", now=2.0, until=32.0)


def test_one_leader_at_a_time_and_the_next_takes_over_when_its_session_ends(pg_url: str) -> None:
    clock = [0.0]
    first = Leadership(pg_url, check_every=1.0, monotonic=lambda: clock[0])
    second = Leadership(pg_url, check_every=1.0, monotonic=lambda: clock[0])
    try:
        assert first.is_leader()
        assert not second.is_leader()
        first.close()  # as a killed process's session ends
        assert not second.is_leader()  # asked less than a second ago: no new round trip
        # The server ends the session a moment after the client leaves: a check a second
        # later (polled here, each "second" on the injected clock) finds the lock free.
        for _ in range(40):
            clock[0] += 1.0
            if second.is_leader():
                break
            time.sleep(0.05)
        assert second.is_leader()
        assert Leadership("/tmp/bot.db").is_leader()  # SQLite: one process, always leads
    finally:
        first.close()
        second.close()


def test_replicas_starting_together_migrate_once(pg_url: str) -> None:
    assert run_together(lambda: Store(pg_url).close()) == []
    s = Store(pg_url)
    assert s.conn.execute("SELECT version FROM schema_version").fetchone()[0] == len(MIGRATIONS)
    s.close()


def test_after_postgresql_restarts_the_store_reconnects_and_keeps_what_it_committed(
    pg_cluster: Cluster, pg_url: str
) -> None:
    s = Store(pg_url)
    try:
        s.audit.record(at=1.0, actor="a", action="before", result="ok")
        pg_cluster.restart()
        # The first statement finds its session gone and fails (the caller answers 503)...
        with pytest.raises(DatabaseError):
            s.audit.record(at=2.0, actor="a", action="lost", result="ok")
        time.sleep(0.6)  # RECONNECT_PAUSE
        # ...the next one runs on a new session, and nothing committed was lost.
        s.audit.record(at=3.0, actor="a", action="after", result="ok")
        assert [x.action for x in s.audit.recent()] == ["after", "before"]
        assert s.writable()
    finally:
        s.close()


async def test_a_batch_does_not_wait_for_another_replicas_write_transaction(
    two: tuple[Store, Store],
) -> None:
    """Group-committed batches (the webhook path) take no database-wide lock: replica a
    commits while replica b is inside a `tx()` (which holds it)."""
    a, b = two
    holding = b.tx()
    holding.__enter__()
    release = threading.Timer(2.0, lambda: holding.__exit__(None))
    release.start()
    try:
        started = time.monotonic()
        await a.write(lambda r: r.audit.record(at=1.0, actor="a", action="x", result="ok"))
        assert time.monotonic() - started < 1.0, "the batch waited for b's transaction"
    finally:
        release.join()


async def test_merges_of_one_task_take_turns_across_replicas(two: tuple[Store, Store]) -> None:
    """The one read-then-write of the hot path (merging a deployment) holds that task's lock:
    a second replica's merge of the task waits for the first to commit; other tasks do not."""
    a, b = two
    b.conn.begin_batch()  # type: ignore[attr-defined]
    b.deployments.lock("t1")
    release = threading.Timer(1.0, lambda: b.conn.execute("COMMIT"))
    release.start()
    try:
        started = time.monotonic()
        await a.write(lambda r: r.deployments.lock("t2"))
        assert time.monotonic() - started < 0.5
        await a.write(lambda r: r.deployments.lock("t1"))
        assert time.monotonic() - started >= 0.9, "t1's merge did not wait for the other"
    finally:
        release.join()


def test_a_digest_claim_waits_for_an_item_collected_on_another_replica(
    two: tuple[Store, Store],
) -> None:
    """Collecting runs in a group-committed batch (no database-wide lock): replica a keeps an
    event for the day while replica b claims that day. b's claim must wait for a's item and
    queue it, not claim the day without it and leave the item behind a claimed day."""
    a, b = two
    day = digest_day(1_767_000_000.0, "09:00", "UTC")

    def collect(key: str) -> None:
        a.digests.collect(
            channel_id="C1", item_key=key, day=day, at="09:00", tz="UTC", when=1.0, body={"k": key}
        )

    collect("t1")  # the day exists, committed
    a.conn.begin_batch()  # type: ignore[attr-defined]
    collect("t2")
    release = threading.Timer(1.0, lambda: a.conn.execute("COMMIT"))
    release.start()
    try:
        (row,) = b.digests.due(day.due_at)
        with b.tx():
            assert b.digests.claim(row, day.due_at)
            items = b.digests.items("C1", day.day)
            b.digests.drop_items("C1", day.day)
    finally:
        release.join()
    assert items == [{"k": "t1"}, {"k": "t2"}], (
        "the claim did not wait for the item being collected"
    )


def test_text_sorts_byte_by_byte_as_on_sqlite_whatever_the_databases_locale(
    pg_cluster: Cluster,
) -> None:
    """A database created in a language's locale (en_US.utf8 in the official image) sorts
    `crm` before `Shop`; the bot's listings must come out in SQLite's (byte) order anyway."""
    s = Store(pg_cluster.fresh_database(icu_locale="en-US"))
    labels = ["crm", "Shop", "a-b", "ab", "B"]
    try:
        for label in labels:
            s.subscriptions.add(
                channel_id="C1",
                project_id=f"p-{label}",
                project_label=label,
                env_glob="*",
                events=("deploy.*",),
                created_by="U1",
                now=1.0,
            )
            s.workspace_settings.set_policy(label, "", now=1.0)
        assert [x.project_label for x in s.subscriptions.for_channel("C1")] == sorted(labels)
        assert [w.team_id for w in s.workspace_settings.all()] == sorted(labels)
    finally:
        s.close()
