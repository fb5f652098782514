"""The pieces the three platform clients and the three simulators share (httpapi, simkit)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from oec_chatops.deployerp.session import DerpKey
from oec_chatops.httpapi.secret import REDACTED
from oec_chatops.settings_rules import at_least_one, not_negative, positive
from oec_chatops.simkit.records import as_json
from oec_chatops.simkit.windows import CalendarCounter, Decision, SlidingCounter

SECRET = "derp_live_0123456789abcdef"


def test_a_bearer_secret_is_unwrapped_only_for_the_header_and_redacted_elsewhere() -> None:
    key = DerpKey.of(SecretStr(SECRET))
    assert key.authorization() == f"Bearer {SECRET}"
    assert SECRET not in repr(key)
    assert SECRET not in str(key)
    assert key.redact(f"echo: Bearer {SECRET}!") == f"echo: Bearer {REDACTED}!"


def test_a_calendar_counter_forgets_the_previous_period() -> None:
    minute = CalendarCounter(60)
    minute.add("k", 119.0)
    minute.add("k", 119.5)
    assert minute.used("k", 119.9) == 2
    assert minute.reset_at(119.9) == 120
    assert minute.used("k", 120.0) == 0  # a new calendar minute, not 60 s after the first
    assert minute.used("other", 119.9) == 0


def test_a_sliding_counter_waits_for_its_oldest_event_to_leave() -> None:
    window = SlidingCounter(60)
    window.add("k", 10.0)
    window.add("k", 30.0)
    assert window.count("k", 69.9) == 2
    assert window.wait("k", 69.9) == 1  # at least one whole second
    assert window.wait("k", 50.0) == 20
    assert window.count("k", 70.0) == 1  # the event at 10.0 is 60 s old: gone


def test_a_decision_reports_reset_only_when_the_platform_has_one() -> None:
    assert Decision(True, 100, 99, 0).headers() == {
        "X-RateLimit-Limit": "100",
        "X-RateLimit-Remaining": "99",
    }
    assert Decision(False, 100, 0, 5, reset=3600).headers()["X-RateLimit-Reset"] == "3600"


def test_as_json_keeps_the_named_order_and_renders_times() -> None:
    class Row:
        id = "r1"
        created_at = 0.0
        done_at = None
        size = 3

    assert list(
        as_json(Row(), "size id created_at done_at", times="created_at done_at").items()
    ) == [
        ("size", 3),
        ("id", "r1"),
        ("created_at", "1970-01-01T00:00:00Z"),
        ("done_at", None),
    ]


def test_settings_rules_name_the_class_and_field() -> None:
    class Settings:
        attempts = 0
        timeout = 0.0
        backoff = -0.5

    with pytest.raises(ValueError, match=r"^Settings\.attempts must be at least 1\.$"):
        at_least_one(Settings(), "attempts")
    with pytest.raises(ValueError, match=r"^Settings\.timeout must be positive\.$"):
        positive(Settings(), "timeout")
    not_negative(Settings(), "attempts", "timeout")  # zero is allowed
    with pytest.raises(ValueError, match=r"^Settings\.backoff must not be negative\.$"):
        not_negative(Settings(), "backoff")
