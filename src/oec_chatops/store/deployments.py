"""`Deployments`: one row per task (deployment, restart, ...), merged from the bot's own tracking
and from webhooks; `rank` only grows, so a late 'running' never overwrites 'completed'."""

from __future__ import annotations

import sqlite3
from typing import Any

from oec_chatops.store.dbapi import is_postgres
from oec_chatops.store.repository import Repository, dumps, from_row, loads
from oec_chatops.store.rows import DeploymentRow


class Deployments(Repository):
    def _row(self, r: sqlite3.Row) -> DeploymentRow:
        return from_row(DeploymentRow, r, state=loads(r["state"]))

    def get(self, task_id: str) -> DeploymentRow | None:
        r = self.conn.execute("SELECT * FROM deployments WHERE task_id = ?", (task_id,)).fetchone()
        return self._row(r) if r else None

    def lock(self, task_id: str) -> None:
        """Hold this task's merge lock until the transaction ends, before reading the row to
        merge into it: two replicas may merge updates of one task at once (a webhook on one,
        the tracker on the other). SQLite needs none (its one writer serializes them)."""
        if is_postgres(self.conn):
            self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (task_id,))

    def save(
        self,
        *,
        task_id: str,
        env_id: str | None,
        env_label: str | None,
        project_id: str | None,
        verb: str,
        status: str,
        rank: int,
        origin_channel_id: str | None,
        requested_by: str | None,
        approval_id: str | None,
        state: dict[str, Any],
        now: float,
        next_poll_at: float | None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO deployments (task_id, env_id, env_label, project_id, verb, status, "
            "rank, origin_channel_id, requested_by, approval_id, state, created_at, updated_at, "
            "next_poll_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (task_id) DO UPDATE SET env_id = excluded.env_id, "
            "env_label = excluded.env_label, project_id = excluded.project_id, "
            "verb = excluded.verb, status = excluded.status, rank = excluded.rank, "
            "origin_channel_id = excluded.origin_channel_id, "
            "requested_by = excluded.requested_by, approval_id = excluded.approval_id, "
            "state = excluded.state, updated_at = excluded.updated_at, "
            "next_poll_at = excluded.next_poll_at",
            (
                task_id,
                env_id,
                env_label,
                project_id,
                verb,
                status,
                rank,
                origin_channel_id,
                requested_by,
                approval_id,
                dumps(state),
                now,
                now,
                next_poll_at,
            ),
        )

    def active(self, *, limit: int = 200) -> list[DeploymentRow]:
        """Deployments not yet in a terminal state, the ones due for a poll first."""
        rows = self.conn.execute(
            "SELECT * FROM deployments WHERE rank < 2 ORDER BY coalesce(next_poll_at, 0) LIMIT ?",
            (limit,),
        ).fetchall()
        return [self._row(r) for r in rows]

    def touched_env_since(self, env_id: str, since: float) -> list[str]:
        """The tasks of this environment that changed since `since`, newest first."""
        rows = self.conn.execute(
            "SELECT task_id FROM deployments WHERE env_id = ? AND updated_at >= ? "
            "ORDER BY updated_at DESC LIMIT 20",
            (env_id, since),
        ).fetchall()
        return [str(r[0]) for r in rows]

    def set_next_poll(self, task_id: str, at: float | None) -> None:
        self.conn.execute(
            "UPDATE deployments SET next_poll_at = ? WHERE task_id = ?", (at, task_id)
        )
