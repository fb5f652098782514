"""Freeze windows read from the policy file, and when each is in force: weekly windows keep their
wall-clock start and end in their time zone on the nights the clocks change, and every
malformed `[[freeze]]` table is refused with a message naming it (the bot then does not start)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oec_chatops.domain import EnvRef
from oec_chatops.env_globs import env_matches
from oec_chatops.errors import ConfigError
from oec_chatops.freeze_windows import FreezeWindow, windows_in_force
from oec_chatops.policy import load_policy, parse_policy

NIGHTLY = """
[[freeze]]
environments = ["production"]
reason = "No changes overnight"
timezone = "Europe/Brussels"
days = ["sat"]
start_time = "22:00"
{end}
"""


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def window(end: str = 'end_time = "06:00"') -> FreezeWindow:
    (w,) = parse_policy(NIGHTLY.format(end=end)).freezes
    return w


def in_force(w: FreezeWindow, at: str) -> datetime | None:
    occurrence = w.occurrence_at(utc(at))
    return occurrence[1] if occurrence else None


def test_weekly_window_on_the_night_summer_time_ends() -> None:
    """Sat 24 Oct 2026 22:00 CEST (20:00 UTC) to Sun 25 Oct 06:00 CET (05:00 UTC): nine hours."""
    w = window()
    assert in_force(w, "2026-10-24T19:59:59") is None
    assert in_force(w, "2026-10-24T20:00:00") == utc("2026-10-25T05:00:00")
    assert in_force(w, "2026-10-25T04:59:59") == utc("2026-10-25T05:00:00")  # 05:59 CET
    assert in_force(w, "2026-10-25T05:00:00") is None


def test_weekly_window_on_the_night_summer_time_starts() -> None:
    """Sat 28 Mar 2026 22:00 CET (21:00 UTC) to Sun 29 Mar 06:00 CEST (04:00 UTC): seven hours."""
    w = window()
    assert in_force(w, "2026-03-28T20:59:59") is None
    assert in_force(w, "2026-03-28T21:00:00") == utc("2026-03-29T04:00:00")
    assert in_force(w, "2026-03-29T03:59:59") == utc("2026-03-29T04:00:00")
    assert in_force(w, "2026-03-29T04:00:00") is None  # 06:00 CEST: over, not an hour later


def test_a_duration_is_real_time_across_the_change() -> None:
    """`duration = "8h"` from 22:00 CEST is 04:00 UTC, which the clocks then call 05:00 CET."""
    w = window('duration = "8h"')
    assert in_force(w, "2026-10-24T20:00:00") == utc("2026-10-25T04:00:00")
    assert in_force(w, "2026-10-25T04:00:00") is None


def test_weekly_window_only_on_its_days_and_in_summer_and_winter() -> None:
    w = window()
    assert in_force(w, "2026-07-11T20:30:00") == utc("2026-07-12T04:00:00")  # CEST Saturday
    assert in_force(w, "2026-01-10T21:30:00") == utc("2026-01-11T05:00:00")  # CET Saturday
    assert in_force(w, "2026-07-10T20:30:00") is None  # a Friday


def test_dated_window_in_its_time_zone() -> None:
    policy = parse_policy(
        """
