"""`Audit`: the audit trail, one row per decision a person or the bot made (who, what, on
what, with what result, under which request id). Append-only here; retention prunes by age."""

from __future__ import annotations

from typing import Any

from oec_chatops.store.repository import Repository, dumps, from_row, loads
from oec_chatops.store.rows import AuditRow


class Audit(Repository):
    """The audit trail: written inside the same transaction as the change it records."""

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
        team_id: str = "",
    ) -> None:
        """`team_id`: the workspace the decision was made in ('' in a one-workspace bot)."""
        self.conn.execute(
            "INSERT INTO audit (at, actor, action, target, result, detail, request_id, team_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (at, actor, action, target, result, dumps(detail or {}), request_id, team_id),
        )

    def search(
        self,
        *,
        since: float | None,
        target: str | None,
        limit: int,
        offset: int = 0,
        team_id: str | None = None,
    ) -> tuple[list[AuditRow], int]:
        """Rows at or after `since` about `target` (None: any), written in workspace `team_id`
        (None: any), newest first, one page of them; and how many match in all ("page 1 of N")."""
        where, params = _filters(since, target, team_id)
        (total,) = self.conn.execute(f"SELECT count(*) FROM audit{where}", params).fetchone()  # noqa: S608 - placeholders only
        rows = self.conn.execute(
            f"SELECT * FROM audit{where} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",  # noqa: S608
            (*params, limit, offset),
        ).fetchall()
        return [from_row(AuditRow, r, detail=loads(r["detail"])) for r in rows], int(total)

    def recent(self, *, limit: int = 100, action: str | None = None) -> list[AuditRow]:
        sql, params = "SELECT * FROM audit", []
        if action is not None:
            sql += " WHERE action = ?"
            params.append(action)
        rows = self.conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit)).fetchall()
        return [from_row(AuditRow, r, detail=loads(r["detail"])) for r in rows]


def _filters(since: float | None, target: str | None, team_id: str | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if team_id is not None:
        clauses.append("team_id = ?")
        params.append(team_id)
    if since is not None:
        clauses.append("at >= ?")
        params.append(since)
    if target is not None:
        clauses.append("target = ?")
        params.append(target)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params
