"""PostgreSQL behind the same repositories: a connection that reads like `sqlite3.Connection`.

`PgConnection` offers what the repositories and the group committer use of sqlite3
(`execute`, `executemany`, `in_transaction`, rows readable by name and by position, `BEGIN
IMMEDIATE` / `COMMIT` / `ROLLBACK`), so the SQL is written once (dialect.py translates it).

Why synchronous psycopg, inline on the event loop, as sqlite3 is: every statement is short and
indexed, and on a local network a round trip costs ~0.1 ms, less than handing the statement to a
thread would (benchmarks/replicas.py measures it). Writes on the hot path are group-committed
exactly as on SQLite, so a burst of webhooks costs one round trip per write and one commit.

Semantics kept from SQLite:

- `BEGIN IMMEDIATE` (`Store.tx()`) takes the database's write lock (SQLite has one writer at a
  time). Here it is a transaction-scoped advisory lock shared by every replica, so read-then-
  write code (count the votes, then decide) stays as correct on two replicas as on one process.
  Single statements outside a transaction (conditional UPDATEs, upserts) do not take it: each is
  atomic by itself; nor do group-committed batches (`begin_batch`), whose one read-then-write
  takes a lock of its own key. A new read-then-write on the hot path must do the same.
- Booleans bind as 0/1, as SQLite stores them (the columns are INTEGER).
- A NUL character in a text value (a user may type one: form-encoded `%00`) binds as U+FFFD:
  PostgreSQL's TEXT cannot hold NUL and refuses the whole statement, so a command that SQLite
  stores and answers would otherwise be refused as "the database is failing", again on every
  retry. Lookups bind the same way, so they still find what was stored.

Reconnecting: a connection PostgreSQL dropped (restart, failover) is replaced at the next
statement, unless a transaction was open on it: that transaction is gone, so the statement
fails (the caller answers 503, the sender retries) instead of running the rest of it in
autocommit. A failed attempt to reconnect is not retried for `RECONNECT_PAUSE` s, so an outage
costs each request a fast error, not a stalled event loop.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.rows import RowMaker

from oec_chatops.store.dbapi import Cursor
from oec_chatops.store.dialect import migration_for_postgres, to_postgres

# Advisory lock keys (one 64-bit key space per database; these spell "oecc" + a number).
WRITE_LOCK = 0x6F656363_0001
MIGRATE_LOCK = 0x6F656363_0002
LEADER_LOCK = 0x6F656363_0003

CONNECT_TIMEOUT = 3
RECONNECT_PAUSE = 0.5
_TX_WORDS = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"}

Params = Sequence[Any] | Mapping[str, Any]


class PgRow:
    """One row, by position and by column name, like `sqlite3.Row`."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: Mapping[str, int], values: tuple[Any, ...]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"PgRow({dict(zip(self._index, self._values, strict=True))!r})"


def _row_factory(cursor: psycopg.Cursor[Any]) -> RowMaker[PgRow]:
    desc = cursor.description or []
    index = {column.name: i for i, column in enumerate(desc)}

    def make(values: Sequence[Any]) -> PgRow:
        return PgRow(index, tuple(values))

    return make


def _value(v: Any) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, str) and "\x00" in v:
        return v.replace("\x00", "\ufffd")
    return v


def _bind(parameters: Params) -> Params:
    """Booleans as 0/1 (SQLite's storage and the columns' type); NUL in text as U+FFFD."""
    if isinstance(parameters, Mapping):
        return {k: _value(v) for k, v in parameters.items()}
    return [_value(v) for v in parameters]


def open_session(url: str, *, name: str = "oec-chatops") -> psycopg.Connection[PgRow]:
    """An autocommit session (statements commit on their own unless inside BEGIN/COMMIT)."""
    return psycopg.connect(
        url,
        autocommit=True,
        row_factory=_row_factory,
        connect_timeout=CONNECT_TIMEOUT,
        application_name=name,
    )


