"""Simulated records as the JSON their API answers with: chosen fields, times in ISO 8601.

Why shared: every simulator record renders the same way (the API's field order, Unix seconds
on the injected clock shown as `2026-03-01T12:00:00Z`), so each record names its fields once
instead of spelling out a dict of `self.x` lines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def iso(t: float | None) -> str | None:
    """Unix seconds as `2026-03-01T12:00:00Z` (milliseconds only when there are some)."""
    if t is None:
        return None
    dt = datetime.fromtimestamp(round(t, 3), UTC)
    return dt.isoformat(timespec="milliseconds" if dt.microsecond else "seconds").replace(
        "+00:00", "Z"
    )


def as_json(record: object, fields: str, *, times: str = "") -> dict[str, Any]:
    """`record`'s `fields` (names split on spaces, as `namedtuple` takes them), in that order;
    those also named in `times` are Unix seconds rendered with `iso`."""
    timed = set(times.split())
    return {
        name: iso(getattr(record, name)) if name in timed else getattr(record, name)
        for name in fields.split()
    }
