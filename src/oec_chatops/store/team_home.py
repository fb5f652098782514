"""`TeamHomes`: what of the shared store belongs to one workspace's App Home.

A multi-workspace install keeps every workspace's approvals and deployments in one store; a
Home shows only its own workspace's. A channel belongs to the workspace a signed request from
it came from (`channel_teams`); a deployment belongs to each workspace whose channel started
it (`origin_channel_id`) or shows its living message (`messages`, key `dep:<task>`, or one
queued in the outbox). A row in no known channel belongs to no Home. Portable SQL.
"""

from __future__ import annotations

import sqlite3

from oec_chatops.store.repository import Repository, from_row, loads
from oec_chatops.store.rows import DeploymentRow


class TeamHomes(Repository):
    def channels(self, team_id: str) -> frozenset[str]:
        """The channels known to belong to `team_id` (none for "")."""
        if not team_id:
            return frozenset()
        rows = self.conn.execute(
            "SELECT channel_id FROM channel_teams WHERE team_id = ?", (team_id,)
        ).fetchall()
        return frozenset(str(r[0]) for r in rows)

    def active_deployments(self, team_id: str, *, limit: int = 200) -> list[DeploymentRow]:
        """The workspace's deployments not yet in a terminal state, as `Deployments.active`."""
        if not team_id:
            return []
        rows = self.conn.execute(
            "SELECT d.* FROM deployments AS d WHERE d.rank < 2 AND ("
            "d.origin_channel_id IN (SELECT channel_id FROM channel_teams WHERE team_id = ?) "
            "OR EXISTS (SELECT 1 FROM messages AS m JOIN channel_teams AS ct "
            "ON ct.channel_id = m.channel_id WHERE m.key = 'dep:' || d.task_id "
            "AND ct.team_id = ?) "
            "OR EXISTS (SELECT 1 FROM outbox AS o JOIN channel_teams AS ct "
            "ON ct.channel_id = o.channel_id WHERE o.kind = 'deployment' AND o.key = d.task_id "
            "AND o.state = 'pending' AND ct.team_id = ?)"
            ") ORDER BY coalesce(d.next_poll_at, 0) LIMIT ?",
            (team_id, team_id, team_id, limit),
        ).fetchall()
        return [self._row(r) for r in rows]

    def _row(self, r: sqlite3.Row) -> DeploymentRow:
        return from_row(DeploymentRow, r, state=loads(r["state"]))
