"""`Messages`: the Slack messages the bot owns, by what they are about (one per key and channel),
so a later state of the same deployment or approval edits its message instead of posting again."""

from __future__ import annotations

from oec_chatops.store.repository import Repository, from_row
from oec_chatops.store.rows import MessageRef


class Messages(Repository):
    def get(self, key: str, channel_id: str) -> MessageRef | None:
        r = self.conn.execute(
            "SELECT * FROM messages WHERE key = ? AND channel_id = ?", (key, channel_id)
        ).fetchone()
        return from_row(MessageRef, r) if r else None

    def put(
        self, *, key: str, channel_id: str, ts: str, now: float, thread_ts: str | None = None
    ) -> None:
        self.conn.execute(
            "INSERT INTO messages (key, channel_id, ts, thread_ts, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key, channel_id) DO UPDATE SET "
            "ts = excluded.ts, thread_ts = excluded.thread_ts, updated_at = excluded.updated_at",
            (key, channel_id, ts, thread_ts, now),
        )
