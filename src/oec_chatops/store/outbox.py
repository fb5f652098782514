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
from oec_chatops.store.repository import Repository, dumps, from_row, loads
from oec_chatops.store.rows import OutboxRow

# Kinds that live as one message, updated in place, and the prefix of that message's key.
LIVING_KINDS = {"deployment": "dep:", "approval": "apr:"}

_IS_UPDATE = (
    "(o.kind IN ('deployment', 'approval') AND EXISTS (SELECT 1 FROM messages m "
    "WHERE m.channel_id = o.channel_id AND m.key = "
    "(CASE o.kind WHEN 'deployment' THEN 'dep:' ELSE 'apr:' END) || o.key))"
)


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
            "body = excluded.body, version = version + 1, "
            "request_id = coalesce(outbox.request_id, excluded.request_id), "
            "next_attempt_at = CASE WHEN outbox.last_error IS NULL "
            "THEN min(outbox.next_attempt_at, excluded.next_attempt_at) "
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
        self, now: float, *, final_rank: int, skip: tuple[int, ...] = (), limit: int = 1
    ) -> list[OutboxRow]:
        """Pending updates due now: approval cards and deployments in a final state (rank
        `final_rank`) first, then progress, oldest first within each; rows in `skip` left out."""
        marks = ",".join("?" * len(skip))
        rows = self.conn.execute(
            "SELECT o.* FROM outbox o LEFT JOIN deployments d "  # noqa: S608
            "ON o.kind = 'deployment' AND d.task_id = o.key "
            f"WHERE o.state = 'pending' AND o.next_attempt_at <= ? AND {_IS_UPDATE} "
            f"AND o.id NOT IN ({marks}) "
            "ORDER BY (o.kind = 'deployment' AND coalesce(d.rank, 0) < ?), o.id LIMIT ?",
            (now, *skip, final_rank, limit),
        ).fetchall()
        return [self._row(r) for r in rows]

    def next_update_at(self, *, skip: tuple[int, ...] = ()) -> float | None:
        """When the next pending update (not in `skip`) falls due, for the worker's sleep."""
        marks = ",".join("?" * len(skip))
        (at,) = self.conn.execute(
            "SELECT min(o.next_attempt_at) FROM outbox o WHERE o.state = 'pending' "  # noqa: S608
            f"AND {_IS_UPDATE} AND o.id NOT IN ({marks})",
            skip,
        ).fetchone()
        return float(at) if at is not None else None

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
            "UPDATE outbox SET state = 'sent', sent_at = ?, inflight_at = NULL, "
            "attempts = attempts + 1 WHERE id = ? AND version = ?",
            (now, row.id, row.version),
        )
        if cur.rowcount == 0:
            self.conn.execute(
                "UPDATE outbox SET inflight_at = NULL, last_error = NULL WHERE id = ?", (row.id,)
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
            "UPDATE outbox SET next_attempt_at = ?, last_error = ?, attempts = attempts + ?, "
            "inflight_at = CASE WHEN ? THEN NULL ELSE inflight_at END WHERE id = ?",
            (at, error, 1 if count_attempt else 0, clear_inflight, row_id),
        )

    def mark_dead(self, row_id: int, *, reason: str, now: float) -> None:
        self.conn.execute(
            "UPDATE outbox SET state = 'dead', last_error = ?, sent_at = ?, inflight_at = NULL "
            "WHERE id = ?",
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
