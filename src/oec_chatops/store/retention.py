"""Pruning, one small bounded batch per call, so a large backlog never holds the database long.

Each method handles at most `limit` rows, picked oldest first through an index, and returns how
many it removed (and, for deliveries, where the next batch starts). The caller (the pruner)
loops and yields to the event loop between batches. The guards live in the SQL itself, so no
batch can remove a pending or in-flight outbox row, nor what an unfinished deployment or an
undecided approval still needs, whatever the cut-off.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from oec_chatops.domain import ApprovalState
from oec_chatops.store.dbapi import Connection

# Approvals not yet decided or still running their action keep their card's outbox rows.
_OPEN_APPROVALS = ", ".join(f"'{s.value}'" for s in ApprovalState if not s.ended)

# The selects that pick each batch. Each walks an index from its oldest entry, so a batch reads
# about `limit` entries however large the table (tests/integration/test_retention_guards.py
# checks the plans).
NEXT_DELIVERIES = (
    # Keyset pagination over deliveries_received: rows already handled are not read again.
    "SELECT rowid, received_at FROM deliveries "
    "WHERE received_at < :before AND (received_at, rowid) > (:at, :rowid) "
    "ORDER BY received_at, rowid LIMIT :limit"
)
FINISHED_OUTBOX = (
    "SELECT o.id, o.kind FROM outbox AS o "  # noqa: S608 - a constant, built once
    # `+o.state`: filter on the state, but walk the outbox_finished index, not the state one.
    "WHERE o.sent_at < :before AND +o.state IN ('sent', 'dead') AND o.inflight_at IS NULL "
    "AND NOT (o.kind IN ('deployment', 'failure_thread') AND EXISTS ("
    "  SELECT 1 FROM deployments AS d WHERE d.task_id = o.key AND d.rank < 2)) "
    "AND NOT (o.kind = 'approval' AND EXISTS ("
    "  SELECT 1 FROM approvals AS a WHERE a.approval_id = o.key "
    f"  AND a.state IN ({_OPEN_APPROVALS}))) "
    "ORDER BY o.sent_at LIMIT :limit"
)
OLD_AUDIT = "SELECT id FROM audit WHERE at < :before ORDER BY at LIMIT :limit"
# Only answered commands: one still queued, running or answering is what a restart resumes.
ANSWERED_COMMANDS = (
    "SELECT request_id FROM commands WHERE state = 'done' AND updated_at < :before "
    "ORDER BY updated_at LIMIT :limit"
)
BATCH_SELECTS = {
    "deliveries": NEXT_DELIVERIES,
    "outbox": FINISHED_OUTBOX,
    "audit": OLD_AUDIT,
    "commands": ANSWERED_COMMANDS,
}


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a pass over the deliveries left off: (received_at, rowid) of the last row seen."""

    received_at: float = float("-inf")
    rowid: int = -1


START = Cursor()


@dataclass(frozen=True, slots=True)
class Batch:
    """What one batch over the deliveries did, where the next starts, and whether it reached
    the cut-off (the next round then starts from `after`, not from the oldest row again)."""

    count: int
    after: Cursor
    done: bool


class Retention:
    """The pruning statements, over one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _next_deliveries(self, before: float, after: Cursor, limit: int) -> list[sqlite3.Row]:
        params = {"before": before, "at": after.received_at, "rowid": after.rowid, "limit": limit}
        return self.conn.execute(NEXT_DELIVERIES, params).fetchall()

    def _over_deliveries(
        self, before: float, after: Cursor, limit: int, change: str, *params: object
    ) -> Batch:
        """Run `change` over the next batch of deliveries received before `before`: its
        `rowid IN (?*)` becomes the batch's rowids, and `params` bind its own conditions."""
        rows = self._next_deliveries(before, after, limit)
        if not rows:
            return Batch(0, after, done=True)
        ids = [int(r["rowid"]) for r in rows]
        marks = ", ".join("?" for _ in ids)
        cur = self.conn.execute(change.replace("(?*)", f"({marks})"), (*ids, *params))
        last = Cursor(float(rows[-1]["received_at"]), int(rows[-1]["rowid"]))
        return Batch(cur.rowcount, last, done=len(rows) < limit)

    def drop_payloads(self, before: float, *, after: Cursor = START, limit: int = 500) -> Batch:
        """Empty the payloads of deliveries received before `before`; keep their dedupe keys."""
        return self._over_deliveries(
            before,
            after,
            limit,
            "UPDATE deliveries SET payload = '' WHERE rowid IN (?*) AND payload <> ''",
        )

    def drop_keys(
        self,
        before: float,
        *,
        signed_before: float,
        keep_unsigned: bool,
        after: Cursor = START,
        limit: int = 500,
    ) -> Batch:
        """Delete delivery rows received before `before` whose payload is already gone and whose
        signature could no longer be replayed (signed before `signed_before`). A delivery signed
        without a timestamp can be replayed at any time: with `keep_unsigned` its key stays."""
        return self._over_deliveries(
            before,
            after,
            limit,
            "DELETE FROM deliveries WHERE rowid IN (?*) AND payload = '' "
            "AND (signed_at < ? OR (signed_at IS NULL AND ? = 0))",
            signed_before,
            keep_unsigned,
        )

    def drop_outbox(self, before: float, *, limit: int = 500) -> int:
        """Delete sent and dead outbox rows finished before `before`, with the post-once marks
        of sent events; never a pending or in-flight row, nor one an unfinished deployment or
        an open approval may still update."""
        rows = self.conn.execute(FINISHED_OUTBOX, {"before": before, "limit": limit}).fetchall()
        if not rows:
            return 0
        ids = [int(r["id"]) for r in rows]
        marks = ", ".join("?" for _ in ids)
        cur = self.conn.execute(f"DELETE FROM outbox WHERE id IN ({marks})", ids)  # noqa: S608 - placeholders only
        # An event row's message mapping (`evt:<row id>`) only stops that row posting twice.
        events = [f"evt:{r['id']}" for r in rows if r["kind"] == "event"]
        if events:
            self.conn.execute(
                f"DELETE FROM messages WHERE key IN ({', '.join('?' for _ in events)})",  # noqa: S608 - placeholders only
                events,
            )
        return cur.rowcount

    def drop_audit(self, before: float, *, limit: int = 500) -> int:
        """Delete audit rows older than `before`, oldest first."""
        cur = self.conn.execute(
            f"DELETE FROM audit WHERE id IN ({OLD_AUDIT})",  # noqa: S608 - a constant
            {"before": before, "limit": limit},
        )
        return cur.rowcount

    def drop_commands(self, before: float, *, limit: int = 500) -> int:
        """Delete answered commands last touched before `before`, oldest first; never one a
        restart would still resume. (Their `response_url` stops being a replay guard once it
        is older than Slack's 5-minute signature window, long before any retention.)"""
        cur = self.conn.execute(
            f"DELETE FROM commands WHERE request_id IN ({ANSWERED_COMMANDS})",  # noqa: S608 - a constant
            {"before": before, "limit": limit},
        )
        return cur.rowcount
