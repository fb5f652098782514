"""The numbers /metrics shows about the database, read on a connection of their own.

A scrape must never stall the event loop (commands and webhooks share it) nor count a table
that only grows. So these reads run on a worker thread, on a separate read-only connection (WAL
lets it read while the loop's connection writes), and split in two: `live()` is indexed and
small (the pending outbox rows, approvals by state), read at each scrape; `retained()` counts
whole tables and runs only after a prune round, every few minutes.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field

from oec_chatops.store.dbapi import Connection
from oec_chatops.store.dialect import is_postgres_url
from oec_chatops.store.pg import PgConnection


@dataclass(frozen=True, slots=True)
class LiveCounts:
    outbox_depth: int
    outbox_oldest: float | None  # created_at of the oldest pending row
    approvals: dict[str, int]


@dataclass(frozen=True, slots=True)
class RetainedCounts:
    outbox_rows: dict[str, int] = field(default_factory=dict)
    deliveries: int = 0
    audit: int = 0


class GaugeReader:
    """Reads for the gauges. Thread-safe: one statement set at a time, under a lock."""

    def __init__(self, path: str, *, conn: Connection | None = None) -> None:
        """`conn`: read on this connection instead (an in-memory database has no second one)."""
        self._path = path
        self._conn = conn
        self._own = conn is None
        self._lock = threading.Lock()

    def _connection(self) -> Connection:
        if self._conn is None and is_postgres_url(self._path):
            # PostgreSQL: a session of its own, so a scrape never waits behind the loop's.
            self._conn = PgConnection(self._path, name="oec-chatops-gauges")
        elif self._conn is None:
            conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA query_only=ON")
            conn.execute("PRAGMA busy_timeout=1000")
            self._conn = conn
        return self._conn

    def live(self) -> LiveCounts:
        with self._lock:
            conn = self._connection()
            depth, oldest = conn.execute(
                "SELECT count(*), min(created_at) FROM outbox WHERE state = 'pending'"
            ).fetchone()
            approvals = {
                str(state): int(n)
                for state, n in conn.execute("SELECT state, count(*) FROM approvals GROUP BY state")
            }
        return LiveCounts(
            outbox_depth=int(depth),
            outbox_oldest=float(oldest) if oldest is not None else None,
            approvals=approvals,
        )

    def retained(self) -> RetainedCounts:
        with self._lock:
            conn = self._connection()
            outbox = {
                str(state): int(n)
                for state, n in conn.execute("SELECT state, count(*) FROM outbox GROUP BY state")
            }
            (deliveries,) = conn.execute("SELECT count(*) FROM deliveries").fetchone()
            (audit,) = conn.execute("SELECT count(*) FROM audit").fetchone()
        return RetainedCounts(outbox_rows=outbox, deliveries=int(deliveries), audit=int(audit))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._own:
                self._conn.close()
            self._conn = None
