"""Multi-workspace installs: Slack installations, OAuth states, each workspace's settings, and
which workspace each channel belongs to.

Only sealed values (`secretbox`) reach these tables: the repositories take and return the
sealed text, and `adapters.workspaces` seals and opens. Portable SQL (SQLite and PostgreSQL):
`?` placeholders, `ON CONFLICT ... DO UPDATE SET x = excluded.x`, single-statement conditional
writes for what must happen once (a state is consumed by the one DELETE that finds it).
"""

from __future__ import annotations

from dataclasses import dataclass

from oec_chatops.store.repository import Repository, from_row


@dataclass(frozen=True, slots=True)
class InstallationRow:
    """One workspace's installation; `bot_token_sealed` is a Fernet token, never the token."""

    team_id: str
    team_name: str
    enterprise_id: str | None
    app_id: str | None
    bot_id: str | None
    bot_user_id: str | None
    bot_scopes: str
    installer_user_id: str | None
    bot_token_sealed: str
    installed_at: float

    def __repr__(self) -> str:
        return f"InstallationRow(team_id={self.team_id!r}, bot_token_sealed=<hidden>)"


@dataclass(frozen=True, slots=True)
class WorkspaceSettingsRow:
    team_id: str
    oec_key_sealed: str | None
    policy_text: str | None
    updated_at: float

    def __repr__(self) -> str:
        return f"WorkspaceSettingsRow(team_id={self.team_id!r}, oec_key_sealed=<hidden>)"


class Installations(Repository):
    """One row per installed workspace (a reinstall replaces it: new token, new scopes)."""

    def save(self, row: InstallationRow) -> None:
        self.conn.execute(
            "INSERT INTO slack_installations (team_id, team_name, enterprise_id, app_id, bot_id, "
            "bot_user_id, bot_scopes, installer_user_id, bot_token_sealed, installed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (team_id) DO UPDATE SET "
            "team_name = excluded.team_name, enterprise_id = excluded.enterprise_id, "
            "app_id = excluded.app_id, bot_id = excluded.bot_id, "
            "bot_user_id = excluded.bot_user_id, bot_scopes = excluded.bot_scopes, "
            "installer_user_id = excluded.installer_user_id, "
            "bot_token_sealed = excluded.bot_token_sealed, installed_at = excluded.installed_at",
            (
                row.team_id,
                row.team_name,
                row.enterprise_id,
                row.app_id,
                row.bot_id,
                row.bot_user_id,
                row.bot_scopes,
                row.installer_user_id,
                row.bot_token_sealed,
                row.installed_at,
            ),
        )

    def get(self, team_id: str) -> InstallationRow | None:
        r = self.conn.execute(
            "SELECT * FROM slack_installations WHERE team_id = ?", (team_id,)
        ).fetchone()
        return from_row(InstallationRow, r) if r else None

    def all(self) -> list[InstallationRow]:
        rows = self.conn.execute("SELECT * FROM slack_installations ORDER BY team_id").fetchall()
        return [from_row(InstallationRow, r) for r in rows]

    def reseal(self, team_id: str, sealed: str) -> None:
        self.conn.execute(
            "UPDATE slack_installations SET bot_token_sealed = ? WHERE team_id = ?",
            (sealed, team_id),
        )

    def delete(self, team_id: str) -> int:
        return self.conn.execute(
            "DELETE FROM slack_installations WHERE team_id = ?", (team_id,)
        ).rowcount


class OAuthStates(Repository):
    """The `state` of each install started, used at most once and only before it expires."""

    def issue(self, state: str, *, expires_at: float, now: float) -> None:
        # Expired states are of no use to anyone: each issue sweeps them (indexed, usually none).
        self.conn.execute("DELETE FROM oauth_states WHERE expires_at <= ?", (now,))
        self.conn.execute(
            "INSERT INTO oauth_states (state, expires_at) VALUES (?, ?)", (state, expires_at)
        )

    def consume(self, state: str, *, now: float) -> bool:
        """True for exactly one caller, and only while the state is unexpired: the DELETE that
        removes it is the check, so two redirects racing with one state cannot both pass."""
        cur = self.conn.execute(
            "DELETE FROM oauth_states WHERE state = ? AND expires_at > ?", (state, now)
        )
        if cur.rowcount == 1:
            return True
        self.conn.execute("DELETE FROM oauth_states WHERE state = ?", (state,))
        return False


