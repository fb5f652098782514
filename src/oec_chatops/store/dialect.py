"""The SQL the repositories write, as each engine reads it: one text, two dialects.

Repositories and migrations are written once, in SQLite's spelling restricted to the portable
subset (`?` placeholders, `ON CONFLICT ... DO NOTHING / DO UPDATE`, TEXT/INTEGER/REAL columns).
SQLite runs that text unchanged, so databases created before PostgreSQL existed keep exactly
the schema and statements they always had. PostgreSQL gets it through two pure functions:

- `to_postgres(sql)`: placeholders (`?` → `%s`, `:name` → `%(name)s`, a literal `%` doubled),
  and the few SQLite spellings that have a meaning-preserving PostgreSQL one: `INSERT OR
  IGNORE` → `ON CONFLICT DO NOTHING`, and the unary `+` SQLite uses as an index hint (`AND
  +o.state IN ...`), which PostgreSQL has no use for (and rejects on TEXT).
- `migration_for_postgres(statement)`: DDL types. SQLite's INTEGER is 64-bit and its REAL is a
  double, so they become BIGINT and DOUBLE PRECISION (PostgreSQL's REAL is a 4-byte float that
  would round epoch timestamps to minutes); an INTEGER PRIMARY KEY, which SQLite numbers by
  itself, becomes BIGSERIAL. TEXT columns collate "C": SQLite compares text byte by byte,
  while a PostgreSQL database takes its creator's locale (en_US.utf8 in the official image),
  which would list `crm` before `Shop` and `a-b` next to `ab` where SQLite does not. Every table also gets a `rowid BIGSERIAL` column with a unique
  index: SQLite's implicit insertion-order key, which queries use to break ties (`ORDER BY at,
  rowid`) and the pruner uses as a keyset cursor. Backfills of rows that cannot exist in a
  database created on PostgreSQL (`UPDATE OR IGNORE ...` over SQLite's JSON functions) are
  skipped.

Both are cached: the statements are constants, so each is translated once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

# A string literal, a quoted identifier, a `?`, a `:name` (not a `::` cast), or a lone `%`.
_TOKENS = re.compile(
    r"'(?:[^']|'')*'"  # 'literal'
    r'|"(?:[^"]|"")*"'  # "identifier"
    r"|\?"
    r"|(?<!:):(?P<name>[A-Za-z_]\w*)"
    r"|%"
)
_UNARY_PLUS = re.compile(r"\b(AND|OR|WHERE|ON|BY|NOT) \+(?=[A-Za-z_])", re.IGNORECASE)
_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\(", re.I)
_INTEGER_PK = re.compile(r"\bINTEGER\s+PRIMARY\s+KEY(?:\s+AUTOINCREMENT)?\b", re.IGNORECASE)
_BACKFILL = re.compile(r"^\s*UPDATE\s+OR\s+IGNORE\b", re.IGNORECASE)


def is_postgres_url(target: str) -> bool:
    """Does `OEC_CHATOPS_DB` name a PostgreSQL database (rather than an SQLite file)?"""
    return target.startswith(POSTGRES_SCHEMES)


def describe(target: str) -> str:
    """The database as logs and `check` may show it: a URL's password replaced by `***`."""
    if not is_postgres_url(target):
        return target
    scheme, _, rest = target.partition("://")
    creds, at, host = rest.rpartition("@")
    if at and ":" in creds:
        creds = creds.split(":", 1)[0] + ":***"
    return f"{scheme}://{creds}{at}{host}"


def _placeholders(sql: str) -> str:
    def swap(m: re.Match[str]) -> str:
        text = m.group(0)
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        if m.group("name"):
            return f"%({m.group('name')})s"
        # A literal or a quoted identifier: a `?` in it stays, but psycopg reads `%` everywhere.
        return text.replace("%", "%%")

    return _TOKENS.sub(swap, sql)


@lru_cache(maxsize=4096)
def to_postgres(sql: str) -> str:
    """A repository's statement as psycopg takes it (see the module docstring)."""
    if _OR_IGNORE.match(sql):
        sql = _OR_IGNORE.sub("INSERT INTO", sql, count=1).rstrip().rstrip(";")
        sql += " ON CONFLICT DO NOTHING"
    sql = _UNARY_PLUS.sub(r"\1 ", sql)
    return _placeholders(sql)


def migration_for_postgres(statement: str) -> tuple[str, ...]:
    """One shipped migration statement as PostgreSQL DDL: zero, one or several statements."""
    if _BACKFILL.match(statement):
        return ()
    ddl = _INTEGER_PK.sub("BIGSERIAL PRIMARY KEY", statement)
    ddl = re.sub(r"\bINTEGER\b", "BIGINT", ddl)
    ddl = re.sub(r"\bREAL\b", "DOUBLE PRECISION", ddl)
    ddl = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', ddl)
    table = _CREATE_TABLE.match(ddl)
    if table is None:
        return (ddl,)
    name = table.group(1)
    with_rowid = ddl[: table.end()] + "rowid BIGSERIAL NOT NULL, " + ddl[table.end() :]
    return (with_rowid, f"CREATE UNIQUE INDEX {name}_rowid ON {name}(rowid)")
