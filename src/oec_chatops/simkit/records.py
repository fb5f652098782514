"""Simulated records as the JSON their API answers with: chosen fields, times in ISO 8601.

Why shared: every simulator record renders the same way (the API's field order, Unix seconds
on the injected clock shown as `2026-03-01T12:00:00Z`), so each record names its fields once
instead of spelling out a dict of `self.x` lines.
"""

from __future__ import annotations

from collections.abc import Collection
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


def as_json(record: object, *names: str, times: Collection[str] = ()) -> dict[str, Any]:
    """`record`'s fields `names`, in that order; those in `times` rendered with `iso`."""
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(record, name)
        out[name] = iso(value) if name in times else value
    return out
