"""`Approvals`: approval requests and their votes. The state machine itself is the services'
(which transitions exist); here every change is one conditional UPDATE, so two clicks, a click
and the expiry sweep, or two replicas can never both move the same request."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from oec_chatops.domain import Approval, ApprovalState, BackupFacts
from oec_chatops.store.repository import Repository, dumps, from_row, loads


class Approvals(Repository):
    """Approval requests. Every state change is a conditional UPDATE: the row is the lock."""

    def create(self, a: Approval, *, self_approval: bool, now: float) -> None:
        self.conn.execute(
            "INSERT INTO approvals (approval_id, verb, env_id, env_label, requested_by, "
            "channel_id, reason, modules, state, required, self_approval, created_at, "
            "expires_at, updated_at, override, backup_id, backup_facts, backup_first) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                a.approval_id,
                a.verb,
                a.env_id,
                a.env_label,
                a.requested_by,
                a.channel_id,
                a.reason,
                dumps(list(a.modules)),
                a.state.value,
                a.required,
                int(self_approval),
                a.created_at.timestamp(),
                a.expires_at.timestamp(),
                now,
                int(a.override),
                a.backup_id,
                facts_json(a.backup_facts),
                int(a.backup_first),
            ),
        )

    def _approval(self, r: sqlite3.Row) -> Approval:
        votes = self.conn.execute(
            "SELECT user_id FROM votes WHERE approval_id = ? ORDER BY at, rowid",
            (r["approval_id"],),
        )
        return from_row(
            Approval,
            r,
            state=ApprovalState(r["state"]),
            created_at=datetime.fromtimestamp(r["created_at"], UTC),
            expires_at=datetime.fromtimestamp(r["expires_at"], UTC),
            modules=tuple(loads(r["modules"]) or ()),
            approvers=tuple(v[0] for v in votes),
            override=bool(r["override"]),
            held_until=(
                datetime.fromtimestamp(r["held_until"], UTC)
                if r["held_until"] is not None
                else None
            ),
            backup_facts=facts_of(loads(r["backup_facts"])),
            backup_first=bool(r["backup_first"]),
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
            "INSERT INTO votes (approval_id, user_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
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
        allowed = {"decided_by", "decision_note", "task_id", "message_ts", "held_until"}
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

    def set_pre_backup(self, approval_id: str, backup_id: str) -> bool:
        """Remember the backup taken before the change, once; `updated_at` (when the request
        entered `backing_up`) stays, since the backup's time limit counts from it."""
        cur = self.conn.execute(
            "UPDATE approvals SET pre_backup_id = ? "
            "WHERE approval_id = ? AND state = 'backing_up' AND pre_backup_id IS NULL",
            (backup_id, approval_id),
        )
        return cur.rowcount == 1

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


def facts_json(facts: BackupFacts | None) -> str | None:
    """The backup an approver saw, as stored: JSON text, times as epoch seconds."""
    if facts is None:
        return None
    created = facts.created_at.timestamp() if facts.created_at else None
    return dumps(
        {
            "backup_id": facts.backup_id,
            "status": facts.status,
            "created_at": created,
            "size_bytes": facts.size_bytes,
            "contents": facts.contents,
            "backup_type": facts.backup_type,
        }
    )


def facts_of(data: Any) -> BackupFacts | None:
    if not isinstance(data, dict) or not data.get("backup_id"):
        return None
    created = data.get("created_at")
    return BackupFacts(
        backup_id=str(data["backup_id"]),
        status=str(data.get("status") or "unknown"),
        created_at=datetime.fromtimestamp(created, UTC) if created is not None else None,
        size_bytes=data.get("size_bytes"),
        contents=str(data.get("contents") or "contents unknown"),
        backup_type=data.get("backup_type"),
    )
