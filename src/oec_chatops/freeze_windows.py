"""Freeze windows: the `[[freeze]]` tables of the policy file, and when each one is in force.

Pure: tables in, windows out; a window and an instant in, the end of the occurrence in force
out. Wall-clock times are read in the window's IANA time zone (`zoneinfo`), so a weekly
22:00–06:00 window in Europe/Brussels still starts at 22:00 and ends at 06:00 local time on the
night the clocks change (seven or nine hours of real time, not eight). A `duration` is real
elapsed time instead. A local time the clocks skip (02:30 on the spring night) is read with
the offset before the change (PEP 495, fold=0), i.e. an hour later in wall-clock terms; a time
that happens twice is its first occurrence.

Two shapes, by example::

    [[freeze]]                       # dated: from start to end, local times in `timezone`
    environments = ["production", "shop/*"]
    reason = "Year-end close"
    timezone = "Europe/Brussels"
    start = 2026-12-20T18:00:00
    end = 2027-01-04T08:00:00

    [[freeze]]                       # weekly: on these days, from start_time for a while
    environments = ["*-prod"]
    reason = "No changes overnight"
    timezone = "Europe/Brussels"
    days = ["mon", "tue", "wed", "thu", "fri"]
    start_time = "22:00"
    end_time = "06:00"               # or: duration = "8h"

Fail closed: a table that is not exactly one of these shapes is a `ConfigError` and the bot
does not start, rather than run without a freeze someone wrote down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from oec_chatops.durations import parse_duration
from oec_chatops.env_globs import glob_problem
from oec_chatops.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_WEEKLY_LENGTH = timedelta(days=7)
MAX_REASON = 300
_COMMON_KEYS = ("environments", "reason", "timezone")
_DATED_KEYS = ("start", "end")
_WEEKLY_KEYS = ("days", "start_time", "end_time", "duration")


@dataclass(frozen=True, slots=True)
class FreezeWindow:
    """One `[[freeze]]` table: which environments, why, and when (dated or weekly)."""

    environments: tuple[str, ...]  # lower-case globs, as `env_globs.env_matches` reads them
    reason: str
    zone: str  # IANA name: the wall clock of the times below, and how the end is shown
    start: datetime | None = None  # dated window, aware
    end: datetime | None = None
    days: frozenset[int] = frozenset()  # weekly window: Monday is 0
    start_time: time | None = None
    end_time: time | None = None  # wall-clock end (the next day when not after start_time)
    duration: timedelta | None = None  # or real elapsed time from the start

    def occurrence_at(self, now: datetime) -> tuple[datetime, datetime] | None:
        """The (start, end) in UTC of the occurrence in force at `now`, or None.

        When occurrences overlap (a weekly window longer than a day), the one that ends last.
        """
        now = now.astimezone(UTC)
        if self.start is not None and self.end is not None:
            first, last = self.start.astimezone(UTC), self.end.astimezone(UTC)
            return (first, last) if first <= now < last else None
        found: tuple[datetime, datetime] | None = None
        today = now.astimezone(ZoneInfo(self.zone)).date()
        for back in range(8):  # an occurrence lasts at most 7 days: one started within 8
            occurrence = self._occurrence_on(today - timedelta(days=back))
            if occurrence is None or not occurrence[0] <= now < occurrence[1]:
                continue
            if found is None or occurrence[1] > found[1]:
                found = occurrence
        return found

    def _occurrence_on(self, day: date) -> tuple[datetime, datetime] | None:
        if day.weekday() not in self.days or self.start_time is None:
            return None
        zone = ZoneInfo(self.zone)
        local_start = datetime.combine(day, self.start_time, tzinfo=zone)
        start = local_start.astimezone(UTC)
        if self.duration is not None:
            return start, start + self.duration
        assert self.end_time is not None
        end_day = day if self.end_time > self.start_time else day + timedelta(days=1)
        return start, datetime.combine(end_day, self.end_time, tzinfo=zone).astimezone(UTC)


def parse_freeze_tables(value: object) -> tuple[FreezeWindow, ...]:
    """Every `[[freeze]]` table of the policy file, checked; ConfigError names the bad one."""
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise ConfigError("`freeze` must be written as `[[freeze]]` tables")
    return tuple(_window(t, where=f"freeze[{i}]") for i, t in enumerate(value))


def _window(t: Mapping[str, Any], *, where: str) -> FreezeWindow:
    known = (*_COMMON_KEYS, *_DATED_KEYS, *_WEEKLY_KEYS)
    for key in t:
        if key not in known:
            names = ", ".join(f"`{k}`" for k in known)
            raise ConfigError(f"unknown key `{where}.{key}` (known: {names})")
    zone_name = _zone(t.get("timezone"), where=where)
    common: dict[str, Any] = {
        "environments": _environments(t.get("environments"), where=where),
        "reason": _reason(t.get("reason"), where=where),
        "zone": zone_name,
    }
    dated = [k for k in _DATED_KEYS if k in t]
    weekly = [k for k in _WEEKLY_KEYS if k in t]
    if dated and weekly:
        raise ConfigError(
            f"`{where}` mixes a dated window (`start`, `end`) with a weekly one "
            f"(`{'`, `'.join(weekly)}`); write one or the other"
        )
    if not dated and not weekly:
        raise ConfigError(
            f"`{where}` says no time: give `start` and `end`, or `days`, `start_time` and "
            "`end_time` (or `duration`)"
        )
    zone = ZoneInfo(zone_name)
    if dated:
        start = _moment(t.get("start"), "start", zone, where=where)
        end = _moment(t.get("end"), "end", zone, where=where)
        if end <= start:
            raise ConfigError(f"`{where}.end` is not after `{where}.start`")
        return FreezeWindow(**common, start=start, end=end)
    return FreezeWindow(**common, **_weekly(t, where=where))


def _weekly(t: Mapping[str, Any], *, where: str) -> dict[str, Any]:
    raw_days = t.get("days")
    if (
        not isinstance(raw_days, list)
        or not raw_days
        or not all(isinstance(d, str) and d.strip().lower()[:3] in DAYS for d in raw_days)
    ):
        raise ConfigError(
            f"`{where}.days` is {raw_days!r}; expected a list of days such as "
            '["mon", "tue", "wed", "thu", "fri"]'
        )
    days = frozenset(DAYS.index(d.strip().lower()[:3]) for d in raw_days)
    start_time = _clock_time(t.get("start_time"), "start_time", where=where)
    has_end, has_duration = "end_time" in t, "duration" in t
    if has_end == has_duration:
        raise ConfigError(f"`{where}` needs exactly one of `end_time` and `duration`")
    if has_end:
        return {
            "days": days,
            "start_time": start_time,
            "end_time": _clock_time(t["end_time"], "end_time", where=where),
        }
    raw = t["duration"]
    try:
        length = parse_duration(raw) if isinstance(raw, str) else None
    except ValueError:
        length = None
    if length is None or not timedelta(0) < length <= MAX_WEEKLY_LENGTH:
        raise ConfigError(
            f"`{where}.duration` is {raw!r}; expected a duration such as 8h or 2d12h (at most 7d)"
        )
    return {"days": days, "start_time": start_time, "duration": length}


def _zone(value: object, *, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"`{where}.timezone` is missing; name the wall clock of its times, "
            'e.g. timezone = "Europe/Brussels" (or "UTC")'
        )
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"`{where}.timezone` is {value!r}, which is not an IANA time zone this machine "
            "knows (such as Europe/Brussels or UTC)"
        ) from exc
    return value.strip()


def _environments(value: object, *, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"`{where}.environments` must be a non-empty list of environment globs, "
            'e.g. ["production", "shop/*"]'
        )
    globs = [v.strip().lower() for v in value]
    for i, glob in enumerate(globs):
        problem = glob_problem(glob)
        if problem:
            raise ConfigError(f"`{where}.environments[{i}]` is {glob!r}; {problem}")
    return tuple(globs)


def _reason(value: object, *, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"`{where}.reason` is missing; say why, it is what refused changes are told"
        )
    if len(value) > MAX_REASON:
        raise ConfigError(f"`{where}.reason` is longer than {MAX_REASON} characters")
    return value.strip()


def _moment(value: object, key: str, zone: ZoneInfo, *, where: str) -> datetime:
    """A TOML date-time (with or without offset) or date; local ones are in `zone`."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=zone)
    raise ConfigError(
        f"`{where}.{key}` is {value!r}; expected a TOML date-time such as 2026-12-20T18:00:00 "
        "(unquoted; local to `timezone` unless it has an offset)"
    )


def _clock_time(value: object, key: str, *, where: str) -> time:
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(f'`{where}.{key}` is {value!r}; expected a time of day such as "22:00"')


def windows_in_force(
    windows: Sequence[FreezeWindow], now: datetime
) -> list[tuple[FreezeWindow, datetime]]:
    """Each window in force at `now`, with the end of its current occurrence (UTC)."""
    found = []
    for w in windows:
        occurrence = w.occurrence_at(now)
        if occurrence is not None:
            found.append((w, occurrence[1]))
    return found
