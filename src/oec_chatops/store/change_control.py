"""`Freezes` and `Locks`: the durable half of change control (ad hoc freezes from `/oec freeze`,
environment locks from `/oec lock`). Portable SQL: the same statements run on SQLite and
PostgreSQL. The scheduled freezes are not here: they are the policy file's.

Both belong to the workspace they were made in (`team_id`; '' in a one-workspace bot): a
multi-workspace install asks for one workspace's rows, so one workspace's freeze, unfreeze or
lock never reaches another's environments. `team=None` (the one-workspace bot) reads them all."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime

from oec_chatops.domain import ActiveFreeze, EnvLock
from oec_chatops.store.repository import Repository


class Freezes(Repository):
    """Ad hoc freezes: each row one glob frozen from `starts_at` until `ends_at` or lifted."""

    def add(
        self,
        *,
        env_glob: str,
        reason: str | None,
        created_by: str,
        now: float,
        ends_at: float,
        team_id: str = "",
    ) -> ActiveFreeze:
        freeze_id = str(uuid.uuid4())
        self.conn.execute(
            "INSERT INTO freezes "
            "(freeze_id, env_glob, reason, created_by, starts_at, ends_at, team_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (freeze_id, env_glob, reason, created_by, now, ends_at, team_id),
        )
        return ActiveFreeze(
            environments=(env_glob,),
            reason=reason or "",
            ends_at=datetime.fromtimestamp(ends_at, UTC),
            zone="UTC",
            scheduled=False,
            created_by=created_by,
            freeze_id=freeze_id,
        )

    def active(self, now: float, team: str | None = None) -> list[ActiveFreeze]:
        """Freezes in force at `now` made in workspace `team` (None: any): not ended, not
        lifted. Ended ones need no sweep.

        An ad hoc freeze starts when it is made, so `starts_at` is its record, not a condition:
        comparing it with a `now` that went through a datetime (microseconds) could otherwise
        find a freeze made this very instant not yet started."""
        sql = "SELECT * FROM freezes WHERE lifted_at IS NULL AND ends_at > ?"
        params: list[object] = [now]
        if team is not None:
            sql += " AND team_id = ?"
            params.append(team)
        rows = self.conn.execute(sql + " ORDER BY starts_at", params).fetchall()
        return [_freeze(r) for r in rows]

    def lift(
        self, *, env_glob: str, by: str, now: float, team: str | None = None
    ) -> list[ActiveFreeze]:
        """End now every freeze in force on exactly this glob made in workspace `team` (None:
        any); the ones lifted."""
        lifted = [f for f in self.active(now, team) if f.environments == (env_glob,)]
        for f in lifted:
            self.conn.execute(
                "UPDATE freezes SET lifted_at = ?, lifted_by = ? "
                "WHERE freeze_id = ? AND lifted_at IS NULL",
                (now, by, f.freeze_id),
            )
        return lifted


def _freeze(r: sqlite3.Row) -> ActiveFreeze:
    return ActiveFreeze(
        environments=(r["env_glob"],),
        reason=r["reason"] or "",
        ends_at=datetime.fromtimestamp(r["ends_at"], UTC),
        zone="UTC",
        scheduled=False,
        created_by=r["created_by"],
        freeze_id=r["freeze_id"],
    )


class Locks(Repository):
    """Environment locks: at most one row, one holder, per environment and workspace."""

    def take(
        self,
        *,
        env_id: str,
        env_label: str,
        holder: str,
        reason: str | None,
        now: float,
        team_id: str = "",
    ) -> EnvLock:
        """Take the lock unless someone holds it; the lock as it now stands (maybe theirs)."""
        self.conn.execute(
            "INSERT INTO locks (team_id, env_id, env_label, holder, reason, since) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (team_id, env_id) DO NOTHING",
            (team_id, env_id, env_label, holder, reason, now),
        )
        lock = self.get(env_id, team_id)
        assert lock is not None
        return lock

    def get(self, env_id: str, team_id: str = "") -> EnvLock | None:
        r = self.conn.execute(
            "SELECT * FROM locks WHERE team_id = ? AND env_id = ?", (team_id, env_id)
        ).fetchone()
        return _lock(r) if r else None

    def release(self, env_id: str, *, holder: str, team_id: str = "") -> bool:
        """Remove the lock if `holder` still holds it (not one taken again meanwhile)."""
        cur = self.conn.execute(
            "DELETE FROM locks WHERE team_id = ? AND env_id = ? AND holder = ?",
            (team_id, env_id, holder),
        )
        return cur.rowcount == 1

    def all(self, team: str | None = None) -> list[EnvLock]:
        """The locks taken in workspace `team` (None: every workspace's), oldest first."""
        sql, params = "SELECT * FROM locks", list[str]()
        if team is not None:
            sql += " WHERE team_id = ?"
            params.append(team)
        rows = self.conn.execute(sql + " ORDER BY since", params).fetchall()
        return [_lock(r) for r in rows]


def _lock(r: sqlite3.Row) -> EnvLock:
    return EnvLock(
        env_id=r["env_id"],
        env_label=r["env_label"],
        holder=r["holder"],
        since=datetime.fromtimestamp(r["since"], UTC),
        reason=r["reason"],
    )
