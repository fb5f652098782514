"""The SQLite handle: pragmas, migrations, and group commit for the hot write path.

One connection, used only from the event-loop thread: every statement is short and indexed,
so it runs inline instead of hopping to a thread. Writes that many requests make at once (the
webhook receiver) go through `GroupCommitter`: the requests of one loop iteration share a single
commit, and each is answered only after that commit (PERF-NOTES: one commit per request caps the
path near a quarter of bare throughput). WAL with synchronous=NORMAL loses nothing on a process
crash; only a power loss can drop the last commits.

Checkpoints (copying the WAL back into the database, with an fsync) run on a thread of their
own (`Checkpointer`): SQLite's automatic checkpoint runs inside whichever COMMIT crosses the
threshold, which on the loop thread stalled every request in flight for ~7 ms every few hundred
webhooks. The connection's own auto-checkpoint stays on, at a higher threshold, as a safety net.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from oec_chatops.store.dbapi import Connection
from oec_chatops.store.schema import migrate

T = TypeVar("T")

log = logging.getLogger(__name__)

# Pages the WAL may hold before the writer checkpoints by itself (SQLite's default is 1000);
# normally the `Checkpointer` has emptied it long before.
WRITER_AUTOCHECKPOINT = 10_000
CHECKPOINT_INTERVAL = 0.2


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (and create or migrate) the database at `path`; ':memory:' works for tests."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    _enter_wal(conn)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute(f"PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT}")
    # isolation_level=None: we say BEGIN/COMMIT ourselves (see `transaction`), so a batch of
    # writes is exactly one transaction and nothing is committed behind our back.
    migrate(conn)
    return conn


def _enter_wal(conn: sqlite3.Connection, *, attempts: int = 100) -> None:
    """Switch to WAL (persistent once done). Two processes creating the database together
    (`serve` and `check`) make the switch answer "database is locked" at once, without the
    busy handler, so it is retried here for up to ~2 s; it happens at start-up only."""
    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.02)


class transaction:
    """`with transaction(conn):` BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error. `begin`
    "BEGIN" on PostgreSQL: without the database-wide write lock (see pg.py)."""

    def __init__(self, conn: Connection, begin: str = "BEGIN IMMEDIATE") -> None:
        self.conn = conn
        self.begin = begin

    def __enter__(self) -> Connection:
        self.conn.execute(self.begin)
        return self.conn

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")


class GroupCommitter:
    """Runs write functions submitted in the same loop iteration inside one transaction.

    The batch runs optimistically in one transaction, without a SAVEPOINT per function (two
    statements saved per write on the hot path). If any function raises, the whole batch is
    rolled back and each function is run again in a transaction of its own, so the one that
    fails gets its exception and the others commit. Write functions therefore must only touch
    the database (running one twice is then harmless: the first run was rolled back). Callers
    await until the commit is durable.

    On PostgreSQL a batch begins without the database-wide write lock (`begin_batch`, see
    pg.py), so replicas commit their batches side by side.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._batch: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]] = []
        self._scheduled = False
        self.commits = 0
        self.writes = 0

    async def run(self, fn: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._batch.append((fn, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        batch = self._take()
        conn = self._conn
        results: list[Any] = []
        try:
            self._begin()
            try:
                results = [fn(conn) for fn, _ in batch]
            except Exception:
                conn.execute("ROLLBACK")
                self._one_by_one(batch)
                return
            conn.execute("COMMIT")
        except Exception as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._fail(batch, exc)
            return
        self.commits += 1
        self.writes += len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    def _begin(self) -> None:
        begin_batch: Callable[[], None] | None = getattr(self._conn, "begin_batch", None)
        if begin_batch is not None:
            begin_batch()
        else:
            self._conn.execute("BEGIN IMMEDIATE")

    def _take(self) -> list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]]:
        batch, self._batch = self._batch, []
        self._scheduled = False
        return batch

    @staticmethod
    def _fail(
        batch: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]], exc: Exception
    ) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)

    def _one_by_one(
        self, batch: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]]
    ) -> None:
        conn = self._conn
        for fn, future in batch:
            try:
                self._begin()
                result = fn(conn)
                conn.execute("COMMIT")
            except Exception as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if not future.done():
                    future.set_exception(exc)
                continue
            self.commits += 1
            self.writes += 1
            if not future.done():
                future.set_result(result)


class Checkpointer:
    """PASSIVE checkpoints from a second connection on a daemon thread, every `interval` s.

    A passive checkpoint blocks neither readers nor the writer, and sqlite3 releases the GIL
    while it copies and syncs, so the event loop keeps answering meanwhile. Started on the
    first group-committed write (the hot path), stopped by `stop()`.
    """

    def __init__(self, path: str, *, interval: float = CHECKPOINT_INTERVAL) -> None:
        self._path = path
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0

    def start(self) -> None:
        if self._thread is None and self._path != ":memory:":
            self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._path, isolation_level=None)
        except sqlite3.Error:
            log.exception("store.checkpointer_failed")
            return
        try:
            while not self._stop.wait(self._interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error:
                    log.warning("store.checkpoint_failed", exc_info=True)
                    return
                self.checkpoints += 1
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
