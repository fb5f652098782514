"""`Environments`: what the bot has seen of environments (names, project, type)."""

from __future__ import annotations

from collections.abc import Iterable

from oec_chatops.domain import EnvRef
from oec_chatops.store.repository import Repository, from_row


class Environments(Repository):
    """A cache of environment names, so webhooks can be routed and labelled without the API."""

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
        return None if r is None else from_row(EnvRef, r)
