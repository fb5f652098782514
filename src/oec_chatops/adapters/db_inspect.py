"""`oec-chatops db`: the audit trail, the webhook deliveries and the outbox, read as an operator
reads them, as aligned tables or as JSON lines for `jq`.

The database is opened read-only (`mode=ro`), so inspecting a running bot's file can neither
write nor take its write lock. sqlite-utils does the querying: it knows the tables and their
columns, builds the `WHERE`/`ORDER BY`/`LIMIT` with bound parameters, and returns plain dicts.
The shaping of rows (timestamps as UTC, long cells cut) and the table layout are pure functions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import orjson
import sqlite_utils

from oec_chatops.errors import ConfigError

# Columns holding Unix times: shown as UTC, which is what an operator compares with logs.
TIME_COLUMNS = frozenset(
    {"at", "received_at", "created_at", "updated_at", "next_attempt_at", "inflight_at", "sent_at"}
)
MAX_CELL = 60  # a table cell longer than this is cut with "…"; --json shows it whole


@dataclass(frozen=True)
class View:
    """One thing an operator asks to see: a table, the columns worth showing, newest first."""

    table: str
    columns: tuple[str, ...]
    time_column: str
    order_by: str


VIEWS: dict[str, View] = {
    "audit": View(
        "audit",
        ("id", "at", "actor", "action", "target", "result", "detail", "request_id"),
        "at",
        "id desc",
    ),
    # The payload stays out: it is the one large column, and `--json` readers ask for it by id.
    "deliveries": View(
        "deliveries",
        ("delivery_id", "event", "received_at", "signed_at", "task_id", "env_id", "routed"),
        "received_at",
        "received_at desc",
    ),
    "outbox": View(
        "outbox",
        (
            "id",
            "kind",
            "key",
            "channel_id",
            "state",
            "attempts",
            "created_at",
            "next_attempt_at",
            "sent_at",
            "last_error",
        ),
        "created_at",
        "id desc",
    ),
}


def open_read_only(path: Path) -> sqlite_utils.Database:
    """The bot's database, read-only; a missing file is a configuration error, not a new file."""
    if not path.exists():
        raise ConfigError(f"OEC_CHATOPS_DB: no database at {path}.")
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    return sqlite_utils.Database(conn)


def table_counts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every table with its row count, for `oec-chatops db tables`."""
    return [{"table": name, "rows": db[name].count} for name in sorted(db.table_names())]


def select(
    db: sqlite_utils.Database,
    view: View,
    *,
    since: float | None = None,
    equals: dict[str, str] | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """The view's newest rows, filtered by time and by exact column values."""
    table = db[view.table]
    present = set(table.columns_dict)
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if since is not None:
        clauses.append(f"[{view.time_column}] >= :since")
        params["since"] = since
    for i, (column, value) in enumerate(sorted((equals or {}).items())):
        if column not in present:
            raise ConfigError(f"{view.table} has no column {column}.")
        clauses.append(f"[{column}] = :v{i}")
        params[f"v{i}"] = value
    columns = [c for c in view.columns if c in present]
    return list(
        table.rows_where(
            " and ".join(clauses) or None,
            params,
            select=", ".join(f"[{c}]" for c in columns),
            order_by=view.order_by,
            limit=limit,
        )
    )


def shaped(row: dict[str, Any]) -> dict[str, Any]:
    """A row as an operator reads it: times as ISO UTC, everything else as stored."""
    return {
        k: (
            datetime.fromtimestamp(float(v), UTC).isoformat(timespec="seconds")
            if k in TIME_COLUMNS and isinstance(v, int | float)
            else v
        )
        for k, v in row.items()
    }


def render_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """Rows as aligned text columns (long cells cut), or a line saying there are none."""
    if not rows:
        return "(no rows)\n"
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines) + "\n"


def render_json_lines(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(orjson.dumps(row).decode() + "\n" for row in rows)


def _cell(value: Any) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def run(
    path: Path,
    what: str,
    *,
    since: float | None,
    equals: dict[str, str],
    limit: int,
    as_json: bool,
    out: TextIO,
) -> int:
    """`oec-chatops db <what>`: print the rows; exit status 0."""
    db = open_read_only(path)
    try:
        if what == "tables":
            rows = table_counts(db)
            columns: Sequence[str] = ("table", "rows")
        else:
            view = VIEWS[what]
            rows = [shaped(r) for r in select(db, view, since=since, equals=equals, limit=limit)]
            columns = [c for c in view.columns if not rows or c in rows[0]]
        out.write(render_json_lines(rows) if as_json else render_table(rows, columns))
    finally:
        db.close()
    return 0
