"""`Commands`: every acknowledged `/oec` command, from before its ack until its final answer.

A command's life is a few single-statement transitions, each a short indexed write:

    queued ──start──▶ running ──answering──▶ answering ──finish──▶ done
       └──────────────────┴──────────finish (expired, not answerable)──▶ done

- `queued`: stored before the ack; nothing of it has run yet.
- `running`: a worker started it; an action in this state may have reached oec.sh.
- `answering`: its final answer is decided and stored in `answer`; the POST to the
  `response_url` may or may not have arrived.
- `done`: the final answer was sent (or could not be, and that was logged): `outcome` says which.

`uses` counts the POSTs made to the command's `response_url`, counted *before* each POST: Slack
takes at most 5, so the count is what decides whether a note still fits and whether a reply
must replace what an earlier POST may have shown. Rows left `done` are prunable by `updated_at`
(indexed with `state`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from oec_chatops.store.repository import Repository, dumps, from_row, loads

QUEUED = "queued"
RUNNING = "running"
ANSWERING = "answering"
DONE = "done"


@dataclass(frozen=True, slots=True)
class CommandRow:
    """One stored command. `response_url` is a capability: never log it."""

    request_id: str
    response_url: str
    user_id: str
    user_name: str
    channel_id: str
    text: str
    trigger_id: str
    state: str
    uses: int
    answer: dict[str, Any] | None
    outcome: str | None
    received_at: float
    updated_at: float


class Commands(Repository):
    def accept(
        self,
        *,
        request_id: str,
        response_url: str,
        user_id: str,
        user_name: str,
        channel_id: str,
        text: str,
        trigger_id: str,
        now: float,
    ) -> bool:
        """Store a new command; False when its `response_url` was stored before (a replay)."""
        cur = self.conn.execute(
            "INSERT INTO commands (request_id, response_url, user_id, user_name, "
            "channel_id, text, trigger_id, received_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (request_id, response_url, user_id, user_name, channel_id, text, trigger_id, now, now),
        )
        return cur.rowcount == 1

    def start(self, request_id: str, now: float) -> None:
        """A worker took it (again): from here on an action may reach oec.sh."""
        self.conn.execute(
            "UPDATE commands SET state = ?, updated_at = ? WHERE request_id = ? AND state = ?",
            (RUNNING, now, request_id, QUEUED),
        )

    def count_use(self, request_id: str, now: float) -> None:
        """One more POST to its response_url is about to leave (a note)."""
        self.conn.execute(
            "UPDATE commands SET uses = uses + 1, updated_at = ? WHERE request_id = ?",
            (now, request_id),
        )

    def answering(self, request_id: str, answer: dict[str, Any], now: float) -> None:
        """The final answer is decided: keep it, so a restart can send exactly this again."""
        self.conn.execute(
            "UPDATE commands SET state = ?, answer = ?, uses = uses + 1, updated_at = ? "
            "WHERE request_id = ? AND state != ?",
            (ANSWERING, dumps(answer), now, request_id, DONE),
        )

    def finish(self, request_id: str, outcome: str, now: float) -> None:
        self.conn.execute(
            "UPDATE commands SET state = ?, outcome = ?, updated_at = ? WHERE request_id = ?",
            (DONE, outcome, now, request_id),
        )

    def get(self, request_id: str) -> CommandRow | None:
        r = self.conn.execute(
            "SELECT * FROM commands WHERE request_id = ?", (request_id,)
        ).fetchone()
        return None if r is None else _row(r)

    def unfinished(self) -> list[CommandRow]:
        """Commands a previous life acknowledged and did not finish, oldest first."""
        rows = self.conn.execute(
            "SELECT * FROM commands WHERE state IN (?, ?, ?) ORDER BY received_at, rowid",
            (QUEUED, RUNNING, ANSWERING),
        ).fetchall()
        return [_row(r) for r in rows]

    def states(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT state, count(*) FROM commands GROUP BY state").fetchall()
        return {str(state): int(n) for state, n in rows}


def _row(r: sqlite3.Row) -> CommandRow:
    # `uses` is an INTEGER column and the times REAL ones: SQLite's affinity already gives them
    # their Python types, so only the JSON answer needs converting.
    return from_row(CommandRow, r, answer=loads(r["answer"], None))
