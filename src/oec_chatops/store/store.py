"""`Store`: the database and its repositories, so call sites read like the domain.

    store.deliveries.insert(...)      store.outbox.heads()        store.audit.record(...)

Repositories take the connection they work on, so the same code runs inside a group-committed
batch (`await store.write(fn)`, where `fn` gets a `Repos` over the batch's transaction) and on
its own (`store.outbox.mark_sent(...)`, one short autocommit statement or `with store.tx():`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import orjson

from oec_chatops.domain import Approval, ApprovalState, EnvRef
from oec_chatops.store.commands import Commands
from oec_chatops.store.db import Checkpointer, GroupCommitter, connect, transaction
from oec_chatops.store.outbox import Outbox
from oec_chatops.store.rows import (
    AuditRow,
    DeploymentRow,
    MessageRef,
    Subscription,
)

T = TypeVar("T")


def _dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _loads(text: str | None) -> Any:
    return orjson.loads(text) if text else {}


class Deliveries:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def insert(
        self,
        *,
        delivery_id: str,
        event: str,
        received_at: float,
        signed_at: int | None,
        task_id: str | None,
        env_id: str | None,
        payload: bytes,
    ) -> bool:
        """Store a verified delivery; False when this id was stored before (a replay).

        `delivery_id` must be the signed dedupe key (see `receiver.dedupe_key`): it is also
        written as `dedupe_key`, whose unique index still holds after the payload is pruned.
        """
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO deliveries (delivery_id, dedupe_key, event, received_at, "
            "signed_at, task_id, env_id, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                delivery_id,
                delivery_id,
                event,
                received_at,
                signed_at,
                task_id,
                env_id,
                payload.decode(),
            ),
        )
        return cur.rowcount == 1

    def mark_routed(self, delivery_id: str, rows: int) -> None:
        self.conn.execute(
            "UPDATE deliveries SET routed = ? WHERE delivery_id = ?", (rows, delivery_id)
        )

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM deliveries").fetchone()[0])


class Messages:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get(self, key: str, channel_id: str) -> MessageRef | None:
        r = self.conn.execute(
            "SELECT * FROM messages WHERE key = ? AND channel_id = ?", (key, channel_id)
        ).fetchone()
        return MessageRef(r["key"], r["channel_id"], r["ts"], r["thread_ts"]) if r else None

    def put(
        self, *, key: str, channel_id: str, ts: str, now: float, thread_ts: str | None = None
    ) -> None:
        self.conn.execute(
            "INSERT INTO messages (key, channel_id, ts, thread_ts, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key, channel_id) DO UPDATE SET "
            "ts = excluded.ts, thread_ts = excluded.thread_ts, updated_at = excluded.updated_at",
            (key, channel_id, ts, thread_ts, now),
        )


class Deployments:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _row(self, r: sqlite3.Row) -> DeploymentRow:
        return DeploymentRow(
            task_id=r["task_id"],
            env_id=r["env_id"],
            env_label=r["env_label"],
            project_id=r["project_id"],
            verb=r["verb"],
            status=r["status"],
            rank=r["rank"],
            origin_channel_id=r["origin_channel_id"],
            requested_by=r["requested_by"],
            approval_id=r["approval_id"],
            state=_loads(r["state"]),
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            next_poll_at=r["next_poll_at"],
        )

    def get(self, task_id: str) -> DeploymentRow | None:
        r = self.conn.execute("SELECT * FROM deployments WHERE task_id = ?", (task_id,)).fetchone()
        return self._row(r) if r else None

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
                _dumps(state),
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


class Subscriptions:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _row(self, r: sqlite3.Row) -> Subscription:
        return Subscription(
            id=r["id"],
            channel_id=r["channel_id"],
            project_id=r["project_id"],
            project_label=r["project_label"],
            env_glob=r["env_glob"],
            events=tuple(_loads(r["events"]) or ()),
            created_by=r["created_by"],
            flagged_reason=r["flagged_reason"],
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
    ) -> Subscription:
        self.conn.execute(
            "INSERT INTO subscriptions (channel_id, project_id, project_label, env_glob, events, "
            "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (channel_id, project_id, env_glob) DO UPDATE SET "
            "events = excluded.events, project_label = excluded.project_label, "
            "created_by = excluded.created_by, flagged_reason = NULL",
            (
                channel_id,
                project_id,
                project_label,
                env_glob,
                _dumps(list(events)),
                created_by,
                now,
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

    def flag_channel(self, channel_id: str, reason: str) -> int:
        cur = self.conn.execute(
            "UPDATE subscriptions SET flagged_reason = ? WHERE channel_id = ?",
            (reason, channel_id),
        )
        return cur.rowcount


class Approvals:
    """Approval requests. Every state change is a conditional UPDATE: the row is the lock."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def create(self, a: Approval, *, self_approval: bool, now: float) -> None:
        self.conn.execute(
            "INSERT INTO approvals (approval_id, verb, env_id, env_label, requested_by, "
            "channel_id, reason, modules, state, required, self_approval, created_at, "
            "expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                a.approval_id,
                a.verb,
                a.env_id,
                a.env_label,
                a.requested_by,
                a.channel_id,
                a.reason,
                _dumps(list(a.modules)),
                a.state.value,
                a.required,
                int(self_approval),
                a.created_at.timestamp(),
                a.expires_at.timestamp(),
                now,
            ),
        )

    def _approval(self, r: sqlite3.Row) -> Approval:
        from datetime import UTC, datetime

        votes = [
            v[0]
            for v in self.conn.execute(
                "SELECT user_id FROM votes WHERE approval_id = ? ORDER BY at, rowid",
                (r["approval_id"],),
            )
        ]
        return Approval(
            approval_id=r["approval_id"],
            verb=r["verb"],
            env_label=r["env_label"],
            env_id=r["env_id"],
            requested_by=r["requested_by"],
            channel_id=r["channel_id"],
            state=ApprovalState(r["state"]),
            required=r["required"],
            created_at=datetime.fromtimestamp(r["created_at"], UTC),
            expires_at=datetime.fromtimestamp(r["expires_at"], UTC),
            reason=r["reason"],
            modules=tuple(_loads(r["modules"]) or ()),
            approvers=tuple(votes),
            decided_by=r["decided_by"],
            decision_note=r["decision_note"],
            task_id=r["task_id"],
            message_ts=r["message_ts"],
        )

    def get(self, approval_id: str) -> Approval | None:
        r = self.conn.execute(
            "SELECT * FROM approvals WHERE approval_id = ?", (approval_id,)
        ).fetchone()
        return self._approval(r) if r else None

    def self_approval_allowed(self, approval_id: str) -> bool:
        r = self.conn.execute(
            "SELECT self_approval FROM approvals WHERE approval_id = ?", (approval_id,)
        ).fetchone()
        return bool(r and r[0])

    def add_vote(self, approval_id: str, user_id: str, now: float) -> bool:
        """Record an Approve vote; False when this user had already voted."""
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO votes (approval_id, user_id, at) VALUES (?, ?, ?)",
            (approval_id, user_id, now),
        )
        return cur.rowcount == 1

    def vote_count(self, approval_id: str) -> int:
        return int(
            self.conn.execute(
                "SELECT count(*) FROM votes WHERE approval_id = ?", (approval_id,)
            ).fetchone()[0]
        )

    def transition(
        self,
        approval_id: str,
        *,
        from_states: Iterable[ApprovalState],
        to: ApprovalState,
        now: float,
        **fields: Any,
    ) -> bool:
        """Move the request to `to` only if it is in one of `from_states`; True if this call did."""
        allowed = {"decided_by", "decision_note", "task_id", "message_ts"}
        assert set(fields) <= allowed, set(fields) - allowed
        sets = "".join(f", {name} = ?" for name in fields)
        states = [s.value for s in from_states]
        marks = ", ".join("?" for _ in states)
        cur = self.conn.execute(
            f"UPDATE approvals SET state = ?, updated_at = ?{sets} "  # noqa: S608 - names are from `allowed`
            f"WHERE approval_id = ? AND state IN ({marks})",
            (to.value, now, *fields.values(), approval_id, *states),
        )
        return cur.rowcount == 1

    def state_since(self, approval_id: str) -> float | None:
        """When the request entered its current state (every transition sets `updated_at`;
        nothing else does): for an executing request, when its action was first sent."""
        r = self.conn.execute(
            "SELECT updated_at FROM approvals WHERE approval_id = ?", (approval_id,)
        ).fetchone()
        return float(r[0]) if r else None

    def set_message_ts(self, approval_id: str, ts: str) -> None:
        self.conn.execute(
            "UPDATE approvals SET message_ts = ? WHERE approval_id = ?", (ts, approval_id)
        )

    def in_states(
        self, states: Iterable[ApprovalState], *, channel_id: str | None = None
    ) -> list[Approval]:
        values = [s.value for s in states]
        marks = ", ".join("?" for _ in values)
        sql = f"SELECT * FROM approvals WHERE state IN ({marks})"  # noqa: S608 - placeholders only
        params: list[Any] = list(values)
        if channel_id is not None:
            sql += " AND channel_id = ?"
            params.append(channel_id)
        rows = self.conn.execute(sql + " ORDER BY created_at", params).fetchall()
        return [self._approval(r) for r in rows]

    def due_to_expire(self, now: float) -> list[str]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT approval_id FROM approvals WHERE state = 'pending' AND expires_at <= ?",
                (now,),
            )
        ]

    def next_expiry(self) -> float | None:
        (at,) = self.conn.execute(
            "SELECT min(expires_at) FROM approvals WHERE state = 'pending'"
        ).fetchone()
        return float(at) if at is not None else None

    def counts(self) -> dict[str, int]:
        return {
            r[0]: int(r[1])
            for r in self.conn.execute("SELECT state, count(*) FROM approvals GROUP BY state")
        }