class WorkspaceSettings(Repository):
    """What a workspace's admin configured: its oec.sh key (sealed) and its policy text."""

    def get(self, team_id: str) -> WorkspaceSettingsRow | None:
        r = self.conn.execute(
            "SELECT * FROM workspace_settings WHERE team_id = ?", (team_id,)
        ).fetchone()
        return from_row(WorkspaceSettingsRow, r) if r else None

    def all(self) -> list[WorkspaceSettingsRow]:
        rows = self.conn.execute("SELECT * FROM workspace_settings ORDER BY team_id").fetchall()
        return [from_row(WorkspaceSettingsRow, r) for r in rows]

    def set_key(self, team_id: str, sealed: str, *, now: float) -> None:
        self.conn.execute(
            "INSERT INTO workspace_settings (team_id, oec_key_sealed, updated_at) "
            "VALUES (?, ?, ?) ON CONFLICT (team_id) DO UPDATE SET "
            "oec_key_sealed = excluded.oec_key_sealed, updated_at = excluded.updated_at",
            (team_id, sealed, now),
        )

    def set_policy(self, team_id: str, text: str, *, now: float) -> None:
        self.conn.execute(
            "INSERT INTO workspace_settings (team_id, policy_text, updated_at) "
            "VALUES (?, ?, ?) ON CONFLICT (team_id) DO UPDATE SET "
            "policy_text = excluded.policy_text, updated_at = excluded.updated_at",
            (team_id, text, now),
        )

    def delete(self, team_id: str) -> int:
        return self.conn.execute(
            "DELETE FROM workspace_settings WHERE team_id = ?", (team_id,)
        ).rowcount


class ChannelTeams(Repository):
    """The workspace of each channel a signed request came from."""

    def note(self, channel_id: str, team_id: str, *, now: float) -> None:
        self.conn.execute(
            "INSERT INTO channel_teams (channel_id, team_id, seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT (channel_id) DO UPDATE SET team_id = excluded.team_id, "
            "seen_at = excluded.seen_at",
            (channel_id, team_id, now),
        )

    def team_of(self, channel_id: str) -> str | None:
        r = self.conn.execute(
            "SELECT team_id FROM channel_teams WHERE channel_id = ?", (channel_id,)
        ).fetchone()
        return str(r[0]) if r else None

    def fail_pending(self, team_id: str, *, reason: str, now: float) -> int:
        """Mark the workspace's pending outbox rows dead: nothing may be sent there any more,
        and a row retried forever against a revoked token would only fill the logs."""
        return self.conn.execute(
            "UPDATE outbox SET state = 'dead', last_error = ?, sent_at = ?, inflight_at = NULL "
            "WHERE state = 'pending' AND channel_id IN "
            "(SELECT channel_id FROM channel_teams WHERE team_id = ?)",
            (reason, now, team_id),
        ).rowcount


class WorkspaceWebhooks(Repository):
    """Each workspace's oec.sh webhook signing secret(s), sealed (one text: the comma-separated
    list, newest first, as OEC_WEBHOOK_SECRET takes it), and the lookups that keep a delivery
    of one workspace inside that workspace's channels.

    The secret is a column of `workspace_settings`, so an uninstall (`WorkspaceSettings.delete`)
    drops it with the key and the policy.
    """

    def sealed_secret(self, team_id: str) -> str | None:
        r = self.conn.execute(
            "SELECT webhook_secret_sealed FROM workspace_settings WHERE team_id = ?", (team_id,)
        ).fetchone()
        return str(r[0]) if r and r[0] else None

    def all_sealed(self) -> list[tuple[str, str]]:
        rows = self.conn.execute(
            "SELECT team_id, webhook_secret_sealed FROM workspace_settings "
            "WHERE webhook_secret_sealed IS NOT NULL ORDER BY team_id"
        ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def set_sealed(self, team_id: str, sealed: str, *, now: float) -> None:
        self.conn.execute(
            "INSERT INTO workspace_settings (team_id, webhook_secret_sealed, updated_at) "
            "VALUES (?, ?, ?) ON CONFLICT (team_id) DO UPDATE SET "
            "webhook_secret_sealed = excluded.webhook_secret_sealed, "
            "updated_at = excluded.updated_at",
            (team_id, sealed, now),
        )

    def channel_showing(self, task_id: str) -> str | None:
        """A channel of a known workspace that shows (or is about to show) the deployment's
        living message: whose workspace's oec.sh key follows a deployment no command started."""
        r = self.conn.execute(
            "SELECT ct.channel_id FROM channel_teams AS ct WHERE ct.channel_id IN ("
            "SELECT m.channel_id FROM messages AS m WHERE m.key = ? "
            "UNION SELECT o.channel_id FROM outbox AS o "
            "WHERE o.kind = 'deployment' AND o.key = ? AND o.state = 'pending') "
            "ORDER BY ct.channel_id LIMIT 1",
            ("dep:" + task_id, task_id),
        ).fetchone()
        return str(r[0]) if r else None

    def thread_queued(self, task_id: str, channel_id: str) -> bool:
        """Has the failure thread of this deployment been queued (or sent) in this channel?"""
        r = self.conn.execute(
            "SELECT 1 FROM outbox WHERE kind = 'failure_thread' AND key = ? AND channel_id = ? "
            "LIMIT 1",
            (task_id, channel_id),
        ).fetchone()
        return r is not None
