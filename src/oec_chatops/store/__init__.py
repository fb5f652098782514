"""Durable state in SQLite: schema, the database handle, and one small repository per aggregate.

Modules: `schema` (tables, indexes, numbered migrations), `db` (connection, group commit,
checkpoints), `repository` (the shared base and row mapping), one module per aggregate
(`approvals`, `deployments`, `outbox`, `deliveries`, `subscriptions`, `messages`, `audit`,
`environments`, `commands`), the tracker's and the pruner's queries (`tracked`, `retention`),
the gauges' reads (`gauges`), and `store`, the `Store`/`Repos` facade that gathers them.

Why raw SQL, not sqlite-utils, for the schema and the writes. sqlite-utils earns its place in
`oec-chatops db` (read-only inspection as tables or JSON), but what this package relies on is
what its table API cannot declare: partial indexes (`outbox_pending ... WHERE state =
'pending'`, the unique index that makes a refresh replace a pending row instead of queueing a
second one, and `outbox_finished`; `create_index()` has no WHERE), a `CHECK (id = 1)` on the
readiness probe, a table-level `UNIQUE (channel_id, project_id, env_glob)`, and AUTOINCREMENT ids
(never reused after the pruner deletes rows); nor can `upsert()` say `ON CONFLICT (...) WHERE
state = 'pending' DO UPDATE` with the conditional `next_attempt_at` the outbox needs. Rewriting
the shipped migrations would also give new databases a schema text that differs from the one
existing databases hold, for no change in behaviour. So migrations stay numbered lists of SQL
statements under `PRAGMA user_version`, each in one `BEGIN IMMEDIATE` transaction; repositories
run short, indexed statements on the one connection the group committer batches.
"""

from oec_chatops.store.store import Store

__all__ = ["Store"]