class Environments:
    """A cache of environment names, so webhooks can be routed and labelled without the API."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def remember(self, refs: Iterable[EnvRef], now: float) -> None:
        self.conn.executemany(
            "INSERT INTO environments (env_id, env_name, project_id, project_name, project_slug, "
            "env_type, url, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (env_id) DO "
            "UPDATE SET env_name = excluded.env_name, project_id = excluded.project_id, "
            "project_name = excluded.project_name, project_slug = excluded.project_slug, "
            "env_type = excluded.env_type, url = excluded.url, seen_at = excluded.seen_at",
            [
                (
                    r.env_id,
                    r.env_name,
                    r.project_id,
                    r.project_name,
                    r.project_slug,
                    r.env_type,
                    r.url,
                    now,
                )
                for r in refs
            ],
        )

    def get(self, env_id: str) -> EnvRef | None:
        r = self.conn.execute("SELECT * FROM environments WHERE env_id = ?", (env_id,)).fetchone()
        if r is None:
            return None
        return EnvRef(
            env_id=r["env_id"],
            env_name=r["env_name"],
            project_id=r["project_id"],
            project_name=r["project_name"],
            project_slug=r["project_slug"],
            env_type=r["env_type"],
            url=r["url"],
        )


class Audit:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def record(
        self,
        *,
        at: float,
        actor: str,
        action: str,
        result: str,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO audit (at, actor, action, target, result, detail, request_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (at, actor, action, target, result, _dumps(detail or {}), request_id),
        )

    def recent(self, *, limit: int = 100, action: str | None = None) -> list[AuditRow]:
        sql, params = "SELECT * FROM audit", []
        if action is not None:
            sql += " WHERE action = ?"
            params.append(action)
        rows = self.conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit)).fetchall()
        return [
            AuditRow(
                id=r["id"],
                at=r["at"],
                actor=r["actor"],
                action=r["action"],
                target=r["target"],
                result=r["result"],
                detail=_loads(r["detail"]),
                request_id=r["request_id"],
            )
            for r in rows
        ]


class Repos:
    """Every repository over one connection (one transaction when used inside `write`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.deliveries = Deliveries(conn)
        self.outbox = Outbox(conn)
        self.messages = Messages(conn)
        self.deployments = Deployments(conn)
        self.subscriptions = Subscriptions(conn)
        self.approvals = Approvals(conn)
        self.environments = Environments(conn)
        self.audit = Audit(conn)
        self.commands = Commands(conn)


class Store(Repos):
    """The database. Use the repositories directly for single statements, `tx()` for a few
    statements that belong together, and `await write(fn)` on hot paths (group commit)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        super().__init__(connect(path))
        self._committer = GroupCommitter(self.conn)
        self._checkpointer = Checkpointer(self.path)

    def tx(self) -> transaction:
        return transaction(self.conn)

    async def write(self, fn: Callable[[Repos], T]) -> T:
        """Run `fn` inside a group-committed transaction; return once it is durable."""
        self._checkpointer.start()
        return await self._committer.run(lambda conn: fn(self))

    @property
    def checkpoints(self) -> int:
        """How many checkpoints the background thread has run (for tests and benchmarks)."""
        return self._checkpointer.checkpoints

    @property
    def commit_stats(self) -> tuple[int, int]:
        return self._committer.commits, self._committer.writes

    def writable(self) -> bool:
        """True when a write can be committed now (for /readyz)."""
        try:
            with self.tx() as conn:
                conn.execute("INSERT OR REPLACE INTO probe (id, at) VALUES (1, ?)", (time.time(),))
            return True
        except sqlite3.Error:
            return False

    def close(self) -> None:
        self._checkpointer.stop()
        try:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self.conn.close()
