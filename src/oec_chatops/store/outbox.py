"""`Outbox`: durable Slack work, read the way the outbox worker schedules it.

Rows fall in two classes, decided by the `messages` table at the moment they are read:

- a *post* (an event, a thread reply, an ephemeral, or the first message of a deployment or an
  approval card) goes out in its channel's order: `heads()` gives the oldest pending post of
  each channel, and a channel's later posts wait behind it;
- an *update* (a deployment or approval whose message exists) is a `chat.update` of that
  message, free of the channel's order, chosen by `updates_due()` final states first.

A row is an update only once its message is recorded, so an update never overtakes the post of
its own message.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from oec_chatops.context import request_id_var
from oec_chatops.store.dbapi import is_postgres
from oec_chatops.store.repository import Repository, dumps, from_row, loads
from oec_chatops.store.rows import OutboxRow

# Kinds that live as one message, updated in place, and the prefix of that message's key.
LIVING_KINDS = {"deployment": "dep:", "approval": "apr:"}

_IS_UPDATE = (
    "(o.kind IN ('deployment', 'approval') AND EXISTS (SELECT 1 FROM messages m "
    "WHERE m.channel_id = o.channel_id AND m.key = "
    "(CASE o.kind WHEN 'deployment' THEN 'dep:' ELSE 'apr:' END) || o.key))"
)
# Not claimed by another replica, or its claim lapsed (binds: owner, now).
_FREE = "(o.claimed_by IS NULL OR o.claimed_by = ? OR o.claim_until < ?)"
_RELEASE = "claimed_by = NULL, claim_until = NULL"


def _not_in(skip: tuple[int, ...]) -> str:
    """`AND o.id NOT IN (...)`, or nothing for an empty tuple (PostgreSQL rejects `IN ()`)."""
    return f"AND o.id NOT IN ({','.join('?' * len(skip))}) " if skip else ""


class Outbox(Repository):
    """Durable Slack work. A pending row is refreshed, not duplicated, by later events."""

    def enqueue(
        self, *, kind: str, key: str, channel_id: str, body: dict[str, Any], now: float
    ) -> None:
        # A refresh while a send is in flight bumps `version`, and `mark_sent` then leaves the
        # row pending so the newer state goes out. A refresh never cuts a backoff or a
        # Retry-After short (a row with `last_error` keeps its time): a stream of events for a
        # deployment must not turn into a stream of retries against a Slack that said wait.
        self.conn.execute(
            "INSERT INTO outbox (kind, key, channel_id, body, created_at, next_attempt_at, "
            "request_id) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, key, channel_id) WHERE state = 'pending' DO UPDATE SET "
            "body = excluded.body, version = outbox.version + 1, "
            "request_id = coalesce(outbox.request_id, excluded.request_id), "
            "next_attempt_at = CASE WHEN outbox.last_error IS NULL "
            "AND excluded.next_attempt_at < outbox.next_attempt_at "
            "THEN excluded.next_attempt_at "
            "ELSE outbox.next_attempt_at END",
            (kind, key, channel_id, dumps(body), now, now, request_id_var.get() or None),
        )

    def _row(self, r: sqlite3.Row) -> OutboxRow:
        return from_row(OutboxRow, r, body=loads(r["body"]))

    def pending(self, *, limit: int = 200) -> list[OutboxRow]:
        """Every row still waiting for Slack, oldest first (posts and updates alike)."""
        rows = self.conn.execute(
            "SELECT * FROM outbox WHERE state = 'pending' ORDER BY id LIMIT ?", (limit,)
        ).fetchall()
        return [self._row(r) for r in rows]

    def heads(self, channel_id: str | None = None) -> list[OutboxRow]:
        """The oldest pending post of each channel (or of `channel_id`), due or not."""
        where = "AND o.channel_id = ?" if channel_id is not None else ""
        rows = self.conn.execute(
            "SELECT * FROM outbox WHERE id IN (SELECT min(o.id) FROM outbox o "  # noqa: S608
            f"WHERE o.state = 'pending' AND NOT {_IS_UPDATE} {where} GROUP BY o.channel_id) "
            "ORDER BY id",
            (channel_id,) if channel_id is not None else (),
        ).fetchall()
        return [self._row(r) for r in rows]

    def updates_due(
        self,
        now: float,
        *,
        final_rank: int,
        skip: tuple[int, ...] = (),
        limit: int = 1,
        owner: str = "",
    ) -> list[OutboxRow]:
        """Pending updates due now: approval cards and deployments in a final state (rank
        `final_rank`) first, then progress, oldest first within each; rows in `skip` and rows
        another replica has claimed left out."""
        rows = self.conn.execute(
            "SELECT o.* FROM outbox o LEFT JOIN deployments d "  # noqa: S608
            "ON o.kind = 'deployment' AND d.task_id = o.key "
            f"WHERE o.state = 'pending' AND o.next_attempt_at <= ? AND {_IS_UPDATE} "
            f"AND {_FREE} {_not_in(skip)}"
            "ORDER BY (o.kind = 'deployment' AND coalesce(d.rank, 0) < ?), o.id LIMIT ?",
            (now, owner, now, *skip, final_rank, limit),
        ).fetchall()
        return [self._row(r) for r in rows]

    def next_update_at(
        self, *, skip: tuple[int, ...] = (), owner: str = "", now: float = 0.0
    ) -> float | None:
        """When the next pending update (not in `skip`, not claimed by another replica at
        `now`) falls due, for the worker's sleep."""
        (at,) = self.conn.execute(
            "SELECT min(o.next_attempt_at) FROM outbox o WHERE o.state = 'pending' "  # noqa: S608
            f"AND {_IS_UPDATE} AND {_FREE} {_not_in(skip)}",
            (owner, now, *skip),
        ).fetchone()
        return float(at) if at is not None else None

    def claim(self, row_id: int, *, owner: str, now: float, until: float) -> bool:
        """Take the row for `owner` until `until`; False when another replica holds it (or is
        taking it this instant: SKIP LOCKED never waits for it) or it is no longer pending.

        Only on PostgreSQL, where several replicas share the outbox; on SQLite one process owns
        the database and its worker sends each row from one task, so every claim succeeds."""
        if not is_postgres(self.conn):
            return True
        cur = self.conn.execute(
            "UPDATE outbox SET claimed_by = ?, claim_until = ? WHERE id = ("  # noqa: S608
            "SELECT o.id FROM outbox o WHERE o.id = ? AND o.state = 'pending' "
            f"AND {_FREE} FOR UPDATE SKIP LOCKED)",
            (owner, until, row_id, owner, now),
        )
        return cur.rowcount == 1

    def renew_claims(self, *, owner: str, until: float) -> int:
        """Extend every claim `owner` holds (its worker is alive and still sending)."""
        cur = self.conn.execute(
            "UPDATE outbox SET claim_until = ? WHERE claimed_by = ? AND state = 'pending'",
            (until, owner),
        )
        return cur.rowcount

    def release_claims(self, *, owner: str) -> None:
        """Give back what `owner` still holds (a graceful stop), so others need not wait."""
        self.conn.execute(f"UPDATE outbox SET {_RELEASE} WHERE claimed_by = ?", (owner,))  # noqa: S608

    def pending_for(self, *, kind: str, key: str, channel_id: str) -> bool:
        """Is a row of this kind and key waiting for this channel? (Sent ones left a message.)"""
        r = self.conn.execute(
            "SELECT 1 FROM outbox WHERE kind = ? AND key = ? AND channel_id = ? "
            "AND state = 'pending' LIMIT 1",
            (kind, key, channel_id),
        ).fetchone()
        return r is not None

    def get(self, row_id: int) -> OutboxRow | None:
        r = self.conn.execute("SELECT * FROM outbox WHERE id = ?", (row_id,)).fetchone()
        return self._row(r) if r else None

    def mark_inflight(self, row_id: int, now: float) -> None:
        """Committed before a post: from here until Slack's answer, the post may exist."""
        self.conn.execute("UPDATE outbox SET inflight_at = ? WHERE id = ?", (now, row_id))

    def mark_sent(self, row: OutboxRow, now: float) -> bool:
        """Mark sent unless the row was refreshed meanwhile; True when it is done."""
        cur = self.conn.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, inflight_at = NULL, "  # noqa: S608
            f"attempts = attempts + 1, {_RELEASE} WHERE id = ? AND version = ?",
            (now, row.id, row.version),
        )
        if cur.rowcount == 0:
            self.conn.execute(
                f"UPDATE outbox SET inflight_at = NULL, last_error = NULL, {_RELEASE} "  # noqa: S608
                "WHERE id = ?",
                (row.id,),
            )
        return cur.rowcount == 1

    def retry_later(
        self,
        row_id: int,
        *,
        at: float,
        error: str,
        count_attempt: bool = True,
        clear_inflight: bool = False,
    ) -> None:
        """Try again at `at`. The in-flight mark stays unless the caller knows nothing was
        posted: a post of unknown outcome is looked up before it is ever posted again."""
        self.conn.execute(
            "UPDATE outbox SET next_attempt_at = ?, last_error = ?, attempts = attempts + ?, "  # noqa: S608
            f"inflight_at = CASE WHEN ? = 1 THEN NULL ELSE inflight_at END, {_RELEASE} "
            "WHERE id = ?",
            (at, error, 1 if count_attempt else 0, clear_inflight, row_id),
        )

    def mark_dead(self, row_id: int, *, reason: str, now: float) -> None:
        self.conn.execute(
            "UPDATE outbox SET state = 'dead', last_error = ?, sent_at = ?, "  # noqa: S608
            f"inflight_at = NULL, {_RELEASE} WHERE id = ?",
            (reason, now, row_id),
        )

    def depth(self) -> tuple[int, float | None]:
        """How many rows wait, and when the oldest was created."""
        count, oldest = self.conn.execute(
            "SELECT count(*), min(created_at) FROM outbox WHERE state = 'pending'"
        ).fetchone()
        return int(count), (float(oldest) if oldest is not None else None)

    def states(self) -> dict[str, int]:
        return {
            r[0]: int(r[1])
            for r in self.conn.execute("SELECT state, count(*) FROM outbox GROUP BY state")
        }
