"""`Digests`: what a digest channel collected per day, and the one claim that posts each day.

A day's row is created 'open' with its first event. When it falls due, exactly one process
claims it: `claim` is a conditional update (`state = 'open'` → `'queued'`) whose row count says
who won, run in the same transaction as the outbox row that posts the digest and the deletion
of its items. An event that arrives for a day already claimed goes to the next day, so nothing
collected is ever left behind a claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oec_chatops.digest_time import DigestDay, following
from oec_chatops.store.dbapi import is_postgres
from oec_chatops.store.repository import Repository, dumps, loads

_MAX_DAYS_AHEAD = 3  # a day claimed, then the next: more would mean a clock gone mad


@dataclass(frozen=True, slots=True)
class DigestRow:
    channel_id: str
    day: str
    tz: str
    window_start: float
    due_at: float


class Digests(Repository):
    def collect(
        self,
        *,
        channel_id: str,
        item_key: str,
        day: DigestDay,
        at: str,
        tz: str,
        when: float,
        body: dict[str, Any],
    ) -> str:
        """Keep one event for the channel's digest of `day` (or the next open day); return the
        day it went to. The same `item_key` twice in a channel is kept once.

        This runs in group-committed batches, which on PostgreSQL take no database-wide lock:
        the day's row is locked (`FOR UPDATE`) when its state is read, so another replica's
        `claim` of that day waits for this item to commit and then finds it, instead of
        queueing the digest without it and leaving it behind a claimed day. SQLite's single
        writer serializes the two anyway."""
        lock = " FOR UPDATE" if is_postgres(self.conn) else ""
        for _ in range(_MAX_DAYS_AHEAD):
            self.conn.execute(
                "INSERT INTO digests (channel_id, day, tz, window_start, due_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel_id, day) DO NOTHING",
                (channel_id, day.day, tz, day.window_start, day.due_at),
            )
            (state,) = self.conn.execute(
                f"SELECT state FROM digests WHERE channel_id = ? AND day = ?{lock}",  # noqa: S608 - a constant
                (channel_id, day.day),
            ).fetchone()
            if state == "open":
                break
            day = following(day, at, tz)
        self.conn.execute(
            "INSERT INTO digest_items (channel_id, item_key, day, at, body) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel_id, item_key) DO NOTHING",
            (channel_id, item_key, day.day, when, dumps(body)),
        )
        return day.day

    def due(self, now: float) -> list[DigestRow]:
        """Open days whose time has come (or passed while the bot was down), oldest first."""
        rows = self.conn.execute(
            "SELECT channel_id, day, tz, window_start, due_at FROM digests "
            "WHERE state = 'open' AND due_at <= ? ORDER BY due_at, channel_id",
            (now,),
        ).fetchall()
        return [DigestRow(*tuple(r)) for r in rows]

    def next_due_at(self) -> float | None:
        (at,) = self.conn.execute("SELECT min(due_at) FROM digests WHERE state = 'open'").fetchone()
        return float(at) if at is not None else None

    def claim(self, row: DigestRow, now: float) -> bool:
        """True for the one caller that moves the day from open to queued."""
        cur = self.conn.execute(
            "UPDATE digests SET state = 'queued', queued_at = ? "
            "WHERE channel_id = ? AND day = ? AND state = 'open'",
            (now, row.channel_id, row.day),
        )
        return cur.rowcount == 1

    def items(self, channel_id: str, day: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT body FROM digest_items WHERE channel_id = ? AND day = ? ORDER BY at, item_key",
            (channel_id, day),
        ).fetchall()
        return [loads(r["body"]) for r in rows]

    def drop_items(self, channel_id: str, day: str) -> None:
        self.conn.execute(
            "DELETE FROM digest_items WHERE channel_id = ? AND day = ?", (channel_id, day)
        )

    def waiting(self, channel_id: str) -> list[tuple[str, float, int]]:
        """The channel's open days: (day, due_at, events collected so far)."""
        rows = self.conn.execute(
            "SELECT d.day, d.due_at, (SELECT count(*) FROM digest_items i "
            "WHERE i.channel_id = d.channel_id AND i.day = d.day) FROM digests d "
            "WHERE d.channel_id = ? AND d.state = 'open' ORDER BY d.due_at",
            (channel_id,),
        ).fetchall()
        return [(str(r[0]), float(r[1]), int(r[2])) for r in rows]