class PgConnection:
    """A PostgreSQL session standing in for `sqlite3.Connection` (see the module docstring)."""

    dialect = "postgresql"

    def __init__(self, url: str, *, name: str = "oec-chatops") -> None:
        self._url = url
        self._name = name
        self._conn: psycopg.Connection[PgRow] | None = open_session(url, name=name)
        self._tx_open = False
        self._failed_at = 0.0
        self.reconnects = 0

    @property
    def in_transaction(self) -> bool:
        return self._tx_open

    def _live(self) -> psycopg.Connection[PgRow]:
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        if self._tx_open:
            raise psycopg.OperationalError("the database connection was lost mid-transaction")
        if time.monotonic() - self._failed_at < RECONNECT_PAUSE:
            raise psycopg.OperationalError("the database is unreachable (retrying shortly)")
        if conn is not None:
            conn.close()
        try:
            self._conn = open_session(self._url, name=self._name)
        except psycopg.Error:
            self._conn = None
            self._failed_at = time.monotonic()
            raise
        self.reconnects += 1
        return self._conn

    def execute(self, sql: str, parameters: Params = ()) -> Cursor:
        if sql in _TX_WORDS:
            return self._transaction_word(sql)
        return self._live().execute(to_postgres(sql), _bind(parameters))

    def executemany(self, sql: str, seq: Sequence[Params]) -> psycopg.Cursor[PgRow]:
        cur = self._live().cursor()
        cur.executemany(to_postgres(sql), [_bind(p) for p in seq])
        return cur

    def execute_raw(self, sql: str, parameters: Params | None = None) -> psycopg.Cursor[PgRow]:
        """PostgreSQL's own SQL (DDL, advisory locks), sent as written."""
        return self._live().execute(sql, parameters)

    def _transaction_word(self, word: str) -> Cursor:
        if word == "BEGIN":  # writes that only need to commit together: no write lock
            self.begin_batch()
            return _NoRows()
        if word.startswith("BEGIN"):
            conn = self._live()
            self._tx_open = True
            try:
                return conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            except BaseException:
                self._end_after_failure(conn)
                raise
        conn_or_none = self._conn
        self._tx_open = False
        if conn_or_none is None or conn_or_none.broken or conn_or_none.closed:
            if word == "ROLLBACK":  # the server rolled it back when the session ended
                return _NoRows()
            raise psycopg.OperationalError("the database connection was lost before COMMIT")
        return conn_or_none.execute(word)

    def begin_batch(self) -> None:
        """BEGIN a group-committed batch, without the database-wide write lock: the hot write
        path's statements are single atomic upserts and conditional updates, and its one
        read-then-write (merging a deployment) takes that task's own lock
        (`Deployments.lock`), so replicas ingest side by side instead of one at a time."""
        self._live().execute("BEGIN")
        self._tx_open = True

    def _end_after_failure(self, conn: psycopg.Connection[PgRow]) -> None:
        self._tx_open = False
        if not conn.broken and not conn.closed:
            conn.execute("ROLLBACK")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


class _NoRows:
    """The answer to a ROLLBACK that had nothing left to roll back."""

    rowcount = 0

    def fetchone(self) -> None:
        return None

    def fetchall(self) -> list[Any]:
        return []

    def __iter__(self) -> Iterator[Any]:
        return iter(())


def migrate_postgres(conn: PgConnection, migrations: Sequence[Sequence[str]]) -> int:
    """Apply the numbered migrations not yet applied, one transaction each, under an advisory
    lock so that replicas starting together migrate once (the others wait, then find it done).
    The version lives in `schema_version` (PostgreSQL has no `PRAGMA user_version`)."""
    conn.execute_raw(f"SELECT pg_advisory_lock({MIGRATE_LOCK})")
    try:
        conn.execute_raw("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        row = conn.execute_raw("SELECT version FROM schema_version").fetchone()
        if row is None:
            conn.execute_raw("INSERT INTO schema_version (version) VALUES (0)")
        version = int(row[0]) if row is not None else 0
        for number, statements in enumerate(migrations, start=1):
            if number <= version:
                continue
            conn.execute_raw("BEGIN")
            try:
                for statement in statements:
                    for ddl in migration_for_postgres(statement):
                        conn.execute_raw(ddl)
                conn.execute_raw("UPDATE schema_version SET version = %s", (number,))
            except BaseException:
                conn.execute_raw("ROLLBACK")
                raise
            conn.execute_raw("COMMIT")
            version = number
        return version
    finally:
        conn.execute_raw(f"SELECT pg_advisory_unlock({MIGRATE_LOCK})")
