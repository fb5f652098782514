"""Retention settings: durations, defaults, and the values that would let a replay in."""

from __future__ import annotations

import pytest

from oec_chatops.config import load_settings
from oec_chatops.errors import ConfigError
from oec_chatops.retention import DAY, RetentionPolicy, parse_duration


def test_retention_settings() -> None:
    s = load_settings({})
    assert s.retention == RetentionPolicy(deliveries=30 * DAY, dedupe=31 * DAY, audit=365 * DAY)
    s = load_settings({"OEC_CHATOPS_RETAIN_DELIVERIES": "7d", "OEC_CHATOPS_RETAIN_AUDIT": "2w"})
    assert (s.retention.deliveries, s.retention.dedupe, s.retention.audit) == (
        7 * DAY,
        8 * DAY,
        14 * DAY,
    )
    assert parse_duration("90m") == 5400
    assert parse_duration("3600") == 3600


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"OEC_CHATOPS_RETAIN_DEDUPE": "10d"},
            "OEC_CHATOPS_RETAIN_DEDUPE: must be at least OEC_CHATOPS_RETAIN_DELIVERIES (30d)",
        ),
        (
            {"OEC_CHATOPS_RETAIN_DELIVERIES": "2h", "OEC_CHATOPS_RETAIN_DEDUPE": "1h"},
            "OEC_CHATOPS_RETAIN_DEDUPE: must be at least OEC_CHATOPS_RETAIN_DELIVERIES (2h)",
        ),
        ({"OEC_CHATOPS_RETAIN_AUDIT": "10m"}, "OEC_CHATOPS_RETAIN_AUDIT: must be at least 1h"),
        ({"OEC_CHATOPS_RETAIN_DELIVERIES": "soon"}, "OEC_CHATOPS_RETAIN_DELIVERIES: must be a"),
    ],
)
def test_retention_that_would_let_a_replay_in_stops_start_up(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ)
    assert str(raised.value).startswith(message)
