"""`Subscriptions`: which channel hears about which project's environments (a glob), and
which of them were flagged (the bot left the channel) so routing skips them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from oec_chatops.store.repository import Repository, dumps, from_row, loads
from oec_chatops.store.rows import Subscription


class Subscriptions(Repository):
    def _row(self, r: sqlite3.Row) -> Subscription:
        return from_row(
            Subscription,
            r,
            events=tuple(loads(r["events"]) or ()),
            only_failures=bool(r["only_failures"]),
            threads=bool(r["threads"]),
        )

    def add(
        self,
        *,
        channel_id: str,
        project_id: str,
        project_label: str,
        env_glob: str,
        events: Sequence[str],
        created_by: str,
        now: float,
        kind: str = "events",
        only_failures: bool = False,
        digest_at: str | None = None,
        digest_tz: str | None = None,
        threads: bool = False,
    ) -> Subscription:
        """Create the subscription, or replace every setting of the existing one (and clear
        its flag: subscribing again is how a paused subscription is turned back on)."""
        self.conn.execute(
            "INSERT INTO subscriptions (channel_id, project_id, project_label, env_glob, events, "
            "created_by, created_at, kind, only_failures, digest_at, digest_tz, threads) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (channel_id, project_id, env_glob) DO UPDATE SET "
            "events = excluded.events, project_label = excluded.project_label, "
            "created_by = excluded.created_by, flagged_reason = NULL, kind = excluded.kind, "
            "only_failures = excluded.only_failures, digest_at = excluded.digest_at, "
            "digest_tz = excluded.digest_tz, threads = excluded.threads",
            (
                channel_id,
                project_id,
                project_label,
                env_glob,
                dumps(list(events)),
                created_by,
                now,
                kind,
                int(only_failures),
                digest_at,
                digest_tz,
                int(threads),
            ),
        )
        r = self.conn.execute(
            "SELECT * FROM subscriptions WHERE channel_id = ? AND project_id = ? AND env_glob = ?",
            (channel_id, project_id, env_glob),
        ).fetchone()
        return self._row(r)

    def remove(self, *, channel_id: str, project_id: str, env_glob: str | None) -> int:
        if env_glob is None:
            cur = self.conn.execute(
                "DELETE FROM subscriptions WHERE channel_id = ? AND project_id = ?",
                (channel_id, project_id),
            )
        else:
            cur = self.conn.execute(
                "DELETE FROM subscriptions WHERE channel_id = ? AND project_id = ? AND env_glob = ?",
                (channel_id, project_id, env_glob),
            )
        return cur.rowcount

    def for_channel(self, channel_id: str) -> list[Subscription]:
        rows = self.conn.execute(
            "SELECT * FROM subscriptions WHERE channel_id = ? ORDER BY project_label, env_glob",
            (channel_id,),
        ).fetchall()
        return [self._row(r) for r in rows]

    def for_project(self, project_id: str | None) -> list[Subscription]:
        """Active subscriptions of a project (all projects' when the event names none)."""
        if project_id is None:
            rows = self.conn.execute(
                "SELECT * FROM subscriptions WHERE flagged_reason IS NULL ORDER BY id"
            ).fetchall()
        else:
            rows = self.conn.execute(
                "SELECT * FROM subscriptions WHERE project_id = ? AND flagged_reason IS NULL "
                "ORDER BY id",
                (project_id,),
            ).fetchall()
        return [self._row(r) for r in rows]

    def get(self, *, channel_id: str, project_id: str, env_glob: str) -> Subscription | None:
        r = self.conn.execute(
            "SELECT * FROM subscriptions WHERE channel_id = ? AND project_id = ? AND env_glob = ?",
            (channel_id, project_id, env_glob),
        ).fetchone()
        return self._row(r) if r else None

    def set_digest_schedule(self, channel_id: str, *, at: str, tz: str) -> int:
        """One digest per channel and day: every digest subscription of the channel posts at
        the same local time; returns how many subscriptions that moved."""
        cur = self.conn.execute(
            "UPDATE subscriptions SET digest_at = ?, digest_tz = ? WHERE channel_id = ? "
            "AND digest_at IS NOT NULL AND (digest_at <> ? OR digest_tz <> ?)",
            (at, tz, channel_id, at, tz),
        )
        return cur.rowcount

    def flag_channel(self, channel_id: str, reason: str) -> int:
        cur = self.conn.execute(
            "UPDATE subscriptions SET flagged_reason = ? WHERE channel_id = ?",
            (reason, channel_id),
        )
        return cur.rowcount