[[freeze]]
environments = ["production", "shop/*"]
reason = "Year-end close"
timezone = "Europe/Brussels"
start = 2026-12-20T18:00:00
end = 2027-01-04T08:00:00
"""
    )
    (w,) = policy.freezes
    assert w.environments == ("production", "shop/*")
    assert windows_in_force(policy.freezes, utc("2026-12-20T16:59:00")) == []
    assert windows_in_force(policy.freezes, utc("2026-12-20T17:00:00")) == [
        (w, utc("2027-01-04T07:00:00"))
    ]
    assert windows_in_force(policy.freezes, utc("2027-01-04T07:00:00")) == []


def test_a_window_longer_than_a_day_reports_the_end_of_the_occurrence_in_force() -> None:
    (w,) = parse_policy(
        NIGHTLY.format(end="").replace('days = ["sat"]', 'days = ["fri", "sat"]')
        + 'duration = "2d"\n'
    ).freezes
    # Friday's occurrence ends Sunday 22:00 local, Saturday's Monday 22:00: the later one.
    assert in_force(w, "2026-07-11T21:00:00") == utc("2026-07-13T20:00:00")


def test_freeze_globs_name_environments_as_protection_does() -> None:
    prod = EnvRef("e1", "main", "p1", "Shop", project_slug="shop", env_type="production")
    staging = EnvRef("e2", "staging", "p1", "Shop", project_slug="shop", env_type="staging")
    assert env_matches(("production",), prod)
    assert not env_matches(("production",), staging)
    assert env_matches(("shop/*",), staging)
    assert not env_matches(("erp/*",), staging)


BAD_TABLES = [
    ('freeze = "always"', "`[[freeze]]` tables"),
    ("[[freeze]]\n" + 'environments = ["production"]\nreason = "x"\n', "timezone` is missing"),
    (
        '[[freeze]]\nenvironments = ["production"]\nreason = "x"\ntimezone = "Mars/Olympus"\n'
        'days = ["sat"]\nstart_time = "22:00"\nend_time = "06:00"\n',
        "not an IANA time zone",
    ),
    ('[[freeze]]\nenvironments = ["production"]\nreason = "x"\ntimezone = "UTC"\n', "says no time"),
    (
        '[[freeze]]\nenvironments = ["production"]\nreason = "x"\ntimezone = "UTC"\n'
        'start = 2026-12-20T00:00:00\ndays = ["sat"]\n',
        "mixes a dated window",
    ),
    (
        '[[freeze]]\nenvironments = ["production"]\nreason = "x"\ntimezone = "UTC"\n'
        "start = 2026-12-20T00:00:00\nend = 2026-12-19T00:00:00\n",
        "`freeze[0].end` is not after",
    ),
    (
        '[[freeze]]\nenvironments = ["production"]\nreason = "x"\ntimezone = "UTC"\n'
        'start = "next monday"\nend = 2026-12-19T00:00:00\n',
        "`freeze[0].start` is 'next monday'",
    ),
    (
        '[[freeze]]\nenvironments = ["production"]\nreason = "x"\ntimezone = "UTC"\n'
        'days = ["someday"]\nstart_time = "22:00"\nend_time = "06:00"\n',
        "`freeze[0].days`",
    ),
    (
        '[[freeze]]\nenvironments = ["production"]\nreason = "x"\ntimezone = "UTC"\n'
        'days = ["sat"]\nstart_time = "22:00"\nend_time = "06:00"\nduration = "8h"\n',
        "exactly one of `end_time` and `duration`",
    ),
    (
        '[[freeze]]\nenvironments = ["production"]\nreason = "x"\ntimezone = "UTC"\n'
        'days = ["sat"]\nstart_time = "25:99"\nend_time = "06:00"\n',
        "`freeze[0].start_time`",
    ),
    (
        '[[freeze]]\nenvironments = ["production"]\nreason = "x"\ntimezone = "UTC"\n'
        'days = ["sat"]\nstart_time = "22:00"\nduration = "9d"\n',
        "at most 7d",
    ),
    (
        '[[freeze]]\nenvironments = []\nreason = "x"\ntimezone = "UTC"\n'
        "start = 2026-12-20T00:00:00\nend = 2026-12-21T00:00:00\n",
        "`freeze[0].environments` must be a non-empty list",
    ),
    (
        '[[freeze]]\nenvironments = ["a/b/c"]\nreason = "x"\ntimezone = "UTC"\n'
        "start = 2026-12-20T00:00:00\nend = 2026-12-21T00:00:00\n",
        "`freeze[0].environments[0]` is 'a/b/c'",
    ),
    (
        '[[freeze]]\nenvironments = ["production"]\ntimezone = "UTC"\n'
        "start = 2026-12-20T00:00:00\nend = 2026-12-21T00:00:00\n",
        "`freeze[0].reason` is missing",
    ),
    (
        '[[freeze]]\nenvironments = ["production"]\nreason = "x"\ntimezone = "UTC"\n'
        "begin = 2026-12-20T00:00:00\nend = 2026-12-21T00:00:00\n",
        "unknown key `freeze[0].begin`",
    ),
]


@pytest.mark.parametrize(("text", "said"), BAD_TABLES, ids=[s for _, s in BAD_TABLES])
def test_malformed_freeze_tables_are_refused(text: str, said: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_policy(text)
    assert said in str(info.value)


def test_the_file_is_named_with_the_bad_table(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(NIGHTLY.format(end='end_time = "6 o\'clock"'), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    assert str(path) in str(info.value)
    assert "`freeze[0].end_time`" in str(info.value)


def test_no_freeze_tables_no_freezes() -> None:
    assert parse_policy("").freezes == ()
    assert windows_in_force((), utc("2026-01-01T00:00:00") + timedelta(days=1)) == []
