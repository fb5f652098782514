"""What the repositories need of a database connection, whichever engine is behind it.

`sqlite3.Connection` and `pg.PgConnection` both satisfy `Connection`; repositories are typed
against it so the same code runs on either. `DatabaseError` catches a failure of either engine
(a busy SQLite file, a PostgreSQL that restarted): callers that must answer something (a
webhook, a slash command) answer "try again" on it instead of claiming success.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any, Protocol

import psycopg


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Any, /) -> Cursor: ...

    def close(self) -> None: ...


DatabaseError: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)


def is_postgres(conn: Connection) -> bool:
    """Is this connection a PostgreSQL session (several replicas may share its database)?"""
    return getattr(conn, "dialect", "sqlite") == "postgresql"
