"""When a daily digest is due: the day an event belongs to, in the channel's time zone. Pure.

A digest posted at `at` (local time) on day D covers what happened from `at` on D-1 up to
(not including) `at` on D, and is labelled D. Local times go through `zoneinfo`, so a day
across a daylight-saving change is 23 or 25 hours long and the digest still posts at `at`
local time; a time that does not exist that day (inside the spring gap) posts at the
instant `zoneinfo` maps it to (fold 0, i.e. an hour later on the wall clock).
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_AT = "09:00"
DEFAULT_TZ = "UTC"
_AT = re.compile(r"([01]?\d|2[0-3])[:h]([0-5]\d)")


def parse_at(text: str) -> str | None:
    """`9:00`, `09:00` or `9h00` as `09:00`; None when it is not a time of day."""
    m = _AT.fullmatch(text.strip())
    return f"{int(m.group(1)):02d}:{m.group(2)}" if m else None


def zone(name: str) -> ZoneInfo | None:
    """The IANA zone of that name, or None (no file system paths, no empty names)."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@functools.cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def zone_suggestion(name: str) -> str | None:
    """The closest IANA zone name, for a "did you mean"."""
    by_lower = {z.lower(): z for z in _zone_names()}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


@dataclass(frozen=True, slots=True)
class DigestDay:
    """One digest: its label (the local date it is posted), the start of what it covers, and
    when it is due (both Unix seconds)."""

    day: str
    window_start: float
    due_at: float


def _due(d: date, at: str, tz: ZoneInfo) -> float:
    hours, minutes = (int(x) for x in at.split(":"))
    return datetime.combine(d, time(hours, minutes), tzinfo=tz).timestamp()


def digest_day(ts: float, at: str, tz_name: str) -> DigestDay:
    """The digest an event at `ts` belongs to, for a channel posting at `at` in `tz_name`."""
    tz = zone(tz_name) or ZoneInfo(DEFAULT_TZ)
    local = datetime.fromtimestamp(ts, tz).date()
    d = local if ts < _due(local, at, tz) else local + timedelta(days=1)
    return DigestDay(d.isoformat(), _due(d - timedelta(days=1), at, tz), _due(d, at, tz))


def following(day: DigestDay, at: str, tz_name: str) -> DigestDay:
    """The digest after `day` (for an event that arrives once `day` was already claimed)."""
    return digest_day(day.due_at, at, tz_name)
