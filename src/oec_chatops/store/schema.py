"""Tables and indexes, declared up front and migrated by number at start-up.

`PRAGMA user_version` holds the number of the last migration applied. A migration is a list of
statements run in one transaction; never edit one that has shipped, add the next.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        # Verified webhook deliveries, kept whatever their event; the primary key is the dedupe.
        """CREATE TABLE deliveries (
            delivery_id TEXT PRIMARY KEY,
            event TEXT NOT NULL,
            received_at REAL NOT NULL,
            signed_at INTEGER,
            task_id TEXT,
            env_id TEXT,
            routed INTEGER NOT NULL DEFAULT 0,
            payload TEXT NOT NULL
        )""",
        # Durable outgoing Slack work. One pending row per (kind, key, channel): later events for
        # the same deployment refresh the row instead of queueing another post.
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            body TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            version INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            next_attempt_at REAL NOT NULL,
            inflight_at REAL,
            sent_at REAL,
            last_error TEXT
        )""",
        "CREATE UNIQUE INDEX outbox_pending ON outbox(kind, key, channel_id) WHERE state = 'pending'",
        "CREATE INDEX outbox_due ON outbox(state, next_attempt_at)",
        # Slack messages the bot owns, by what they are about: one per deployment per channel.
        """CREATE TABLE messages (
            key TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            ts TEXT NOT NULL,
            thread_ts TEXT,
            updated_at REAL NOT NULL,
            PRIMARY KEY (key, channel_id)
        )""",
        # One row per task (deployment, restart, ...), merged from the bot's own tracking and
        # from webhooks; `rank` only grows, so a late 'running' never overwrites 'completed'.
        """CREATE TABLE deployments (
            task_id TEXT PRIMARY KEY,
            env_id TEXT,
            env_label TEXT,
            project_id TEXT,
            verb TEXT NOT NULL,
            status TEXT NOT NULL,
            rank INTEGER NOT NULL,
            origin_channel_id TEXT,
            requested_by TEXT,
            approval_id TEXT,
            state TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            next_poll_at REAL
        )""",
        "CREATE INDEX deployments_active ON deployments(rank, next_poll_at)",
        """CREATE TABLE subscriptions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            channel_id TEXT NOT NULL,
            project_id TEXT NOT NULL,
            project_label TEXT NOT NULL,
            env_glob TEXT NOT NULL,
            events TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at REAL NOT NULL,
            flagged_reason TEXT,
            UNIQUE (channel_id, project_id, env_glob)
        )""",
        """CREATE TABLE approvals (
            approval_id TEXT PRIMARY KEY,
            verb TEXT NOT NULL,
            env_id TEXT NOT NULL,
            env_label TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            reason TEXT,
            modules TEXT NOT NULL DEFAULT '[]',
            state TEXT NOT NULL,
            required INTEGER NOT NULL,
            self_approval INTEGER NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            decided_by TEXT,
            decision_note TEXT,
            task_id TEXT,
            message_ts TEXT,
            updated_at REAL NOT NULL
        )""",
        "CREATE INDEX approvals_state ON approvals(state, expires_at)",
        """CREATE TABLE votes (
            approval_id TEXT NOT NULL REFERENCES approvals(approval_id),
            user_id TEXT NOT NULL,
            at REAL NOT NULL,
            PRIMARY KEY (approval_id, user_id)
        )""",
        # What the bot knows of environments, so a webhook can be routed without an API call.
        """CREATE TABLE environments (
            env_id TEXT PRIMARY KEY,
            env_name TEXT NOT NULL,
            project_id TEXT NOT NULL,
            project_name TEXT NOT NULL,
            project_slug TEXT,
            env_type TEXT,
            url TEXT,
            seen_at REAL NOT NULL
        )""",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            result TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}',
            request_id TEXT
        )""",
        "CREATE INDEX audit_at ON audit(at)",
    ),
    (
        # An environment's status change asks which of its deployments moved lately.
        "CREATE INDEX deployments_env ON deployments(env_id, updated_at)",
    ),
    (
        # The request that queued a row, so the Slack message's log line carries its id.
        "ALTER TABLE outbox ADD COLUMN request_id TEXT",
        # One row that /readyz rewrites: proof that the database file takes a real write.
        "CREATE TABLE probe (id INTEGER PRIMARY KEY CHECK (id = 1), at REAL NOT NULL)",
    ),
    (
        # Webhook dedupe rests on what the signature covers (the payload's `id`, the Standard
        # Webhooks `webhook-id`, or a hash of the signed body), not on the unsigned
        # X-OEC-Delivery header that `delivery_id` held before. Rows stored earlier take their
        # payload's id when it has one (a retry of them is still recognised) and keep their old
        # id otherwise; `OR IGNORE` leaves the key empty where two old rows claim one id.
        "ALTER TABLE deliveries ADD COLUMN dedupe_key TEXT",
        "CREATE UNIQUE INDEX deliveries_dedupe ON deliveries(dedupe_key)",
        """UPDATE OR IGNORE deliveries SET dedupe_key = CASE
            WHEN json_valid(payload) AND json_type(payload, '$.id') = 'text'
                THEN json_extract(payload, '$.id')
            WHEN json_valid(payload) AND json_type(payload, '$.delivery_id') = 'text'
                THEN json_extract(payload, '$.delivery_id')
            ELSE delivery_id END""",
        # Retention: deliveries, sent outbox rows and audit rows are pruned by age, oldest first,
        # in small batches that these indexes keep bounded.
        "CREATE INDEX deliveries_received ON deliveries(received_at)",
        "CREATE INDEX outbox_finished ON outbox(sent_at) WHERE sent_at IS NOT NULL",
    ),
    (
        # Every acknowledged /oec command, written before the ack, until its final answer is
        # sent (services: slack.command_queue). `response_url` is unique: Slack issues one per
        # invocation, so a replayed or redelivered command is recognised and not run twice.
        # Finished rows (state 'done') are prunable by `updated_at`.
        """CREATE TABLE commands (
            request_id TEXT PRIMARY KEY,
            response_url TEXT NOT NULL UNIQUE,
            user_id TEXT NOT NULL,
            user_name TEXT NOT NULL DEFAULT '',
            channel_id TEXT NOT NULL,
            text TEXT NOT NULL,
            trigger_id TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT 'queued',
            uses INTEGER NOT NULL DEFAULT 0,
            answer TEXT,
            outcome TEXT,
            received_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )""",
        "CREATE INDEX commands_state ON commands(state, updated_at)",
    ),
    (
        # Change control (issue 16). Ad hoc freezes from `/oec freeze`, kept after they end or
        # are lifted (the audit trail names them); the scheduled ones live in the policy file.
        """CREATE TABLE freezes (
            freeze_id TEXT PRIMARY KEY,
            env_glob TEXT NOT NULL,
            reason TEXT,
            created_by TEXT NOT NULL,
            starts_at REAL NOT NULL,
            ends_at REAL NOT NULL,
            lifted_at REAL,
            lifted_by TEXT
        )""",
        "CREATE INDEX freezes_ends ON freezes(ends_at)",
        # `/oec lock`: one holder per environment; the row is the lock.
        """CREATE TABLE locks (
            env_id TEXT PRIMARY KEY,
            env_label TEXT NOT NULL,
            holder TEXT NOT NULL,
            reason TEXT,
            since REAL NOT NULL
        )""",
        # An admin's `--override` request (a freeze does not hold it), and, while a request
        # waits for a freeze to end, when that freeze ends (shown on its card).
        "ALTER TABLE approvals ADD COLUMN override INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE approvals ADD COLUMN held_until REAL",
    ),
    (
        # Quieter channels (issue 16): per subscription, its kind (`events`, or `alerts` for
        # monitoring alerts only), `--only failures`, a daily digest (`digest_at` 'HH:MM' in
        # `digest_tz`; NULL is live) and thread replies for a deployment's follow-ups.
        "ALTER TABLE subscriptions ADD COLUMN kind TEXT NOT NULL DEFAULT 'events'",
        "ALTER TABLE subscriptions ADD COLUMN only_failures INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE subscriptions ADD COLUMN digest_at TEXT",
        "ALTER TABLE subscriptions ADD COLUMN digest_tz TEXT",
        "ALTER TABLE subscriptions ADD COLUMN threads INTEGER NOT NULL DEFAULT 0",
        # One row per channel and digest day: 'open' while events are collected, claimed once
        # ('queued', with its outbox row, in one transaction) when `due_at` has passed.
        """CREATE TABLE digests (
            channel_id TEXT NOT NULL,
            day TEXT NOT NULL,
            tz TEXT NOT NULL,
            window_start REAL NOT NULL,
            due_at REAL NOT NULL,
            state TEXT NOT NULL DEFAULT 'open',
            queued_at REAL,
            PRIMARY KEY (channel_id, day)
        )""",
        "CREATE INDEX digests_due ON digests(state, due_at)",
        # The events a digest day collected, one per (channel, what it is about); deleted when
        # the day's digest is queued (its message body is a snapshot of them).
        """CREATE TABLE digest_items (
            channel_id TEXT NOT NULL,
            item_key TEXT NOT NULL,
            day TEXT NOT NULL,
            at REAL NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (channel_id, item_key)
        )""",
        "CREATE INDEX digest_items_day ON digest_items(channel_id, day)",
    ),
    (
        # Backups (issue 15): a restore's backup and what the approver saw of it (JSON), and
        # policy `backup_before`: whether a backup is taken first, and which one once started.
        "ALTER TABLE approvals ADD COLUMN backup_id TEXT",
        "ALTER TABLE approvals ADD COLUMN backup_facts TEXT",
        "ALTER TABLE approvals ADD COLUMN backup_first INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE approvals ADD COLUMN pre_backup_id TEXT",
    ),
    (
        # Multi-workspace (OAuth) installs (store.workspaces). Secrets are Fernet tokens sealed
        # with OEC_CHATOPS_ENCRYPTION_KEY (secretbox), never plaintext. Portable SQL (SQLite
        # and PostgreSQL): TEXT keys, REAL epoch seconds.
        """CREATE TABLE slack_installations (
            team_id TEXT PRIMARY KEY,
            team_name TEXT NOT NULL DEFAULT '',
            enterprise_id TEXT,
            app_id TEXT,
            bot_id TEXT,
            bot_user_id TEXT,
            bot_scopes TEXT NOT NULL DEFAULT '',
            installer_user_id TEXT,
            bot_token_sealed TEXT NOT NULL,
            installed_at REAL NOT NULL
        )""",
        # Bolt's OAuth state: one row per /slack/install, deleted when used (single use) and
        # refused once `expires_at` has passed.
        """CREATE TABLE oauth_states (
            state TEXT PRIMARY KEY,
            expires_at REAL NOT NULL
        )""",
        "CREATE INDEX oauth_states_expiry ON oauth_states(expires_at)",
        # What a workspace's admin set: its oec.sh key (sealed) and its policy file's text.
        """CREATE TABLE workspace_settings (
            team_id TEXT PRIMARY KEY,
            oec_key_sealed TEXT,
            policy_text TEXT,
            updated_at REAL NOT NULL
        )""",
        # Which workspace a channel belongs to, learnt from Slack's signed requests: the outbox
        # posts a row with its channel's workspace token, and fails it when that is gone.
        """CREATE TABLE channel_teams (
            channel_id TEXT PRIMARY KEY,
            team_id TEXT NOT NULL,
            seen_at REAL NOT NULL
        )""",
        "CREATE INDEX channel_teams_team ON channel_teams(team_id)",
    ),
    (
        # Several replicas on one PostgreSQL database drain one outbox: the replica sending a
        # row claims it until `claim_until` (renewed while it works), so no other sends it
        # meanwhile, and a dead replica's rows return to the others when its claim lapses.
        # Always NULL on SQLite, where one process owns the database.
        "ALTER TABLE outbox ADD COLUMN claimed_by TEXT",
        "ALTER TABLE outbox ADD COLUMN claim_until REAL",
    ),
    (
        # A multi-workspace install: each workspace's oec.sh webhook signing secret(s), sealed
        # like its key (secretbox), verifying the deliveries to `/webhooks/oec/<team id>`.
        "ALTER TABLE workspace_settings ADD COLUMN webhook_secret_sealed TEXT",
    ),
    (
        # Change control and the audit trail per workspace (multi-workspace install): each row
        # names the workspace it was written in ('' in a one-workspace bot). A lock belongs to
        # its workspace, so the key becomes (team, environment): the table is rebuilt, its rows
        # kept as the one-workspace bot's.
        "ALTER TABLE audit ADD COLUMN team_id TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE freezes ADD COLUMN team_id TEXT NOT NULL DEFAULT ''",
        """CREATE TABLE team_locks (
            team_id TEXT NOT NULL DEFAULT '',
            env_id TEXT NOT NULL,
            env_label TEXT NOT NULL,
            holder TEXT NOT NULL,
            reason TEXT,
            since REAL NOT NULL,
            PRIMARY KEY (team_id, env_id)
        )""",
        "INSERT INTO team_locks (team_id, env_id, env_label, holder, reason, since) "
        "SELECT '', env_id, env_label, holder, reason, since FROM locks",
        "DROP TABLE locks",
        "ALTER TABLE team_locks RENAME TO locks",
    ),
)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations not yet applied, each in one transaction; return the version reached.

    The connection must be in autocommit mode (`isolation_level=None`). Several processes may
    open a new database at once (`serve` and `check`, two replicas): the version is read again
    inside each write transaction, so a migration another process applied meanwhile is skipped
    instead of failing on "table already exists".
    """
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    for number, statements in enumerate(MIGRATIONS, start=1):
        if number <= version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if number > version:
                for statement in statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
                version = number
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return int(version)
