"""Which unfinished deployments the tracker may spend API reads on: the ones someone will see.

Polling a task costs reads from the same per-minute budget that slash commands use. A deployment
heard of only through a webhook for an environment no channel subscribes to shows up nowhere, so
polling it buys nothing. A deployment is shown when a channel has its living message or is about
to get it (a pending outbox row), or when the bot started it from a command or an approval (its
message goes to the channel the command was typed in).
"""

from __future__ import annotations

from oec_chatops.store.deployments import Deployments
from oec_chatops.store.rows import DeploymentRow

# Indexed lookups only: the deployments_active index for the scan, the messages primary key and
# the outbox_pending partial index for each candidate.
_SHOWN_ACTIVE = """
SELECT d.* FROM deployments AS d
WHERE d.rank < 2 AND (
    d.origin_channel_id IS NOT NULL
    OR d.approval_id IS NOT NULL
    OR EXISTS (SELECT 1 FROM messages AS m WHERE m.key = 'dep:' || d.task_id)
    OR EXISTS (
        SELECT 1 FROM outbox AS o
        WHERE o.kind = 'deployment' AND o.key = d.task_id AND o.state = 'pending'
    )
)
ORDER BY coalesce(d.next_poll_at, 0)
LIMIT ?
"""


class TrackedDeployments(Deployments):
    """`Deployments`, plus the tracker's question: what should be polled?"""

    def shown_active(self, *, limit: int = 200) -> list[DeploymentRow]:
        """Unfinished deployments that some message shows or will show, the most due first."""
        rows = self.conn.execute(_SHOWN_ACTIVE, (limit,)).fetchall()
        return [self._row(r) for r in rows]
