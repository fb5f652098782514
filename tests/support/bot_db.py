"""The bot's database seen from outside the bot: written as an operator's earlier command
would have left it (for the tests that start the bot as a child process and kill it), and read
on a connection of the test's own, on whichever engine the stack runs (`own_connection`)."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from oec_chatops.store import Store
from oec_chatops.store.dbapi import Connection
from oec_chatops.store.dialect import is_postgres_url
from oec_chatops.store.pg import PgConnection
from tests.support.stack import ADMIN, CHANNEL


def subscribe_in_db(db: Path | str, *, project_id: str, project_label: str, events: str) -> None:
    """The deploy channel subscribed to every environment of the project, for `events`."""
    store = Store(db)
    try:
        store.subscriptions.add(
            channel_id=CHANNEL,
            project_id=project_id,
            project_label=project_label,
            env_glob="*",
            events=(events,),
            created_by=ADMIN,
            now=time.time(),
        )
    finally:
        store.close()


@contextlib.contextmanager
def own_connection(db: Path | str) -> Iterator[Connection]:
    """A connection of the test's own to the bot's database (an SQLite file or a PostgreSQL
    URL): it sees only what the bot committed, as another process would. Rows read by name."""
    conn: Connection
    if is_postgres_url(str(db)):
        conn = PgConnection(str(db), name="oec-test-reader")
    else:
        conn = sqlite3.connect(str(db))
        conn.row_factory = sqlite3.Row
    try:
        yield conn
    finally:
        conn.close()
