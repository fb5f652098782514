"""`Store`: the database and its repositories, so call sites read like the domain.

    store.deliveries.insert(...)      store.outbox.heads()        store.audit.record(...)

Repositories take the connection they work on, so the same code runs inside a group-committed
batch (`await store.write(fn)`, where `fn` gets a `Repos` over the batch's transaction) and on
its own (`store.outbox.mark_sent(...)`, one short autocommit statement or `with store.tx():`).

Each repository lives in the module of its aggregate (`store.approvals`, `store.deployments`,
...); this module only gathers them. The repository classes are re-exported here for one
release so `from oec_chatops.store.store import Deployments` keeps working; new code imports
them from their own modules.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from oec_chatops.store.approvals import Approvals
from oec_chatops.store.audit import Audit
from oec_chatops.store.change_control import Freezes, Locks
from oec_chatops.store.commands import Commands
from oec_chatops.store.db import Checkpointer, GroupCommitter, connect, transaction
from oec_chatops.store.dbapi import Connection, DatabaseError, is_postgres
from oec_chatops.store.deliveries import Deliveries
from oec_chatops.store.deployments import Deployments
from oec_chatops.store.dialect import is_postgres_url
from oec_chatops.store.digests import Digests
from oec_chatops.store.environments import Environments
from oec_chatops.store.messages import Messages
from oec_chatops.store.outbox import Outbox
from oec_chatops.store.pg import PgConnection, migrate_postgres
from oec_chatops.store.schema import MIGRATIONS
from oec_chatops.store.subscriptions import Subscriptions
from oec_chatops.store.team_home import TeamHomes
from oec_chatops.store.workspaces import (
    ChannelTeams,
    Installations,
    OAuthStates,
    WorkspaceSettings,
    WorkspaceWebhooks,
)

__all__ = [
    "Approvals",
    "Audit",
    "Commands",
    "Deliveries",
    "Deployments",
    "Environments",
    "Messages",
    "Outbox",
    "Repos",
    "Store",
    "Subscriptions",
]

T = TypeVar("T")


class Repos:
    """Every repository over one connection (one transaction when used inside `write`).

    The attribute names are the API the services use (`store.approvals`, `store.outbox`, ...).
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.deliveries = Deliveries(conn)
        self.outbox = Outbox(conn)
        self.messages = Messages(conn)
        self.deployments = Deployments(conn)
        self.subscriptions = Subscriptions(conn)
        self.approvals = Approvals(conn)
        self.environments = Environments(conn)
        self.audit = Audit(conn)
        self.commands = Commands(conn)
        self.freezes = Freezes(conn)
        self.locks = Locks(conn)
        self.digests = Digests(conn)
        # Multi-workspace installs (store.workspaces).
        self.installations = Installations(conn)
        self.oauth_states = OAuthStates(conn)
        self.workspace_settings = WorkspaceSettings(conn)
        self.channel_teams = ChannelTeams(conn)
        self.workspace_webhooks = WorkspaceWebhooks(conn)
        self.team_homes = TeamHomes(conn)  # one workspace's App Home (store.team_home)


class Store(Repos):
    """The database. Use the repositories directly for single statements, `tx()` for a few
    statements that belong together, and `await write(fn)` on hot paths (group commit).

    `path` is an SQLite file (or ':memory:'), or a `postgresql://` URL (dialect.py, pg.py)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if is_postgres_url(self.path):
            pg = PgConnection(self.path)
            migrate_postgres(pg, MIGRATIONS)
            conn: Connection = pg
        else:
            conn = connect(path)
        super().__init__(conn)
        self._committer = GroupCommitter(self.conn)
        self._checkpointer = Checkpointer(self.path if not self.postgres else ":memory:")

    @property
    def postgres(self) -> bool:
        """Several replicas may share this database (claims and leadership matter)."""
        return is_postgres(self.conn)

    def tx(self) -> transaction:
        return transaction(self.conn)

    def atomic(self) -> transaction:
        """A transaction for writes that only need to commit together, none decided by a read
        in it: on PostgreSQL it skips the database-wide write lock `tx()` takes (SQLite has
        one writer anyway), so replicas do not queue for it on every sent message."""
        return transaction(self.conn, "BEGIN" if self.postgres else "BEGIN IMMEDIATE")

    async def write(self, fn: Callable[[Repos], T]) -> T:
        """Run `fn` inside a group-committed transaction; return once it is durable."""
        self._checkpointer.start()
        return await self._committer.run(lambda conn: fn(self))

    @property
    def checkpoints(self) -> int:
        """How many checkpoints the background thread has run (for tests and benchmarks)."""
        return self._checkpointer.checkpoints

    @property
    def commit_stats(self) -> tuple[int, int]:
        return self._committer.commits, self._committer.writes

    def writable(self) -> bool:
        """True when a write can be committed now (for /readyz)."""
        try:
            with self.tx() as conn:
                conn.execute(
                    "INSERT INTO probe (id, at) VALUES (1, ?) "
                    "ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                    (time.time(),),
                )
            return True
        except DatabaseError:
            return False

    def close(self) -> None:
        self._checkpointer.stop()
        try:
            if not self.postgres:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self.conn.close()
