"""Which replica sends an outbox row: claims on PostgreSQL, nothing to decide on SQLite.

Several replicas on one PostgreSQL database share one outbox. Before a row is sent its replica
claims it (`Outbox.claim`: a conditional UPDATE over `SELECT ... FOR UPDATE SKIP LOCKED`, so
two replicas racing for a row never wait on each other and exactly one wins) until a time it
keeps pushing back while it lives (`renew`). A channel whose head post another replica holds is
that replica's to send, so a channel's posts keep their order across replicas. A replica killed
mid-send stops renewing: its claims lapse after `seconds`, and the next sender finds the post's
in-flight mark and looks it up in Slack before posting anything again (sending.py). A replica
that stops gracefully gives its claims back at once (`release`).

On SQLite one process owns the database and its worker sends each row from one task, so every
claim succeeds without a statement.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field

from oec_chatops.clock import Clock
from oec_chatops.store.rows import OutboxRow
from oec_chatops.store.store import Store


def replica_id() -> str:
    """Who claims rows: this host and process, plus a nonce (a pid may be reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(kw_only=True)
class Claims:
    store: Store
    clock: Clock
    # How long a claim outlives a replica that stopped renewing it: well above a Slack call's
    # timeout, since a claim that lapses mid-call lets another replica look the post up.
    seconds: float = 30.0
    owner: str = field(default_factory=replica_id)
    # After losing a channel's head to another replica, leave the channel to it this long: its
    # lane goes on with the next post, and racing it for each one costs both of them queries.
    yield_seconds: float = 1.0
    _renewed_at: float = float("-inf")

    def renew(self) -> None:
        """Keep this replica's claims alive (a third of their life before they would lapse)."""
        mono = self.clock.monotonic()
        if self.store.postgres and mono - self._renewed_at >= self.seconds / 3:
            until = self.clock.time() + self.seconds
            self.store.outbox.renew_claims(owner=self.owner, until=until)
            self._renewed_at = mono

    def take(self, row: OutboxRow) -> OutboxRow | None:
        """The row, read again once this replica holds it; None when another replica does (or
        it is no longer pending)."""
        if not self.store.postgres:
            return row
        now = self.clock.time()
        if not self.store.outbox.claim(row.id, owner=self.owner, now=now, until=now + self.seconds):
            return None
        fresh = self.store.outbox.get(row.id)
        return fresh if fresh is not None and fresh.state == "pending" else None

    def held_elsewhere(self, row: OutboxRow, now: float) -> bool:
        return row.claimed_elsewhere(self.owner, now)

    def release(self) -> None:
        if self.store.postgres:
            self.store.outbox.release_claims(owner=self.owner)
